"""Retention: deleting what the policy's [retention] says is kept no longer, on either backend.

Audit entries and processed webhook events past their age are deleted; message bodies (in stored
webhook payloads and in audit details) past theirs are removed from the JSON, the rest of the
record kept. Unprocessed events stay until processed. Opt-outs (suppressions) are never touched.
"""

from __future__ import annotations

import json
from typing import Any

from skill.ports.stores import RetentionPeriods
from skill.stores.database import SqlDatabase

DAY = 86400
BATCH = 500
# Fields that hold what a person wrote: SMS Body; Inbound Parse's text, html and raw email; a send's body.
PAYLOAD_BODY_FIELDS = ("Body", "text", "html", "email")
AUDIT_BODY_KEYS = ("body", "Body", "html", "text")


def _without(value: Any, keys: tuple[str, ...]) -> tuple[Any, bool]:
    """value with every key in `keys` removed at any depth; whether anything was removed."""
    if isinstance(value, dict):
        changed = False
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if key in keys:
                changed = True
                continue
            kept[key], inner = _without(item, keys)
            changed = changed or inner
        return kept, changed
    if isinstance(value, list):
        results = [_without(item, keys) for item in value]
        return [item for item, _ in results], any(changed for _, changed in results)
    return value, False


def _strip_bodies(
    db: SqlDatabase,
    table: str,
    column: str,
    older: tuple[str, float],
    kept: tuple[str, tuple[float, ...]],
    keys: tuple[str, ...],
    *,
    dry_run: bool = False,
) -> int:
    """Remove body keys from the JSON in `column` of rows older than `older` (time column, cutoff)
    that the deletions keep (`kept`: a condition and its parameters); the rows changed, or with
    dry_run the rows that would change, changing none."""
    time_column, cutoff = older
    condition, parameters = kept
    like = " OR ".join(f"{column} LIKE ?" for _ in keys)
    patterns = [f'%"{key}":%' for key in keys]
    changed = 0
    after = 0
    while True:
        rows = db.query(
            f"SELECT id, {column} AS doc FROM {table} WHERE {time_column} < ? AND {condition} AND id > ? "
            f"AND ({like}) ORDER BY id LIMIT ?",
            (cutoff, *parameters, after, *patterns, BATCH),
        )
        for row in rows:
            stripped, removed = _without(json.loads(row["doc"]), keys)
            if not removed:
                continue
            if not dry_run:
                db.execute(
                    f"UPDATE {table} SET {column} = ? WHERE id = ?",
                    (json.dumps(stripped, sort_keys=table == "audit", separators=(",", ":")), row["id"]),
                )
            changed += 1
        if len(rows) < BATCH:
            return changed
        after = int(rows[-1]["id"])


def _count_or_delete(db: SqlDatabase, table: str, where: str, cutoff: float, dry_run: bool) -> int:
    if dry_run:
        return int(db.query(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", (cutoff,))[0]["n"])
    return db.execute(f"DELETE FROM {table} WHERE {where}", (cutoff,))


def prune(db: SqlDatabase, retention: RetentionPeriods, now: float, *, dry_run: bool = False) -> dict[str, int]:
    """Apply the retention periods as of `now`; what was (or, with dry_run, would be) removed.

    A dry run counts exactly what a run would: bodies are counted only in rows the deletions keep."""
    done: dict[str, int] = {}
    audit_kept: tuple[str, tuple[float, ...]] = ("1 = 1", ())
    events_kept: tuple[str, tuple[float, ...]] = ("1 = 1", ())
    if retention.audit_days is not None:
        cutoff = now - retention.audit_days * DAY
        done["audit_entries"] = _count_or_delete(db, "audit", "ts < ?", cutoff, dry_run)
        audit_kept = ("ts >= ?", (cutoff,))
    if retention.webhook_event_days is not None:
        cutoff = now - retention.webhook_event_days * DAY
        where = "received_at < ? AND processed_at IS NOT NULL"
        done["webhook_events"] = _count_or_delete(db, "webhook_events", where, cutoff, dry_run)
        events_kept = (f"NOT ({where})", (cutoff,))
    if retention.message_body_days is not None:
        cutoff = now - retention.message_body_days * DAY
        done["webhook_event_bodies"] = _strip_bodies(
            db, "webhook_events", "payload_json", ("received_at", cutoff), events_kept, PAYLOAD_BODY_FIELDS,
            dry_run=dry_run,
        )  # fmt: skip
        done["audit_bodies"] = _strip_bodies(
            db, "audit", "detail_json", ("ts", cutoff), audit_kept, AUDIT_BODY_KEYS, dry_run=dry_run
        )
    return done


class SqlRetention:
    """Implements skill.ports.stores.RetentionStore: prune() on the stores' database."""

    def __init__(self, db: SqlDatabase) -> None:
        self.db = db

    def prune(self, periods: RetentionPeriods, now: float, *, dry_run: bool = False) -> dict[str, int]:
        return prune(self.db, periods, now, dry_run=dry_run)
