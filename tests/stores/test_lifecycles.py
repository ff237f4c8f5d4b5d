"""Each store's reads, filters and state changes on both backends: what the concurrency tests in
test_backends.py do not reach (decisions and expiry, scoped opt-outs and paging, released keys and
counts, event filters, audit filters and tail)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from skill.errors import NotFoundError, PolicyError
from skill.ports.clock import ManualClock
from skill.records.audit import AuditFilter
from skill.records.events import NewEvent
from skill.stores.webhook_events import SqliteWebhookEventStore
from tests import approvals
from tests.stores.conftest import Backend

NOW = 1_800_000_000.0
DAY = 86400.0


def test_an_approval_is_decided_once_released_after_use_and_expires_for_every_state_change(backend: Backend) -> None:
    clock = ManualClock(NOW)
    stores = backend.open(clock=clock)
    store = stores.approvals
    first, third = (approvals.open_request(stores, clock=clock, ttl=600) for _ in range(2))
    second = approvals.open_request(stores, "number_buy", clock=clock, ttl=600)
    assert store.decide(first.id, approve=True, operator="ada", reason=None)
    assert not store.decide(first.id, approve=False, operator="bob", reason="late"), "decided once"
    assert store.decide(second.id, approve=False, operator="bob", reason="no")
    decided, denied = store.get(first.id), store.get(second.id)
    assert decided is not None and (decided.status, decided.decided_by, decided.decided_at) == ("approved", "ada", NOW)
    assert denied is not None and (denied.status, denied.reason) == ("denied", "no")
    assert store.get("AR" + "0" * 32) is None
    assert [a.id for a in store.list(tool="number_buy")] == [second.id]
    assert [a.id for a in store.list(status="denied")] == [second.id]

    assert store.consume(first.id, tool="number_release", args_sha256=first.args_sha256, profile="sandbox")
    used = store.get(first.id)
    assert used is not None and (used.status, used.used_at) == ("used", NOW)
    assert store.release(first.id) and not store.release(first.id), "only a used request goes back"
    released = store.get(first.id)
    assert released is not None and (released.status, released.used_at) == ("approved", None)

    clock.advance(601)
    assert not store.decide(third.id, approve=True, operator="ada", reason=None), "expired: no decision"
    assert not store.consume(first.id, tool="number_release", args_sha256=first.args_sha256, profile="sandbox")
    assert {a.id for a in store.list(status="expired")} == {first.id, third.id}
    assert store.list(status="pending") == [] and store.list(status="approved") == []


def test_the_audit_log_is_filtered_by_each_field_paged_and_tailed_oldest_first(backend: Backend) -> None:
    clock = ManualClock(NOW)
    stores = backend.open(clock=clock)
    audit = stores.audit
    first = audit.record("tool.call", outcome="ok", tool="message_send", profile="sandbox")
    clock.advance(10)
    second = audit.record("approval.decided", outcome="approved", approval_id="AR1")
    clock.advance(10)
    third = audit.record("tool.call", outcome="error", tool="number_buy")

    def ids(**where: Any) -> list[int]:
        return [entry.id for entry in audit.search(AuditFilter(**where))]

    assert ids(outcome="error") == [third]
    assert ids(event="tool.call") == [third, first]
    assert ids(approval_id="AR1") == [second]
    assert ids(tool="message_send") == [first]
    assert ids(since=NOW + 10) == [third, second]
    assert ids(until=NOW + 10) == [first]
    assert [e.id for e in audit.search(AuditFilter(), limit=2)] == [third, second]
    assert [e.id for e in audit.search(AuditFilter(), before_id=third, limit=1)] == [second]
    assert [e.id for e in audit.tail(2)] == [second, third]
    assert [e.id for e in audit.tail(tool="message_send")] == [first]
    entry = audit.search(AuditFilter(tool="message_send"))[0]
    assert (entry.ts, entry.event, entry.profile, entry.outcome) == (NOW, "tool.call", "sandbox", "ok")


def test_opt_outs_are_scoped_listed_newest_first_and_paged_by_their_key(backend: Backend) -> None:
    clock = ManualClock(NOW)
    stores = backend.open(clock=clock)
    optouts = stores.suppressions
    assert optouts.add("+14155550100", source="inbound_stop")
    clock.advance(1)
    assert optouts.add("+14155550101", source="operator", scope="MG1")
    assert optouts.add("+14155550101", source="operator", scope="MG2")
    assert not optouts.add("+14155550101", source="again", scope="MG1")
    clock.advance(1)
    assert optouts.add("+14155550102", source="inbound_stop")

    assert optouts.is_suppressed("+14155550100", "MG1"), "a global opt-out covers every sender"
    assert optouts.is_suppressed("+14155550101", "MG1") and not optouts.is_suppressed("+14155550101", "MG3")
    assert not optouts.is_suppressed("+14155550101"), "a scoped opt-out is not a global one"
    everyone = [("+14155550102", "*"), ("+14155550101", "MG1"), ("+14155550101", "MG2"), ("+14155550100", "*")]
    rows = optouts.list()
    assert [(row["phone"], row["scope"]) for row in rows] == everyone
    assert (rows[-1]["source"], rows[-1]["created_at"]) == ("inbound_stop", NOW)
    head = optouts.page(limit=2)
    last = head[-1]
    rest = optouts.page(limit=10, after=(last["created_at"], last["phone"], last["scope"]))
    assert [(row["phone"], row["scope"]) for row in head + rest] == everyone
    assert [row["scope"] for row in optouts.page(limit=10, exclude_scope="*")] == ["MG1", "MG2"]
    chosen = optouts.page(limit=10, phones=("+14155550100", "+14155550102"))
    assert [row["phone"] for row in chosen] == ["+14155550102", "+14155550100"]

    assert not optouts.remove("+14155550101"), "there is no global opt-out to remove"
    assert optouts.remove("+14155550101", "MG1")
    assert not optouts.is_suppressed("+14155550101", "MG1") and optouts.is_suppressed("+14155550101", "MG2")


def test_a_released_idempotency_claim_frees_the_key_and_a_completed_one_is_kept(backend: Backend) -> None:
    keys = backend.open().idempotency
    assert keys.claim("k", "message_send", "p", "h1") is None
    keys.release("k", "message_send", "p")
    assert keys.get("k", "message_send", "p") is None
    assert keys.claim("k", "message_send", "p", "h2") is None, "a released key is claimed anew"
    keys.complete("k", "message_send", "p", {"sid": "SM1"})
    keys.release("k", "message_send", "p")  # a completed key is not released
    assert keys.get("k", "message_send", "p") == ("h2", {"sid": "SM1"})
    claimed = keys.claim("k", "message_send", "p", "h3")
    assert claimed is not None and claimed[:2] == ("h2", {"sid": "SM1"})
    assert keys.get("k", "message_send", "other") is None and keys.get("k", "call_create", "p") is None


def test_send_counts_are_kept_per_day_profile_and_tool_and_a_release_gives_one_back(backend: Backend) -> None:
    clock = ManualClock(NOW)
    counter = backend.open(clock=clock).send_counter
    assert counter.try_reserve("p", "message_send", 2) and counter.try_reserve("p", "message_send", 2)
    assert not counter.try_reserve("p", "message_send", 2)
    counter.release("p", "message_send")
    assert counter.count("p", "message_send") == 1
    assert counter.try_reserve("p", "message_send", 2)
    counter.increment("p", "call_create", 5)
    assert counter.count("p", "call_create") == 5 and counter.count("q", "message_send") == 0
    today = time.strftime("%Y-%m-%d", time.gmtime(NOW))
    clock.advance(DAY)
    assert counter.count("p", "message_send") == 0 and counter.count("p", "message_send", day=today) == 2
    counter.release("p", "message_send")  # nothing counted today: stays at zero
    assert counter.count("p", "message_send") == 0
    assert counter.try_reserve("p", "message_send", 2)


def test_webhook_events_are_listed_by_each_filter_paged_by_id_and_counted_once_processed(backend: Backend) -> None:
    events = backend.open().webhook_events
    plan = [
        ("a", "sms_status", "SM1", "sent"),
        ("b", "sms_status", "SM1", "delivered"),
        ("c", "call_status", "CA1", "completed"),
        ("d", "sms_inbound", "SM2", "received"),
    ]
    for n, (key, kind, sid, status) in enumerate(plan):
        assert events.record([NewEvent(key, kind, sid, status, "AC1", None, {"n": n})], now=NOW + 10 * n) == [True]
    ids = {event.dedupe_key: event.id for event in events.list(limit=10)}

    def keys(**where: Any) -> list[str]:
        return [event.dedupe_key for event in events.list(limit=10, **where)]

    assert keys() == ["d", "c", "b", "a"]
    assert keys(sid="SM1") == ["b", "a"]
    assert keys(kind="call_status") == ["c"] and keys(status="delivered") == ["b"]
    assert keys(since=NOW + 10, until=NOW + 30) == ["c", "b"]
    assert keys(below_id=ids["c"]) == ["b", "a"]
    assert [e.dedupe_key for e in events.list(limit=2, oldest_first=True)] == ["a", "b"]
    stored = events.list(sid="SM2")[0]
    assert (stored.payload, stored.received_at, stored.processed_at) == ({"n": 3}, NOW + 30, None)

    assert events.process_pending(SqliteWebhookEventStore.count_event, now=NOW + 60) == 4
    assert events.pending_count() == 0
    assert events.counters() == {
        "sms_status:sent": 1,
        "sms_status:delivered": 1,
        "call_status:completed": 1,
        "sms_inbound:received": 1,
    }
    assert {event.processed_at for event in events.list(limit=10)} == {NOW + 60}


@pytest.mark.parametrize("kind", ["operators", "agents"])
def test_operators_and_agents_find_a_key_only_while_it_is_current(backend: Backend, kind: str) -> None:
    identities = getattr(backend.open(), kind)
    identities.add("ada", "key1", "h1")
    identities.add("bob", "key2", "h2")
    identities.replace_key("ada", "key3", "h3")
    assert identities.by_key("key1") is None
    current = identities.by_key("key3")
    assert current is not None and (current.name, current.secret_sha256) == ("ada", "h3")
    assert current.rotated_at is not None and current.revoked_at is None
    revoked = identities.revoke("bob")
    assert revoked.revoked_at is not None and identities.get("bob").revoked_at == revoked.revoked_at
    assert identities.get("bob").secret_sha256 == "", "nothing can match a revoked identity"
    with pytest.raises(PolicyError):
        identities.replace_key("bob", "key4", "h4")
    with pytest.raises(NotFoundError):
        identities.get("carol")
    assert [(record.name, record.revoked_at is None) for record in identities.list()] == [("ada", True), ("bob", False)]
