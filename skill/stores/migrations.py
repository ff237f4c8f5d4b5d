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


def apply_migrations(db: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM migrations")}
    applied: list[str] = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db:
            fn(db)
            db.execute("INSERT INTO migrations (name, applied_at) VALUES (?, datetime('now'))", (name,))
        applied.append(name)
    return applied
