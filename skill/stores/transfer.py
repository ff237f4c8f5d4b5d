"""Status, export and import of a whole database, the same on SQLite and PostgreSQL.

An export is JSON Lines: a header line, then one line per row ({"table": ..., "row": {...}}),
tables in dependency-free order and rows in insertion order, so an import into an empty database
of either backend recreates every approval, audit entry and opt-out with its ids. A new store adds
its table to TABLES (a test checks that every table of the schema is listed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from skill.errors import InputError
from skill.stores.database import SqlDatabase
from skill.stores.migrations import MIGRATIONS

FORMAT = "twilio-skill-export"
VERSION = 1
PAGE = 1000
MAX_LINE = 16 * 1024 * 1024

# table -> (its columns, the order rows are read in: insertion order where readers rely on it)
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "approvals": (
        (
            "id",
            "tool",
            "args_json",
            "args_sha256",
            "profile",
            "summary",
            "status",
            "created_at",
            "expires_at",
            "decided_at",
            "decided_by",
            "reason",
            "used_at",
            "impact_json",
            "requested_by",
        ),
        "rowid",
    ),
    "audit": (("id", "ts", "event", "tool", "profile", "outcome", "approval_id", "detail_json"), "id"),
    "suppressions": (("phone", "scope", "source", "created_at"), "phone, scope"),
    "idempotency": (("key", "tool", "profile", "args_sha256", "result_json", "created_at"), "key, tool, profile"),
    "send_counters": (("day", "profile", "tool", "count"), "day, profile, tool"),
    "verify_sends": (("profile", "destination_sha256", "channel", "sent_at"), "sent_at, profile, destination_sha256"),
    "webhook_events": (
        (
            "id",
            "dedupe_key",
            "kind",
            "sid",
            "status",
            "account_sid",
            "error_code",
            "received_at",
            "payload_json",
            "processed_at",
        ),
        "id",
    ),
    "webhook_counters": (("day", "kind", "status", "count"), "day, kind, status"),
    "ivr_menus": (("name", "menu_json", "max_invalid", "created_at", "updated_at"), "name"),
    "ivr_calls": (("call_sid", "menu", "node", "step", "retries", "invalid_total", "updated_at"), "call_sid"),
    "ivr_answers": (("call_sid", "step_key", "twiml", "created_at"), "call_sid, step_key"),
    "operators": (("name", "key_id", "secret_sha256", "created_at", "rotated_at", "revoked_at"), "name"),
    "agents": (("name", "key_id", "secret_sha256", "created_at", "rotated_at", "revoked_at"), "name"),
    "bulk_jobs": (
        (
            "id",
            "profile",
            "status",
            "sender",
            "service_sid",
            "status_callback",
            "send_window",
            "start_at",
            "approved",
            "total",
            "created_at",
            "hold_reason",
            "hold_until",
        ),
        "id",
    ),  # fmt: skip
    "bulk_outbox": (
        (
            "job_id",
            "idx",
            "phone",
            "body",
            "segments",
            "country",
            "tz",
            "cost_micros",
            "state",
            "not_before",
            "attempts",
            "attempted_at",
            "lease_owner",
            "lease_until",
            "sid",
            "error_code",
            "error_message",
            "delivery",
            "sent_at",
            "updated_at",
        ),
        "job_id, idx",
    ),  # fmt: skip
    "spend_days": (("profile", "day", "estimated_micros", "billed_micros"), "profile, day"),
    "bulk_buckets": (
        ("bucket_key", "configured", "rate", "tokens", "refilled_at", "blocked_until", "updated_at"),
        "bucket_key",
    ),
}
# Identity columns whose next value must move past imported ids on PostgreSQL.
IDENTITIES = (("audit", "id"), ("webhook_events", "id"))


def schema_version(db: SqlDatabase) -> tuple[str | None, int]:
    """The newest applied migration and how many are applied."""
    names = sorted(row["name"] for row in db.query("SELECT name FROM migrations"))
    return (names[-1] if names else None), len(names)


def row_counts(db: SqlDatabase) -> dict[str, int]:
    return {table: int(db.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]) for table in TABLES}


def status(db: SqlDatabase, location: str) -> dict[str, Any]:
    latest, applied = schema_version(db)
    return {
        "backend": db.backend,
        "location": location,
        "schema_version": latest,
        "migrations_applied": applied,
        "migrations_known": len(MIGRATIONS),
        "rows": row_counts(db),
    }


def _rows(db: SqlDatabase, table: str) -> Iterator[dict[str, Any]]:
    columns, order = TABLES[table]
    offset = 0
    while True:
        page = db.query(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (PAGE, offset))
        for row in page:
            yield {column: row[column] for column in columns}
        if len(page) < PAGE:
            return
        offset += PAGE


def export_lines(db: SqlDatabase) -> Iterator[str]:
    """The export of every table, line by line (without newlines)."""
    latest, _ = schema_version(db)
    yield json.dumps({"format": FORMAT, "version": VERSION, "backend": db.backend, "schema": latest})
    for table in TABLES:
        for row in _rows(db, table):
            yield json.dumps({"table": table, "row": row}, ensure_ascii=False, separators=(",", ":"))


def _bad(line_no: int, why: str) -> InputError:
    return InputError(
        f"Line {line_no} of the export is not usable: {why}.",
        code="input.export_invalid",
        remediation=["Import a file written by `twilio-skill db export`, unedited."],
    )


def _parsed(line_no: int, line: str) -> tuple[str, dict[str, Any]]:
    if len(line) > MAX_LINE:
        raise _bad(line_no, "the line is too long")
    try:
        item = json.loads(line)
    except ValueError:
        raise _bad(line_no, "not JSON") from None
    if not isinstance(item, dict) or set(item) != {"table", "row"} or not isinstance(item["row"], dict):
        raise _bad(line_no, 'expected {"table": ..., "row": {...}}')
    table, row = item["table"], item["row"]
    if table not in TABLES:
        raise _bad(line_no, f"unknown table {str(table)[:64]!r}")
    unknown = set(row) - set(TABLES[table][0])
    if unknown:
        raise _bad(line_no, f"unknown columns in {table}: {', '.join(sorted(map(str, unknown)))[:200]}")
    if not all(value is None or isinstance(value, str | int | float) for value in row.values()):
        raise _bad(line_no, "a value is not a string, number or null")
    return table, row


def _header(line: str | None) -> None:
    try:
        header = json.loads(line) if line else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _bad(1, "it does not start with a twilio-skill export header")
    if header.get("version") != VERSION:
        raise _bad(1, f"export format version {header.get('version')!r}; this version reads {VERSION}")
    known = {name for name, _ in MIGRATIONS}
    if header.get("schema") is not None and header.get("schema") not in known:
        raise InputError(
            "The export comes from a newer twilio-skill (its schema is unknown here).",
            code="input.export_newer",
            remediation=["Upgrade twilio-skill on this machine, then import again."],
        )


def import_lines(db: SqlDatabase, lines: Iterable[str]) -> dict[str, int]:
    """Load an export into this database, all in one transaction; rows imported per table.

    Raises:
        InputError: the database holds rows already, or a line is not part of a valid export
            (nothing is imported then).
    """
    filled = {table: n for table, n in row_counts(db).items() if n}
    if filled:
        raise InputError(
            f"The target database is not empty ({', '.join(f'{t}: {n}' for t, n in filled.items())}).",
            code="input.database_not_empty",
            remediation=["Import into a new, empty database (its schema is created when it is first opened)."],
        )
    stream = iter(lines)
    _header(next(stream, None))
    counts = dict.fromkeys(TABLES, 0)
    with db.transaction() as conn:
        for line_no, line in enumerate(stream, start=2):
            if not line.strip():
                continue
            table, row = _parsed(line_no, line)
            columns = list(row)
            conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row[column] for column in columns],
            )
            counts[table] += 1
        if db.backend == "postgresql":
            for table, column in IDENTITIES:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
                )
    return counts


def read_lines(handle: IO[str]) -> Iterator[str]:
    for line in handle:
        yield line.rstrip("\n")
