"""Every store on both backends, and the concurrency each must survive when two processes (here two
separately opened store sets, each with its own connections) share one database."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest

from skill.core.group_commit import GroupCommit
from skill.records.events import NewEvent, StoredEvent
from skill.records.ivr import CallState
from skill.stores.migrations import MIGRATIONS
from skill.stores.pg.migrations import MIGRATIONS as PG_MIGRATIONS
from skill.stores.sqlite import Stores
from skill.stores.webhook_events import EventBatch, SqliteWebhookEventStore
from tests import approvals
from tests.stores.conftest import Backend

WORKERS = 8


def together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) on threads released at one barrier; their results in order."""
    barrier = threading.Barrier(count)

    def run(n: int) -> Any:
        barrier.wait(timeout=20)
        return work(n)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count), timeout=60))


def event(key: str, *, sid: str = "SM1", kind: str = "sms_status", payload: dict[str, Any] | None = None) -> NewEvent:
    return NewEvent(key, kind, sid, "delivered", "AC1", None, payload or {"MessageSid": sid})


def test_every_sqlite_migration_has_a_postgresql_twin_of_the_same_name() -> None:
    assert [name for name, _ in PG_MIGRATIONS] == [name for name, _ in MIGRATIONS]


def test_migrations_are_recorded_once_and_reopening_applies_none(backend: Backend) -> None:
    first = backend.open()
    names = [row["name"] for row in first.db.query("SELECT name FROM migrations ORDER BY rowid")]
    assert names == [name for name, _ in MIGRATIONS]
    backend.open()
    assert len(first.db.query("SELECT name FROM migrations")) == len(MIGRATIONS)


def test_replicas_opening_a_fresh_postgresql_database_together_apply_each_migration_once(pg_url: str) -> None:
    opened = together(4, lambda _: Stores.open(pg_url))
    try:
        rows = opened[0].db.query("SELECT name, COUNT(*) AS n FROM migrations GROUP BY name")
        assert sorted((row["name"], row["n"]) for row in rows) == sorted((name, 1) for name, _ in MIGRATIONS)
    finally:
        for stores in opened:
            stores.close()


