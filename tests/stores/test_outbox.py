"""The outbox, on both backends: leased claims, leases taken back, and two worker processes on one
database."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from skill.ports.clock import ManualClock
from skill.records.bulk import JobRow, OutboxRow
from skill.stores.sqlite import Stores
from tests.stores.conftest import Backend
from tests.stores.test_backends import WORKERS, together

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


def test_a_job_runs_from_queued_rows_to_completed_with_its_counts_errors_and_deliveries(backend: Backend) -> None:
    now = 1_800_000_000.0
    clock = ManualClock(now)
    stores = backend.open(clock=clock)
    outbox = stores.outbox
    job_id, older_id = "BJ" + "2" * 32, "BJ" + "0" * 32
    job = JobRow(
        id=job_id, profile="sandbox", status="running", sender="+18005550123", service_sid=None,
        status_callback="https://hooks.example.com/s", window="09:00-20:00", start_at=None, approved=False,
        total=4, created_at=now,
    )  # fmt: skip
    rows = [
        OutboxRow(job_id=job_id, idx=n, phone=f"+1415555010{n}", body=f"Hi {n}", segments=n, country="US",
                  tz="America/New_York", cost_micros=79 * n)
        for n in range(1, 5)
    ]  # fmt: skip
    outbox.create_job(job, rows)
    outbox.create_job(job.model_copy(update={"id": older_id, "status": "completed", "created_at": now - 60}), [])
    assert outbox.job(job_id) == job and outbox.job("BJ" + "9" * 32) is None
    assert outbox.rows(job_id) == rows
    assert [j.id for j in outbox.jobs("sandbox", limit=1)] == [job_id]
    assert [j.id for j in outbox.jobs("sandbox", limit=5, before=(now, job_id))] == [older_id]
    assert outbox.jobs("other", limit=5) == []

    outbox.hold(job_id, "daily limit reached", now + 300)
    assert outbox.claim("w", limit=10, lease_seconds=30) == [] and outbox.next_due() == now + 300
    outbox.hold(job_id, None, None)
    assert outbox.set_status(job_id, "paused", allowed_from=("running",))
    assert outbox.claim("w", limit=10, lease_seconds=30) == [], "a paused job's rows wait"
    assert not outbox.set_status(job_id, "running", allowed_from=("completed",))
    assert outbox.set_status(job_id, "running", allowed_from=("paused",))

    assert [row.idx for row in outbox.claim("w", limit=10, lease_seconds=30)] == [1, 2, 3, 4]
    assert all(outbox.mark_attempted(job_id, n, "w", 30) for n in (1, 2, 3))
    assert outbox.finish(job_id, 1, "sent", sid="SM1")
    assert outbox.finish(job_id, 2, "failed", error_code=21610, error_message="opted out")
    assert not outbox.finish(job_id, 1, "failed"), "an outcome, once recorded, is kept"
    outbox.requeue(job_id, 3, not_before=now + 60, forget_attempt=False)  # may have gone out: reconcile
    outbox.requeue(job_id, 4, not_before=now + 120, forget_attempt=True)
    assert {row.idx: row.state for row in outbox.rows(job_id)} == {1: "sent", 2: "failed", 3: "unknown", 4: "queued"}
    assert [row.idx for row in outbox.rows(job_id, states=("unknown", "queued"))] == [3, 4]
    assert outbox.next_due() == now + 60
    assert outbox.record_delivery("SM1", "delivered") and not outbox.record_delivery("SM404", "delivered")
    outbox.record_deliveries([("SM1", "delivered"), ("SM404", "delivered"), ("SM1", "undelivered")])
    assert outbox.counts(job_id)["undelivered"] == 1, "of statuses written together, a message's last wins"
    outbox.record_deliveries([("SM1", "delivered")])
    counts = {"sent": 1, "failed": 1, "unknown": 1, "queued": 1, "delivered": 1, "undelivered": 0}
    assert outbox.counts(job_id) == counts
    assert outbox.sent_span(job_id) == (1, now, now)
    assert outbox.errors(job_id, 5) == [(21610, "opted out", 1)]
    assert outbox.complete_finished() == []

    clock.advance(60)
    assert [(row.idx, row.state) for row in outbox.claim("w", limit=10, lease_seconds=30)] == [(3, "unknown")]
    assert outbox.finish(job_id, 3, "sent", sid="SM3")
    assert outbox.cancel_pending(job_id) == 1
    assert [row.error_message for row in outbox.rows(job_id, states=("skipped",))] == ["canceled"]
    assert outbox.sent_span(job_id) == (2, now, now + 60)
    assert outbox.complete_finished() == [job_id]
    finished = outbox.job(job_id)
    assert finished is not None and finished.status == "completed" and outbox.next_due() is None


def test_claims_made_at_once_from_separate_store_sets_never_lease_a_row_twice(backend: Backend) -> None:
    seed(backend.target, ROWS).close()
    sets = [backend.open() for _ in range(WORKERS)]
    claimed = together(WORKERS, lambda n: [row.idx for row in sets[n].outbox.claim(f"w{n}", limit=10, lease_seconds=9)])
    every = [idx for rows in claimed for idx in rows]
    assert sorted(every) == list(range(1, WORKERS * 10 + 1)), "each row leased to one worker, none skipped"


def test_a_lock_on_a_whole_scope_holds_off_another_transaction_until_the_first_ends(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    held, acquired = threading.Event(), threading.Event()

    def other() -> None:
        held.wait(timeout=20)
        with second.db.transaction() as conn:
            second.db.lock(conn, "bulk_claim")
            acquired.set()

    thread = threading.Thread(target=other)
    thread.start()
    with first.db.transaction() as conn:
        first.db.lock(conn, "bulk_claim")
        held.set()
        assert not acquired.wait(timeout=0.5), "the other transaction waits for the lock"
    assert acquired.wait(timeout=20)
    thread.join(timeout=20)


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
