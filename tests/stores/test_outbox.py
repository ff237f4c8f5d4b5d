"""The outbox, on both backends: leased claims, leases taken back, and two worker processes on one
database."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from skill.ports.clock import ManualClock
from skill.records.bulk import JobRow, OutboxRow
from skill.stores.sqlite import Stores
from tests.stores.conftest import Backend

ROWS = 300


def seed(target: Path | str, count: int, clock: ManualClock | None = None) -> Stores:
    stores = Stores.open(target, clock=clock)
    job = JobRow(
        id="BJ" + "1" * 32, profile="sandbox", status="running", sender="+18005550123", service_sid=None,
        status_callback=None, window=None, start_at=None, approved=True, total=count, created_at=0.0,
    )  # fmt: skip
    rows = [
        OutboxRow(job_id=job.id, idx=index, phone=f"+1415{2000000 + index:07d}", body="Hi", segments=1,
                  country="US", tz=None, cost_micros=0)
        for index in range(1, count + 1)
    ]  # fmt: skip
    stores.outbox.create_job(job, rows)
    return stores


def test_a_lease_that_runs_out_gives_back_unsent_rows_and_marks_attempted_ones_unknown(backend: Backend) -> None:
    clock = ManualClock(1000.0)
    stores = seed(backend.target, 3, clock)
    outbox = stores.outbox
    claimed = outbox.claim("first", limit=2, lease_seconds=10)
    assert [row.idx for row in claimed] == [1, 2] and {row.state for row in claimed} == {"sending"}
    assert outbox.claim("second", limit=5, lease_seconds=10)[0].idx == 3  # leased rows are nobody else's
    assert outbox.mark_attempted(outbox.job("BJ" + "1" * 32).id, 1, "first", 10)  # type: ignore[union-attr]
    assert not outbox.mark_attempted("BJ" + "1" * 32, 2, "second", 10)  # not its lease
    clock.advance(11)
    taken = {row.idx: row.state for row in outbox.claim("second", limit=5, lease_seconds=10)}
    assert taken == {1: "unknown", 2: "sending", 3: "sending"}  # row 1 may have gone out: reconcile first
    assert not outbox.mark_attempted("BJ" + "1" * 32, 2, "first", 10)  # the first worker lost it
    stores.close()


def test_a_worker_that_lost_a_rows_lease_cannot_put_it_back_in_the_queue(backend: Backend) -> None:
    clock = ManualClock(1000.0)
    stores = seed(backend.target, 1, clock)
    outbox, job = stores.outbox, "BJ" + "1" * 32
    outbox.claim("first", limit=1, lease_seconds=10)
    clock.advance(11)
    outbox.claim("second", limit=1, lease_seconds=10)
    assert outbox.mark_attempted(job, 1, "second", 10)  # the second worker is sending it now
    outbox.requeue(job, 1, not_before=clock.now(), forget_attempt=True, owner="first")
    assert outbox.rows(job)[0].state == "sending" and outbox.rows(job)[0].attempted_at is not None
    assert outbox.claim("third", limit=1, lease_seconds=10) == []  # so nobody can send it a second time
    outbox.requeue(job, 1, not_before=clock.now(), forget_attempt=False, owner="second")
    assert outbox.rows(job)[0].state == "unknown"  # its own holder may: reconciled before any resend
    stores.close()


def run_worker(path: str, name: str, results: multiprocessing.Queue, go: object) -> None:  # type: ignore[type-arg]
    stores = Stores.open(path)
    go.wait(30)  # type: ignore[attr-defined]  # both start claiming at once
    sent: list[int] = []
    while rows := stores.outbox.claim(name, limit=7, lease_seconds=30):
        for row in rows:
            if stores.outbox.mark_attempted(row.job_id, row.idx, name, 30):
                sent.append(row.idx)
                stores.outbox.finish(row.job_id, row.idx, "sent", sid=f"{name}-{row.idx}")
    stores.close()
    results.put((name, sent))


@pytest.mark.slow
def test_two_worker_processes_on_one_store_never_send_a_recipient_twice(backend: Backend) -> None:
    path = backend.target
    seed(path, ROWS).close()
    context = multiprocessing.get_context("spawn")
    results, go = context.Queue(), context.Event()
    workers = [context.Process(target=run_worker, args=(str(path), name, results, go)) for name in ("a", "b")]
    for process in workers:
        process.start()
    go.set()
    found = dict(results.get(timeout=60) for _ in workers)
    for process in workers:
        process.join(timeout=30)
    assert set(found["a"]).isdisjoint(found["b"])
    assert sorted(found["a"] + found["b"]) == list(range(1, ROWS + 1))
    stores = Stores.open(path)
    assert stores.outbox.counts("BJ" + "1" * 32)["sent"] == ROWS
    stores.close()
