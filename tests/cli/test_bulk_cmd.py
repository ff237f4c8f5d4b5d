"""`twilio-skill bulk`: jobs listed, one shown, and one followed with a progress bar to its end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skill.cli import bulk_cmd
from skill.records.bulk import JobRow, OutboxRow
from skill.stores.sqlite import Stores
from tests.cli.conftest import Invoke

JOB = "BJ" + "a" * 32
START = 1_800_000_000.0


def make_job(home: Path, *, sent: int, failed: int = 0, queued: int = 0, status: str = "running") -> None:
    """A job of sent + failed + queued recipients in the home's store, sent one a second from START."""
    total = sent + failed + queued
    stores = Stores.open(home / "sandbox.db")
    try:
        job = JobRow(
            id=JOB, profile="sandbox", status=status, sender="+18005550123", service_sid=None,
            status_callback=None, window=None, start_at=None, approved=False, total=total, created_at=START,
        )  # fmt: skip
        rows = [
            OutboxRow(
                job_id=JOB,
                idx=index,
                phone=f"+1415200{index:04d}",
                body="Hi",
                segments=1,
                country="US",
                tz="America/Los_Angeles",
                cost_micros=7900,
            )  # fmt: skip
            for index in range(total)
        ]
        stores.outbox.create_job(job, rows)
        for index in range(sent):
            stores.outbox.finish(JOB, index, "sent", sid=f"SM{index:032x}", now=START + index)
        for index in range(sent, sent + failed):
            stores.outbox.finish(JOB, index, "failed", error_code=21610, error_message="opted out", now=START)
    finally:
        stores.close()


def finish_rest(home: Path, first: int, last: int) -> None:
    stores = Stores.open(home / "sandbox.db")
    try:
        for index in range(first, last):
            stores.outbox.finish(JOB, index, "sent", sid=f"SM{index:032x}", now=START + index)
        stores.outbox.complete_finished()
    finally:
        stores.close()


def test_bulk_list_shows_the_jobs_newest_first(run: Invoke, cli_home: Path) -> None:
    empty = run("bulk", "list")
    assert empty.exit_code == 0 and empty.stdout == ""
    make_job(cli_home, sent=2)
    listed = run("bulk", "list")
    assert listed.exit_code == 0, listed.stderr
    assert JOB in listed.stdout and "running" in listed.stdout and "2 recipients" in listed.stdout


def test_following_a_finished_job_prints_sent_failed_rate_and_eta_and_exits_0(run: Invoke, cli_home: Path) -> None:
    make_job(cli_home, sent=5, failed=1, status="completed")
    followed = run("bulk", "status", JOB, "--follow")
    assert followed.exit_code == 0, followed.stderr
    assert "sent 5  failed 1  rate 1/s  eta 0s" in followed.stdout  # the bar's last line
    assert "completed" in followed.stdout and "1 x 21610" in followed.stdout
    shown = json.loads(run("bulk", "status", JOB, "--json").stdout)
    assert (shown["counts"]["sent"], shown["counts"]["failed"], shown["rate"], shown["eta_seconds"]) == (5, 1, 1.0, 0)


def test_following_a_running_job_polls_until_the_last_recipient_is_sent(
    run: Invoke, cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_job(cli_home, sent=2, queued=4)
    polls: list[float] = []

    def worker_sends_two(seconds: float) -> None:  # instead of waiting, the worker moves on two rows
        polls.append(seconds)
        finish_rest(cli_home, 2 * len(polls), 2 * len(polls) + 2)

    monkeypatch.setattr(bulk_cmd, "_sleep", worker_sends_two)
    followed = run("bulk", "status", JOB, "--follow")
    assert followed.exit_code == 0, followed.stderr
    assert polls == [bulk_cmd.FOLLOW_POLL_SECONDS] * 2
    assert "sent 6  failed 0" in followed.stdout and "completed" in followed.stdout


@pytest.mark.parametrize(
    ("job_id", "code", "said"),
    [
        ("BJ" + "0" * 32, 1, "There is no bulk job"),
        ("nope", 2, "a bulk job id is BJ followed by 32 hex digits"),
        ("BJ" + "0" * 31 + "\x1b", 2, "a bulk job id is BJ"),
    ],
)
def test_a_bad_job_id_is_a_clear_error_never_a_traceback(
    run: Invoke, cli_home: Path, job_id: str, code: int, said: str
) -> None:
    for args in (("bulk", "status", job_id), ("bulk", "status", job_id, "--follow")):
        result = run(*args)
        assert result.exit_code == code and said in result.stderr
        assert "Traceback" not in result.stderr and "\x1b" not in result.stderr and result.stdout == ""