def test_an_approved_request_consumed_concurrently_from_two_store_sets_is_used_exactly_once(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    request = approvals.open_request(first, "number_release", args_sha256="d" * 64)
    approvals.decide(first, request.id, approve=True)
    used = together(
        WORKERS,
        lambda n: (first if n % 2 else second).approvals.consume(
            request.id, tool="number_release", args_sha256="d" * 64, profile="sandbox"
        ),
    )
    assert used.count(True) == 1
    stored = second.approvals.get(request.id)
    assert stored is not None and stored.status == "used"


def test_a_consume_for_other_arguments_or_another_profile_is_refused(backend: Backend) -> None:
    stores = backend.open()
    request = approvals.open_request(stores, "number_release", args_sha256="e" * 64)
    approvals.decide(stores, request.id, approve=True)
    assert not stores.approvals.consume(request.id, tool="number_release", args_sha256="f" * 64, profile="sandbox")
    assert not stores.approvals.consume(request.id, tool="number_release", args_sha256="e" * 64, profile="live")
    assert stores.approvals.consume(request.id, tool="number_release", args_sha256="e" * 64, profile="sandbox")
    assert stores.approvals.release(request.id)
    assert stores.approvals.consume(request.id, tool="number_release", args_sha256="e" * 64, profile="sandbox")


def test_concurrent_identical_gated_calls_open_one_pending_request(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    opened = together(
        WORKERS, lambda n: approvals.open_request(first if n % 2 else second, "number_release", args_sha256="a" * 64)
    )
    assert len({approval.id for approval in opened}) == 1
    assert len(first.approvals.list(status="pending")) == 1


def test_a_daily_cap_hit_from_two_store_sets_at_once_counts_exactly_the_cap(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    reserved = together(
        WORKERS * 2, lambda n: (first if n % 2 else second).send_counter.try_reserve("p", "message_send", 5)
    )
    assert reserved.count(True) == 5
    assert first.send_counter.count("p", "message_send") == 5
    first.send_counter.release("p", "message_send")
    assert second.send_counter.count("p", "message_send") == 4


def test_one_idempotency_key_claimed_concurrently_has_one_holder(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    claims = together(WORKERS, lambda n: (first if n % 2 else second).idempotency.claim("k", "t", "p", "h"))
    assert claims.count(None) == 1


def test_duplicate_webhook_events_written_concurrently_are_stored_once(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    keys = [f"key-{n}" for n in range(20)]

    def write(n: int) -> list[bool]:
        ordered = keys if n % 2 else list(reversed(keys))  # opposite orders: the case that can deadlock
        return (first if n % 2 else second).webhook_events.record([event(key) for key in ordered])

    results = together(WORKERS, write)
    assert sum(flag for flags in results for flag in flags) == len(keys)
    stored = first.webhook_events.list(limit=100)
    assert sorted(e.dedupe_key for e in stored) == sorted(keys)


def test_a_repeat_inside_one_batch_is_a_duplicate(backend: Backend) -> None:
    stores = backend.open()
    assert stores.webhook_events.record([event("a"), event("b"), event("a")]) == [True, True, False]


def test_every_field_of_a_stored_event_reads_back_exactly_as_written(backend: Backend) -> None:
    stores = backend.open()
    odd = 'caf\u00e9 \u4e2d \U0001f600 "quoted" \\ back\nslash\t%s ?'
    written = NewEvent(f"key {odd}", "sms_status", f"SM {odd}", odd, None, 30007, {"Body": odd, "n": [1, None]})
    other = NewEvent("plain", "sms_status", None, None, "AC1", None, {})
    assert stores.webhook_events.record([written, other], now=1733300000.123456) == [True, True]
    first, second = stores.webhook_events.list(oldest_first=True)
    assert (first.dedupe_key, first.sid, first.status, first.account_sid) == (f"key {odd}", f"SM {odd}", odd, None)
    assert (first.error_code, first.received_at, first.payload) == (30007, 1733300000.123456, written.payload)
    assert (second.sid, second.status, second.account_sid, second.error_code) == (None, None, "AC1", None)


def test_a_large_batch_keeps_its_order_and_finds_repeats_of_earlier_and_of_its_own_events(backend: Backend) -> None:
    stores = backend.open()
    assert stores.webhook_events.record([event("k3")]) == [True]
    keys = [f"k{n}" for n in range(600)] + ["k1", "k550"]
    fresh = stores.webhook_events.record([event(key) for key in keys])
    assert fresh == [key != "k3" for key in keys[:-2]] + [False, False]
    stored = stores.webhook_events.list(limit=700, oldest_first=True)
    assert [e.dedupe_key for e in stored] == ["k3"] + [key for key in keys[:-2] if key != "k3"]


def test_processing_runs_each_event_once_across_two_processors_and_its_effects_join_the_transaction(
    backend: Backend,
) -> None:
    first, second = backend.open(), backend.open()
    first.webhook_events.record([event(f"k{n}", sid=f"SM{n}") for n in range(30)])
    seen: list[int] = []
    lock = threading.Lock()

    def effect_of(stores: Stores) -> Callable[[EventBatch, StoredEvent], None]:
        def effect(batch: EventBatch, stored: StoredEvent) -> None:
            SqliteWebhookEventStore.count_event(batch, stored)
            stores.suppressions.add(f"+1415555{stored.id:04d}", source="inbound_stop")
            with lock:
                seen.append(stored.id)

        return effect

    def drain(n: int) -> int:
        stores = first if n % 2 else second
        total = 0
        while done := stores.webhook_events.process_pending(effect_of(stores), limit=7):
            total += done
        return total

    assert sum(together(4, drain)) == 30
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 30
    assert first.webhook_events.pending_count() == 0
    assert first.webhook_events.counters() == {"sms_status:delivered": 30}
    assert len(first.suppressions.list(limit=100)) == 30


def test_an_effect_that_fails_leaves_the_batch_unprocessed_and_writes_nothing(backend: Backend) -> None:
    stores = backend.open()
    stores.webhook_events.record([event("k1")])

    def effect(batch: EventBatch, stored: StoredEvent) -> None:
        stores.suppressions.add("+14155550100", source="inbound_stop")
        raise RuntimeError("effect failed")

    with pytest.raises(RuntimeError):
        stores.webhook_events.process_pending(effect)
    assert stores.webhook_events.pending_count() == 1
    assert not stores.suppressions.is_suppressed("+14155550100")


def test_a_batch_sees_messages_processed_earlier_in_it_and_writes_counters_and_gathered_items_at_its_end(
    backend: Backend,
) -> None:
    stores = backend.open()
    inbound = "sms_inbound"
    stores.webhook_events.record(
        [event("a", kind=inbound), event("b", sid="SM2"), event("c", kind=inbound), event("d", sid="SM3")]
    )
    skipped: list[str] = []
    writes: list[list[str]] = []

    def effect(batch: EventBatch, stored: StoredEvent) -> None:
        if stored.kind == inbound and batch.processed_before(stored):
            skipped.append(stored.dedupe_key)
            return
        batch.count(stored)
        batch.gather(writes.append, stored.dedupe_key)

    assert stores.webhook_events.process_pending(effect) == 4
    assert skipped == ["c"], "the second row of SM1 is skipped though the first is not marked yet"
    assert writes == [["a", "b", "d"]], "gathered items are written once, in order"
    assert stores.webhook_events.counters() == {"sms_inbound:delivered": 1, "sms_status:delivered": 2}

    stores.webhook_events.record([event("e", kind=inbound), event("f", sid="SM2")])
    assert stores.webhook_events.process_pending(effect) == 2
    assert skipped == ["c", "e"], "a row marked by an earlier batch counts too"
    assert stores.webhook_events.counters() == {"sms_inbound:delivered": 1, "sms_status:delivered": 3}
    assert stores.webhook_events.pending_count() == 0


def test_a_batch_whose_end_of_batch_write_fails_marks_and_counts_nothing(backend: Backend) -> None:
    stores = backend.open()
    stores.webhook_events.record([event("k1"), event("k2", sid="SM2")])

    def fail(items: list[str]) -> None:
        raise RuntimeError("write failed")

    def effect(batch: EventBatch, stored: StoredEvent) -> None:
        batch.count(stored)
        batch.gather(fail, stored.dedupe_key)

    with pytest.raises(RuntimeError):
        stores.webhook_events.process_pending(effect)
    assert stores.webhook_events.pending_count() == 2
    assert stores.webhook_events.counters() == {}


def test_on_postgresql_a_batch_is_never_written_from_the_callers_thread(pg_url: str) -> None:
    stores = Stores.open(pg_url)
    try:
        assert stores.webhook_events.record_now([event("now-0")]) is None  # every statement is a round trip
        assert stores.webhook_events.list() == []
    finally:
        stores.close()


def test_on_postgresql_a_batch_waits_for_a_writer_holding_one_of_its_keys_before_inserting_anything(
    pg_url: str,
) -> None:
    stores, other = Stores.open(pg_url), Stores.open(pg_url)
    done = threading.Event()
    results: list[list[bool]] = []

    def write() -> None:
        results.append(stores.webhook_events.record([event("free"), event("held")]))
        done.set()

    try:
        with other.db.transaction() as conn:
            other.db.lock(conn, "webhook_events", "held")
            thread = threading.Thread(target=write)
            thread.start()
            assert not done.wait(0.5)  # the whole batch waits, the free key included
            assert other.webhook_events.list() == []
            conn.execute(
                "INSERT INTO webhook_events (dedupe_key, kind, received_at, payload_json) VALUES (?, ?, ?, ?)",
                ("held", "sms_status", 1.0, "{}"),
            )
        thread.join(10)
        assert results == [[True, False]]
    finally:
        stores.close()
        other.close()


def test_on_sqlite_a_batch_is_written_at_once_only_when_no_other_writer_holds_the_database(tmp_path: Path) -> None:
    stores, other = Stores.open(tmp_path / "state.db"), Stores.open(tmp_path / "state.db")
    held, release = threading.Event(), threading.Event()

    def hold(db: Any) -> None:
        with db.transaction():
            held.set()
            release.wait(10)

    try:
        assert stores.webhook_events.record_now([event("now-1"), event("now-1")]) == [True, False]
        for holder in (stores.db, other.db):  # another thread of this process, then another process's connection
            thread = threading.Thread(target=hold, args=(holder,))
            thread.start()
            try:
                assert held.wait(10)
                started = time.monotonic()
                assert stores.webhook_events.record_now([event("now-2")]) is None
                assert time.monotonic() - started < 1.0  # declined at once, not after the busy timeout
            finally:
                release.set()
                thread.join(10)
            held.clear()
            release.clear()
        assert [e.dedupe_key for e in stores.webhook_events.list()] == ["now-1"]
        assert stores.webhook_events.record_now([event("now-2")]) == [True]
        assert stores.db.query("PRAGMA busy_timeout")[0][0] == 10_000  # back for every other writer
    finally:
        stores.close()
        other.close()


def test_on_sqlite_a_batch_written_at_once_that_fails_is_rolled_back_whole(tmp_path: Path) -> None:
    stores = Stores.open(tmp_path / "state.db")
    try:
        keyless = NewEvent(None, "sms_status", "SM1", "sent", "AC1", None, {})  # type: ignore[arg-type]
        with pytest.raises(sqlite3.IntegrityError):  # the second insert fails after the first was made
            stores.webhook_events.record_now([event("fine"), keyless])
        assert stores.webhook_events.list() == []
        assert stores.webhook_events.record_now([event("fine")]) == [True]
    finally:
        stores.close()


@pytest.mark.anyio
async def test_the_receivers_group_commit_batches_concurrent_writes_on_either_backend(backend: Backend) -> None:
    stores = backend.open()
    commit = GroupCommit(stores.webhook_events.record, stores.webhook_events.record_now)
    results: dict[int, list[bool]] = {}

    async def post(n: int) -> None:
        results[n] = await commit.record([event(f"g{n % 10}", sid=f"SM{n}")])

    with anyio.fail_after(20):
        async with anyio.create_task_group() as group:
            for n in range(40):
                group.start_soon(post, n)
    assert sum(flags[0] for flags in results.values()) == 10
    assert len(stores.webhook_events.list(limit=100)) == 10


def test_ivr_answers_are_replayed_for_a_repeated_step_even_when_requested_at_once(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    assert first.ivr_menus.save("main", {"start": "a"}, 3) is False
    assert second.ivr_menus.save("main", {"start": "b"}, 4) is True
    menu = first.ivr_menus.get("main")
    assert menu is not None and (menu.menu, menu.max_invalid) == ({"start": "b"}, 4)
    assert first.ivr_menus.names() == ["main"]
    decisions = 0
    lock = threading.Lock()

    def decide(state: CallState | None) -> tuple[str, CallState]:
        nonlocal decisions
        with lock:
            decisions += 1
        step = (state.step if state else 0) + 1
        return f"<Response>{step}</Response>", CallState("CA1", "main", "root", step=step)

    answers = together(WORKERS, lambda n: (first if n % 2 else second).ivr_menus.respond("CA1", "s1", decide))
    assert set(answers) == {"<Response>1</Response>"} and decisions == 1
    assert first.ivr_menus.call_state("CA1") == CallState("CA1", "main", "root", step=1)


def test_verify_sends_are_kept_by_destination_digest(backend: Backend) -> None:
    stores = backend.open()
    stores.verify_sends.record("p", "+14155550100", "sms", at=1000.0)
    stores.verify_sends.record("p", "+14155550100", "sms", at=1060.5)
    stores.verify_sends.record("p", "+14155550101", "sms", at=1070.0)
    assert stores.verify_sends.since("p", "+14155550100", 1000.0) == [1000.0, 1060.5]
    rows = stores.db.query("SELECT destination_sha256 FROM verify_sends")
    assert all("+1415" not in row["destination_sha256"] for row in rows)


def test_operators_keep_revoked_names_taken_and_refuse_a_second_add(backend: Backend) -> None:
    from skill.errors import InputError, PolicyError

    stores = backend.open()
    added = stores.operators.add("ada", "key1", "h1")
    assert added.key_id == "key1"
    with pytest.raises(InputError):
        stores.operators.add("ada", "key2", "h2")
    assert stores.operators.replace_key("ada", "key3", "h3").key_id == "key3"
    assert stores.operators.by_key("key3") is not None and stores.operators.by_key("key1") is None
    stores.operators.revoke("ada")
    with pytest.raises(PolicyError):
        stores.operators.revoke("ada")
    with pytest.raises(InputError):
        stores.operators.add("ada", "key4", "h4")
    assert [op.name for op in stores.operators.list()] == ["ada"]


def test_audit_entries_are_completed_and_searched_newest_first(backend: Backend) -> None:
    from skill.records.audit import AuditFilter

    stores = backend.open()
    first = stores.audit.record("tool.call", outcome="started", tool="message_send", detail={"a": 1})
    second = stores.audit.record("tool.call", outcome="ok", tool="number_list")
    assert second > first
    stores.audit.complete(first, outcome="ok", detail={"b": 2})
    found = stores.audit.search(AuditFilter(tool="message_send"))
    assert [(e.id, e.outcome, e.detail) for e in found] == [(first, "ok", {"a": 1, "b": 2})]
    assert [e.id for e in stores.audit.search(AuditFilter(), before_id=second)] == [first]
    assert stores.audit.choices() == (["message_send", "number_list"], ["ok"])


def audit_rows(stores: Stores, tag: str, count: int) -> list[Any]:
    """Prepared entries, each telling which it is in its tool and detail (quotes and non-ASCII included)."""
    return [
        stores.audit.prepare(
            "tool.call",
            outcome="ok",
            tool=f"{tag}-{n}",
            detail={"n": n, "note": f'é "{tag}" \\ {n}', "to": "+14155550100"},
        )
        for n in range(count)
    ]


def test_a_batch_of_audit_entries_gets_ids_in_its_order_and_reads_back_as_prepared(backend: Backend) -> None:
    from skill.records.audit import AuditFilter

    stores = backend.open(secrets=("s3cr3t-token",))
    assert stores.audit.write([]) == []
    before = stores.audit.record("tool.call", outcome="ok", tool="first")
    rows = audit_rows(stores, "b", 25)
    rows.append(stores.audit.prepare("tool.call", outcome="error", tool="b-secret", detail={"key": "s3cr3t-token"}))
    ids = stores.audit.write(rows)
    assert len(ids) == len(set(ids)) == 26
    assert ids == sorted(ids) and ids[0] > before
    found = {entry.id: entry for entry in stores.audit.search(AuditFilter(), limit=100)}
    for entry_id, row in zip(ids, rows, strict=True):
        entry = found[entry_id]
        assert (entry.tool, entry.outcome, entry.ts) == (row.tool, row.outcome, row.ts)
    assert found[ids[3]].detail == {"n": 3, "note": 'é "b" \\ 3', "to": "+1415***0100"}  # the number masked
    assert "s3cr3t-token" not in str(found[ids[-1]].detail)  # the secret stripped before it was written


def test_audit_batches_written_from_two_store_sets_at_once_keep_every_entry_once(backend: Backend) -> None:
    from skill.records.audit import AuditFilter

    sets = [backend.open(), backend.open()]
    batches = [audit_rows(sets[n % 2], f"w{n}", 20) for n in range(WORKERS)]
    written = together(WORKERS, lambda n: sets[n % 2].audit.write(batches[n]))
    found = {entry.id: entry.tool for entry in sets[0].audit.search(AuditFilter(), limit=1000)}
    assert len(found) == WORKERS * 20
    for ids, rows in zip(written, batches, strict=True):
        assert [found[entry_id] for entry_id in ids] == [row.tool for row in rows]


def test_an_audit_batch_with_a_row_the_table_refuses_writes_none_of_its_rows(backend: Backend) -> None:
    stores = backend.open()
    first = stores.audit.record("tool.call", outcome="ok", tool="kept")
    broken = [*audit_rows(stores, "half", 3), stores.audit.prepare(None, outcome="ok")]  # type: ignore[arg-type]
    with pytest.raises(Exception, match="(?i)not[ -]null"):
        stores.audit.write(broken)
    assert [(entry.id, entry.tool) for entry in stores.audit.tail()] == [(first, "kept")]
    assert stores.audit.write(audit_rows(stores, "after", 1))[0] > first


@pytest.mark.anyio
async def test_concurrent_audit_entries_share_a_transaction_and_each_gets_its_own_id(backend: Backend) -> None:
    stores = backend.open()
    sizes: list[int] = []

    def write(rows: list[Any]) -> list[int]:
        sizes.append(len(rows))
        return stores.audit.write(rows)

    commit: GroupCommit[Any, int] = GroupCommit(write)
    rows = audit_rows(stores, "c", 40)
    ids: dict[int, int] = {}

    async def post(n: int) -> None:
        [ids[n]] = await commit.record([rows[n]])

    with anyio.fail_after(20):
        async with anyio.create_task_group() as group:
            for n in range(40):
                group.start_soon(post, n)
    assert sum(sizes) == 40 and len(sizes) < 40  # batched, every entry written once
    tools = {entry.id: entry.tool for entry in stores.audit.tail(limit=100)}
    assert {n: tools[ids[n]] for n in range(40)} == {n: f"c-{n}" for n in range(40)}
