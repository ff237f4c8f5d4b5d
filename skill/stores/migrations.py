"""Schema migrations: an ordered registry of small functions, each applied once.

The table `migrations` records which ones ran. Append new migrations; never edit old ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(name: str) -> Callable[[Migration], Migration]:
    def register(fn: Migration) -> Migration:
        MIGRATIONS.append((name, fn))
        return fn

    return register


@migration("001_approvals")
def _approvals(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE approvals (
            id TEXT PRIMARY KEY,
            tool TEXT NOT NULL,
            args_json TEXT NOT NULL,
            args_sha256 TEXT NOT NULL,
            profile TEXT NOT NULL,
            summary TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            decided_at REAL,
            decided_by TEXT,
            reason TEXT,
            used_at REAL
        )"""
    )
    db.execute("CREATE INDEX approvals_status ON approvals(status, created_at)")


@migration("002_audit")
def _audit(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts REAL NOT NULL,
            event TEXT NOT NULL,
            tool TEXT,
            profile TEXT,
            outcome TEXT NOT NULL,
            approval_id TEXT,
            detail_json TEXT NOT NULL
        )"""
    )


@migration("003_suppressions")
def _suppressions(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE suppressions (
            phone TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT '*',
            source TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (phone, scope)
        )"""
    )


@migration("004_idempotency")
def _idempotency(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE idempotency (
            key TEXT NOT NULL,
            tool TEXT NOT NULL,
            profile TEXT NOT NULL,
            args_sha256 TEXT NOT NULL,
            result_json TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (key, tool, profile)
        )"""
    )


@migration("005_send_counters")
def _send_counters(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE send_counters (
            day TEXT NOT NULL,
            profile TEXT NOT NULL,
            tool TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, profile, tool)
        )"""
    )


@migration("006_verify_sends")
def _verify_sends(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE verify_sends (
            profile TEXT NOT NULL,
            destination_sha256 TEXT NOT NULL,
            channel TEXT NOT NULL,
            sent_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX verify_sends_destination ON verify_sends(profile, destination_sha256, sent_at)")


@migration("007_webhook_events")
def _webhook_events(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE webhook_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dedupe_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            sid TEXT,
            status TEXT,
            account_sid TEXT,
            error_code INTEGER,
            received_at REAL NOT NULL,
            payload_json TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX webhook_events_sid ON webhook_events(sid, id)")
    db.execute("CREATE INDEX webhook_events_received ON webhook_events(received_at)")


@migration("008_event_processing")
def _event_processing(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE webhook_events ADD COLUMN processed_at REAL")
    db.execute("CREATE INDEX webhook_events_unprocessed ON webhook_events(id) WHERE processed_at IS NULL")
    db.execute(
        """CREATE TABLE webhook_counters (
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (day, kind, status)
        )"""
    )


@migration("009_ivr")
def _ivr(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE ivr_menus (
            name TEXT PRIMARY KEY,
            menu_json TEXT NOT NULL,
            max_invalid INTEGER NOT NULL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE ivr_calls (
            call_sid TEXT PRIMARY KEY,
            menu TEXT NOT NULL,
            node TEXT NOT NULL,
            step INTEGER NOT NULL,
            retries INTEGER NOT NULL,
            invalid_total INTEGER NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE ivr_answers (
            call_sid TEXT NOT NULL,
            step_key TEXT NOT NULL,
            twiml TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (call_sid, step_key)
        )"""
    )
    db.execute("CREATE INDEX ivr_calls_updated ON ivr_calls(updated_at)")


@migration("010_operators")
def _operators(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE operators (
            name TEXT PRIMARY KEY,
            key_id TEXT NOT NULL UNIQUE,
            secret_sha256 TEXT NOT NULL,
            created_at REAL NOT NULL,
            rotated_at REAL,
            revoked_at REAL
        )"""
    )


@migration("011_approval_impact")
def _approval_impact(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE approvals ADD COLUMN impact_json TEXT")
    db.execute("ALTER TABLE approvals ADD COLUMN requested_by TEXT")
    # A repeated gated call finds its pending request instead of opening another.
    db.execute("CREATE INDEX approvals_pending ON approvals(tool, args_sha256, profile, status)")


@migration("012_audit_filters")
def _audit_filters(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX audit_tool ON audit(tool, id)")
    db.execute("CREATE INDEX audit_approval ON audit(approval_id)")
    db.execute("CREATE INDEX audit_ts ON audit(ts)")


@migration("013_spend")
def _spend(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE spend_days (
            profile TEXT NOT NULL,
            day TEXT NOT NULL,
            estimated_micros INTEGER NOT NULL DEFAULT 0,
            billed_micros INTEGER,
            PRIMARY KEY (profile, day)
        )"""
    )


@migration("014_agents")
def _agents(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE agents (
            name TEXT PRIMARY KEY,
            key_id TEXT NOT NULL UNIQUE,
            secret_sha256 TEXT NOT NULL,
            created_at REAL NOT NULL,
            rotated_at REAL,
            revoked_at REAL
        )"""
    )


@migration("015_bulk_outbox")
def _bulk_outbox(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE bulk_jobs (
            id TEXT PRIMARY KEY,
            profile TEXT NOT NULL,
            status TEXT NOT NULL,
            sender TEXT,
            service_sid TEXT,
            status_callback TEXT,
            send_window TEXT,
            start_at REAL,
            approved INTEGER NOT NULL,
            total INTEGER NOT NULL,
            created_at REAL NOT NULL,
            hold_reason TEXT,
            hold_until REAL
        )"""
    )
    db.execute("CREATE INDEX bulk_jobs_profile ON bulk_jobs(profile, created_at, id)")
    # One row per recipient; (job_id, phone) unique: a recipient is queued once per job.
    db.execute(
        """CREATE TABLE bulk_outbox (
            job_id TEXT NOT NULL,
            idx INTEGER NOT NULL,
            phone TEXT NOT NULL,
            body TEXT NOT NULL,
            segments INTEGER NOT NULL,
            country TEXT,
            tz TEXT,
            cost_micros INTEGER NOT NULL,
            state TEXT NOT NULL,
            not_before REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            attempted_at REAL,
            lease_owner TEXT,
            lease_until REAL,
            sid TEXT,
            error_code INTEGER,
            error_message TEXT,
            delivery TEXT,
            sent_at REAL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (job_id, idx),
            UNIQUE (job_id, phone)
        )"""
    )
    db.execute("CREATE INDEX bulk_outbox_ready ON bulk_outbox(state, not_before)")
    db.execute("CREATE INDEX bulk_outbox_sid ON bulk_outbox(sid)")


@migration("016_bulk_buckets")
def _bulk_buckets(db: sqlite3.Connection) -> None:
    # One token bucket per sender or service, shared by every worker (skill.stores.buckets).
    db.execute(
        """CREATE TABLE bulk_buckets (
            bucket_key TEXT PRIMARY KEY,
            configured REAL NOT NULL,
            rate REAL NOT NULL,
            tokens REAL NOT NULL,
            refilled_at REAL NOT NULL,
            blocked_until REAL NOT NULL,
            updated_at REAL NOT NULL
        )"""
    )


def apply_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied.

    All of them run in one write transaction taken eagerly (the connection is in autocommit mode, so
    the transaction is explicit), and the applied set is read inside it: a failing migration leaves
    nothing half-built, and two processes opening a fresh database at once apply each one once.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in db.execute("SELECT name FROM migrations")}
        applied: list[str] = []
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            fn(db)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, datetime('now'))", (name,))
            applied.append(name)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return applied
