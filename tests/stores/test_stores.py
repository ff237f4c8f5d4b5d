from __future__ import annotations

import json
from pathlib import Path

from skill.stores.database import Database
from skill.stores.migrations import MIGRATIONS, apply_migrations
from tests import approvals
from tests.stores.conftest import Backend


def test_migrations_run_once_in_order_and_are_recorded(tmp_path: Path) -> None:
    db = Database(tmp_path / "state.db")
    names = [row["name"] for row in db.query("SELECT name FROM migrations ORDER BY rowid")]
    assert names == [name for name, _ in MIGRATIONS]
    assert apply_migrations(db._conn) == []
    db.close()
    reopened = Database(tmp_path / "state.db")
    assert len(reopened.query("SELECT name FROM migrations")) == len(MIGRATIONS)


def test_the_database_uses_wal_mode(tmp_path: Path) -> None:
    db = Database(tmp_path / "state.db")
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"


def test_the_audit_log_masks_phone_numbers_and_drops_secrets(backend: Backend) -> None:
    stores = backend.open(secrets=("s3cr3t-value",))
    stores.audit.record(
        "tool.call",
        outcome="ok",
        tool="message_send",
        detail={
            "to": "+14155550199",
            "auth_token": "abc",
            "note": "token is s3cr3t-value",
            "body": "call +447700900123",
        },
    )
    entry = stores.audit.tail(1)[0]
    text = json.dumps(entry.detail)
    assert "+14155550199" not in text and "+1415***0199" in text
    assert "+447700900123" not in text
    assert entry.detail["auth_token"] == "[redacted]"
    assert "s3cr3t-value" not in text
    stored = "".join(row["detail_json"] for row in stores.db.query("SELECT detail_json FROM audit"))
    assert "s3cr3t-value" not in stored and "+14155550199" not in stored
    if backend.name == "sqlite":
        raw = Path(backend.target).read_bytes() + Path(f"{backend.target}-wal").read_bytes()
        assert b"s3cr3t-value" not in raw and b"+14155550199" not in raw


def test_suppressions_idempotency_and_counters_round_trip(backend: Backend) -> None:
    stores = backend.open()
    assert stores.suppressions.add("+14155550100", source="test") is True
    assert stores.suppressions.add("+14155550100", source="test") is False
    assert stores.suppressions.is_suppressed("+14155550100")
    assert stores.suppressions.remove("+14155550100") is True
    assert not stores.suppressions.is_suppressed("+14155550100")
    assert stores.idempotency.claim("k1", "message_send", "sandbox", "h") is None
    stores.idempotency.complete("k1", "message_send", "sandbox", {"sid": "SM1"})
    assert stores.idempotency.get("k1", "message_send", "sandbox") == ("h", {"sid": "SM1"})
    assert stores.idempotency.claim("k1", "message_send", "sandbox", "h")[:2] == ("h", {"sid": "SM1"})  # type: ignore[index]
    assert stores.idempotency.get("k1", "message_send", "live") is None
    stores.send_counter.increment("sandbox", "message_send")
    stores.send_counter.increment("sandbox", "message_send")
    assert stores.send_counter.count("sandbox", "message_send") == 2


def test_an_idempotency_key_in_flight_blocks_a_second_claim_until_released_or_taken_over(backend: Backend) -> None:
    first = backend.open()
    second = backend.open()
    assert first.idempotency.claim("k", "message_send", "p", "h") is None
    digest, result, claimed_at = second.idempotency.claim("k", "message_send", "p", "h") or ("", {}, 0.0)
    assert (digest, result) == ("h", None)
    assert second.idempotency.get("k", "message_send", "p") is None
    # An in-flight claim never lapses by itself: only a takeover that names the claim it replaces.
    second.db.execute("UPDATE idempotency SET created_at = created_at - 100000")
    assert first.idempotency.claim("k", "message_send", "p", "h") is not None
    assert not second.idempotency.takeover("k", "message_send", "p", claimed_at)
    assert second.idempotency.takeover("k", "message_send", "p", claimed_at - 100000)
    assert not first.idempotency.takeover("k", "message_send", "p", claimed_at - 100000)
    first.idempotency.release("k", "message_send", "p")
    assert second.idempotency.claim("k", "message_send", "p", "h") is None


def test_a_daily_cap_of_zero_allows_no_send_at_all(backend: Backend) -> None:
    stores = backend.open()
    assert not stores.send_counter.try_reserve("p", "message_send", 0)
    assert stores.send_counter.count("p", "message_send") == 0
    assert stores.send_counter.try_reserve("p", "message_send", 1)
    assert not stores.send_counter.try_reserve("p", "message_send", 1)


def test_listing_by_status_finds_old_matches_behind_many_newer_requests(backend: Backend) -> None:
    stores = backend.open()
    first = approvals.open_request(stores, "t")
    approvals.decide(stores, first.id, approve=False)
    for _ in range(30):
        approvals.open_request(stores, "t")
    assert [a.id for a in stores.approvals.list(status="denied", limit=5)] == [first.id]
    assert len(stores.approvals.list(status="pending", limit=50)) == 30


def test_the_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    Database(tmp_path / "private" / "state.db")
    assert (tmp_path / "private" / "state.db").stat().st_mode & 0o077 == 0
