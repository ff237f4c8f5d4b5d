"""The audit log (SQLite or PostgreSQL): every tool call, decision and refusal, with secrets and numbers masked."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Unpack

from skill.ports.clock import Clock, SystemClock
from skill.records.audit import AuditEntry, AuditFields, AuditFilter, AuditRow
from skill.redaction import redact
from skill.stores.database import Row, SqlDatabase

MAX_PAGE = 1000
MAX_CHOICES = 200
_COLUMNS = "ts, event, tool, profile, outcome, approval_id, detail_json"
_INSERT = f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
# PostgreSQL: a whole batch in one statement (one round trip), inserted in the batch's order, so the
# identity values it takes rise in that order too.
_INSERT_AT_ONCE = (
    f"INSERT INTO audit ({_COLUMNS}) SELECT (e->>0)::double precision, e->>1, e->>2, e->>3, e->>4, e->>5, e->>6 "
    "FROM json_array_elements(?::json) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id"
)
_ROWS_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def entry_of(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        ts=row["ts"],
        event=row["event"],
        tool=row["tool"],
        profile=row["profile"],
        outcome=row["outcome"],
        approval_id=row["approval_id"],
        detail=json.loads(row["detail_json"]),
    )


class SqliteAuditLog:
    def __init__(self, db: SqlDatabase, secrets: tuple[str, ...] = (), clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self._secrets = tuple(s for s in secrets if s)

    def _safe(self, detail: dict[str, Any] | None) -> str:
        return json.dumps(redact(detail or {}, self._secrets), sort_keys=True, default=str)

    def record(self, event: str, **fields: Unpack[AuditFields]) -> int:
        [entry_id] = self.write([self.prepare(event, **fields)])
        return entry_id

    def prepare(self, event: str, **fields: Unpack[AuditFields]) -> AuditRow:
        return AuditRow(
            self.clock.now(),
            event,
            fields.get("tool"),
            fields.get("profile"),
            fields["outcome"],
            fields.get("approval_id"),
            self._safe(fields.get("detail")),
        )

    def write(self, rows: Sequence[AuditRow]) -> list[int]:
        if not rows:
            return []
        if self.db.backend == "postgresql":
            # Ids rise in the batch's order; sorted, they line up with it.
            return sorted(int(row["id"]) for row in self.db.query(_INSERT_AT_ONCE, (_ROWS_JSON(list(rows)),)))
        with self.db.transaction() as conn:
            return [int(conn.execute(_INSERT, tuple(row)).fetchone()["id"]) for row in rows]

    def complete(self, entry_id: int, *, outcome: str, detail: dict[str, Any] | None = None) -> None:
        with self.db.transaction() as conn:
            self.db.lock(conn, "audit", str(entry_id))
            row = conn.execute("SELECT detail_json FROM audit WHERE id = ?", (entry_id,)).fetchone()
            # The stored part was made safe when it was written; masking it again would mangle it.
            merged = {**(json.loads(row["detail_json"]) if row else {}), **json.loads(self._safe(detail))}
            conn.execute(
                "UPDATE audit SET outcome = ?, detail_json = ? WHERE id = ?",
                (outcome, json.dumps(merged, sort_keys=True), entry_id),
            )

    def search(self, where: AuditFilter, *, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[object] = []
        for column, value in (
            ("tool", where.tool),
            ("outcome", where.outcome),
            ("approval_id", where.approval_id),
            ("event", where.event),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        bounds: tuple[tuple[str, float | None], ...] = (
            ("ts >= ?", where.since),
            ("ts < ?", where.until),
            ("id < ?", before_id),
        )
        for clause, bound in bounds:
            if bound is not None:
                clauses.append(clause)
                params.append(bound)
        sql = f"SELECT * FROM audit {'WHERE ' + ' AND '.join(clauses) if clauses else ''} ORDER BY id DESC LIMIT ?"
        rows = self.db.query(sql, (*params, max(1, min(limit, MAX_PAGE))))
        return [entry_of(row) for row in rows]

    def choices(self) -> tuple[list[str], list[str]]:
        """The tool names and the outcomes that appear in the log, for a filter's choices."""
        tools = self.db.query(
            "SELECT DISTINCT tool FROM audit WHERE tool IS NOT NULL ORDER BY tool LIMIT ?", (MAX_CHOICES,)
        )
        outcomes = self.db.query("SELECT DISTINCT outcome FROM audit ORDER BY outcome LIMIT ?", (MAX_CHOICES,))
        return [str(row["tool"]) for row in tools], [str(row["outcome"]) for row in outcomes]

    def tail(self, limit: int = 20, tool: str | None = None) -> list[AuditEntry]:
        return list(reversed(self.search(AuditFilter(tool=tool), limit=limit)))
