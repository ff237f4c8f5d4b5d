"""Export and import between backends, and retention pruning, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from skill.errors import InputError
from skill.policy.retention import Retention
from skill.ports.clock import ManualClock
from skill.records.audit import AuditFilter
from skill.records.bulk import JobRow, OutboxRow
from skill.records.events import NewEvent
from skill.records.ivr import CallState
from skill.stores.prune import prune
from skill.stores.sqlite import Stores
from skill.stores.transfer import TABLES, export_lines, import_lines, row_counts
from skill.stores.webhook_events import SqliteWebhookEventStore
from tests import approvals
from tests.stores.conftest import Backend

NOW = 1_800_000_000.0
DAY = 86400


def filled(stores: Stores) -> str:
    """Put one of everything in the stores; the id of an approved request."""
    request = approvals.open_request(stores, "number_release", args_sha256="b" * 64)
    approvals.decide(stores, request.id, approve=True)
    approvals.open_request(stores, "number_buy")
    stores.audit.record("tool.call", outcome="ok", tool="message_send", detail={"body": "hello", "to": "+14155550100"})
    stores.suppressions.add("+14155550100", source="inbound_stop")
    stores.suppressions.add("+14155550101", source="operator", scope="MG1")
    stores.idempotency.claim("k", "message_send", "sandbox", "h")
    stores.send_counter.increment("sandbox", "message_send", 3)
    stores.verify_sends.record("sandbox", "+14155550100", "sms")
    stores.webhook_events.record([NewEvent("e1", "sms_inbound", "SM1", "received", "AC1", None, {"Body": "STOP"})])
    stores.webhook_events.process_pending(SqliteWebhookEventStore.count_event)
    stores.ivr_menus.save("main", {"start": "a"}, 3)
    stores.ivr_menus.respond("CA1", "s1", lambda state: ("<Response/>", CallState("CA1", "main", "root", step=1)))
    stores.operators.add("ada", "key1", "h1")
    stores.agents.add("openclaw", "key2", "h2")
    job = JobRow(
        id="BJ" + "2" * 32, profile="sandbox", status="running", sender="+18005550123", service_sid=None,
        status_callback=None, window="09:00-20:00", start_at=None, approved=False, total=1, created_at=0.0,
    )  # fmt: skip
    outbox_row = OutboxRow(
        job_id=job.id, idx=1, phone="+14155550102", body="Hi", segments=1, country="US", tz=None, cost_micros=79
    )
    stores.outbox.create_job(job, [outbox_row])
    stores.spend.add("sandbox", Decimal("0.0079"))
    stores.buckets.slow_down(job.sender or "", 3.0, 1_800_000_000.0)
    return request.id


def test_every_table_of_the_schema_is_exported(backend: Backend) -> None:
    stores = backend.open()
    if backend.name == "sqlite":
        rows = stores.db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = stores.db.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
    assert {row["name"] for row in rows} - {"migrations"} == set(TABLES)


def test_a_sqlite_export_imported_into_postgresql_keeps_approvals_audit_and_opt_outs(
    tmp_path: Path, pg_url: str
) -> None:
    source = Stores.open(tmp_path / "state.db")
    approved = filled(source)
    lines = list(export_lines(source.db))
    target = Stores.open(pg_url)
    try:
        counts = import_lines(target.db, lines)
        assert counts == row_counts(source.db) == row_counts(target.db)
        assert all(counts.values())
        # The approval still works as an approval: exactly one consume, for exactly that call.
        assert target.approvals.consume(approved, tool="number_release", args_sha256="b" * 64, profile="sandbox")
        assert [a.id for a in target.approvals.list()] == [a.id for a in source.approvals.list()]
        assert [e.detail for e in target.audit.search(AuditFilter())] == [
            e.detail for e in source.audit.search(AuditFilter())
        ]
        assert target.suppressions.is_suppressed("+14155550100")
        assert target.suppressions.is_suppressed("+14155550101", "MG1")
        # New ids continue after the imported ones.
        newest = max(e.id for e in source.audit.search(AuditFilter()))
        assert target.audit.record("tool.call", outcome="ok") > newest
        assert target.webhook_events.record([NewEvent("e2", "sms_status", "SM2", "sent", "AC1", None, {})]) == [True]
        assert list(export_lines(target.db))[1:] != []
    finally:
        source.close()
        target.close()


def test_a_sqlite_export_imported_into_postgresql_keeps_every_row_of_every_table_unchanged(
    tmp_path: Path, pg_url: str
) -> None:
    source = Stores.open(tmp_path / "state.db")
    filled(source)
    pending = next(a.id for a in source.approvals.list() if a.status == "pending")
    lines = list(export_lines(source.db))
    target = Stores.open(pg_url)
    try:
        import_lines(target.db, lines)
        # Row for row, value for value (types included): the PostgreSQL export reads back identical.
        assert list(export_lines(target.db))[1:] == lines[1:]
        assert {json.loads(line)["table"] for line in lines[1:]} == set(TABLES)
        # Each store reads what it wrote on SQLite.
        approval = target.approvals.get(pending)
        assert approval is not None and approval.status == "pending"
        assert target.operators.by_key("key1") == source.operators.by_key("key1") is not None
        assert target.agents.by_key("key2") == source.agents.by_key("key2") is not None
        assert target.idempotency.get("k", "message_send", "sandbox") == source.idempotency.get(
            "k", "message_send", "sandbox"
        )
        assert target.send_counter.count("sandbox", "message_send") == 3
        assert target.verify_sends.since("sandbox", "+14155550100", 0) == source.verify_sends.since(
            "sandbox", "+14155550100", 0
        )
        assert target.webhook_events.pending_count() == 0
        assert target.webhook_events.counters() == source.webhook_events.counters()
        assert target.ivr_menus.get("main") == source.ivr_menus.get("main") is not None
        assert target.ivr_menus.call_state("CA1") == source.ivr_menus.call_state("CA1") is not None
        replayed = target.ivr_menus.respond("CA1", "s1", lambda state: pytest.fail("a repeated step is replayed"))
        assert replayed == "<Response/>"
        assert target.spend.totals("sandbox") == source.spend.totals("sandbox")
        assert target.spend.totals("sandbox").today == Decimal("0.0079")
        # The bulk job goes on from PostgreSQL: its queued row is leased there, once.
        job_id = "BJ" + "2" * 32
        assert target.outbox.job(job_id) == source.outbox.job(job_id)
        claimed = target.outbox.claim("w1", limit=10, lease_seconds=30)
        assert [(row.job_id, row.idx, row.phone) for row in claimed] == [(job_id, 1, "+14155550102")]
        assert target.outbox.claim("w2", limit=10, lease_seconds=30) == []
    finally:
        source.close()
        target.close()


def test_a_postgresql_export_imports_back_into_sqlite_unchanged(tmp_path: Path, pg_url: str) -> None:
    source = Stores.open(pg_url)
    target = Stores.open(tmp_path / "back.db")
    try:
        filled(source)
        lines = list(export_lines(source.db))
        import_lines(target.db, lines)
        assert list(export_lines(target.db))[1:] == lines[1:]
    finally:
        source.close()
        target.close()


def test_an_import_into_a_database_with_rows_is_refused_and_changes_nothing(backend: Backend, tmp_path: Path) -> None:
    source = Stores.open(tmp_path / "source.db")
    filled(source)
    target = backend.open()
    target.suppressions.add("+14155550199", source="operator")
    with pytest.raises(InputError) as raised:
        import_lines(target.db, list(export_lines(source.db)))
    assert raised.value.code == "input.database_not_empty"
    assert row_counts(target.db)["suppressions"] == 1 and row_counts(target.db)["approvals"] == 0


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        '{"table": "sqlite_master", "row": {}}',
        '{"table": "audit", "row": {"id": 1, "ts; DROP TABLE audit": 1}}',
        '{"table": "audit", "row": {"detail_json": {"nested": 1}}}',
        '{"table": "audit"}',
    ],
)
def test_a_hostile_or_broken_line_is_refused_and_nothing_is_imported(backend: Backend, line: str) -> None:
    header = json.dumps({"format": "twilio-skill-export", "version": 1, "schema": "013_spend"})
    good = json.dumps({"table": "suppressions", "row": {"phone": "+1", "scope": "*", "source": "x", "created_at": 1}})
    stores = backend.open()
    with pytest.raises(InputError) as raised:
        import_lines(stores.db, [header, good, line])
    assert raised.value.code == "input.export_invalid"
    assert "line 3" in raised.value.message.lower()
    assert row_counts(stores.db)["suppressions"] == 0


def test_a_file_that_is_not_an_export_or_from_a_newer_schema_is_refused(backend: Backend) -> None:
    stores = backend.open()
    with pytest.raises(InputError) as raised:
        import_lines(stores.db, ['{"hello": 1}'])
    assert raised.value.code == "input.export_invalid"
    newer = json.dumps({"format": "twilio-skill-export", "version": 1, "schema": "999_future"})
    with pytest.raises(InputError) as raised:
        import_lines(stores.db, [newer])
    assert raised.value.code == "input.export_newer"


def test_pruning_deletes_old_audit_and_processed_events_strips_old_bodies_and_keeps_opt_outs(backend: Backend) -> None:
    clock = ManualClock(NOW - 40 * DAY)
    stores = backend.open(clock=clock)
    stores.audit.record("tool.call", outcome="ok", detail={"args": {"body": "old secret plan"}})
    stores.suppressions.add("+14155550100", source="inbound_stop")
    stores.webhook_events.record(
        [
            NewEvent("old-done", "sms_inbound", "SM1", "received", "AC1", None, {"Body": "STOP", "From": "x"}),
            NewEvent("old-pending", "sms_inbound", "SM2", "received", "AC1", None, {"Body": "hi"}),
        ]
    )
    stores.webhook_events.process_pending(lambda conn, event: None, limit=1)
    clock.advance(30 * DAY)  # ten days ago
    recent = stores.audit.record("tool.call", outcome="ok", detail={"body": "recent words", "to": "+1"})
    stores.webhook_events.record([NewEvent("mid", "sms_inbound", "SM3", "received", "AC1", None, {"Body": "mid"})])
    clock.advance(10 * DAY)
    retention = Retention(audit_days=30, webhook_event_days=30, message_body_days=7)
    before = list(export_lines(stores.db))
    dry = prune(stores.db, retention, NOW, dry_run=True)
    # Bodies are counted only where the row itself stays: the pending old event, "mid", the recent entry.
    assert dry == {"audit_entries": 1, "webhook_events": 1, "webhook_event_bodies": 2, "audit_bodies": 1}
    assert list(export_lines(stores.db)) == before, "a dry run changes nothing"

    done = prune(stores.db, retention, NOW)
    assert done == dry, "a dry run counts what the run then removes"
    assert [e.id for e in stores.audit.search(AuditFilter())] == [recent]
    assert stores.audit.search(AuditFilter())[0].detail == {"to": "+1"}
    keys = {e.dedupe_key: e.payload for e in stores.webhook_events.list(limit=10)}
    assert set(keys) == {"old-pending", "mid"}  # unprocessed events stay whatever their age
    assert all("Body" not in payload for payload in keys.values())
    assert stores.suppressions.is_suppressed("+14155550100")
    assert prune(stores.db, retention, NOW) == {
        "audit_entries": 0,
        "webhook_events": 0,
        "webhook_event_bodies": 0,
        "audit_bodies": 0,
    }


def test_a_dry_run_counts_the_message_bodies_a_run_would_clear_in_events_and_audit(backend: Backend) -> None:
    clock = ManualClock(NOW - 10 * DAY)
    stores = backend.open(clock=clock)
    stores.audit.record("tool.call", outcome="ok", detail={"args": {"body": "old words", "to": "+1"}})
    stores.audit.record("tool.call", outcome="ok", detail={"args": {"to": "+1"}})  # no body to clear
    stores.webhook_events.record(
        [
            NewEvent("sms", "sms_inbound", "SM1", "received", "AC1", None, {"Body": "hello", "From": "x"}),
            NewEvent("mail", "email_inbound", None, "received", None, None, {"text": "hi", "html": "<p>hi</p>"}),
            NewEvent("status", "sms_status", "SM2", "delivered", "AC1", None, {"MessageStatus": "delivered"}),
        ]
    )
    clock.advance(9 * DAY)
    stores.audit.record("tool.call", outcome="ok", detail={"body": "too recent to clear"})
    stores.webhook_events.record([NewEvent("new", "sms_inbound", "SM3", "received", "AC1", None, {"Body": "new"})])
    retention = Retention(message_body_days=7)
    expected = {"webhook_event_bodies": 2, "audit_bodies": 1}
    assert prune(stores.db, retention, NOW, dry_run=True) == expected
    assert prune(stores.db, retention, NOW, dry_run=True) == expected, "nothing was cleared by the dry run"
    assert prune(stores.db, retention, NOW) == expected
    assert prune(stores.db, retention, NOW, dry_run=True) == {"webhook_event_bodies": 0, "audit_bodies": 0}
    payloads = {e.dedupe_key: e.payload for e in stores.webhook_events.list(limit=10)}
    assert payloads["sms"] == {"From": "x"} and payloads["mail"] == {} and payloads["new"] == {"Body": "new"}
    details = [e.detail for e in stores.audit.search(AuditFilter())]
    assert details == [{"body": "too recent to clear"}, {"args": {"to": "+1"}}, {"args": {"to": "+1"}}]
