"""Reading the audit log by filter, newest first, a page at a time (keyset paging on the entry id)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from skill.stores.audit import AuditEntry
from skill.stores.database import Database

MAX_PAGE = 1000
MAX_CHOICES = 200


@dataclass(frozen=True)
class AuditFilter:
    """Entries to show; every field left None matches everything. Times are Unix seconds, UTC."""

    tool: str | None = None
    outcome: str | None = None
    approval_id: str | None = None
    since: float | None = None
    until: float | None = None

    def clause(self) -> tuple[str, tuple[object, ...]]:
        parts: list[str] = []
        params: list[object] = []
        for column, value in (("tool", self.tool), ("outcome", self.outcome), ("approval_id", self.approval_id)):
            if value is not None:
                parts.append(f"{column} = ?")
                params.append(value)
        if self.since is not None:
            parts.append("ts >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append("ts < ?")
            params.append(self.until)
        return (" AND ".join(parts) or "1 = 1"), tuple(params)


def _entry(row: sqlite3.Row) -> AuditEntry:
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


class AuditSearch:
    def __init__(self, db: Database) -> None:
        self.db = db

    def page(self, where: AuditFilter, *, before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
        """Up to limit entries matching the filter, newest first, all older than before_id when given."""
        clause, params = where.clause()
        if before_id is not None:
            clause += " AND id < ?"
            params = (*params, before_id)
        rows = self.db.query(
            f"SELECT * FROM audit WHERE {clause} ORDER BY id DESC LIMIT ?", (*params, max(1, min(limit, MAX_PAGE)))
        )
        return [_entry(row) for row in rows]

    def tools(self) -> list[str]:
        """Tool names that appear in the log, for a filter's choices."""
        rows = self.db.query(
            "SELECT DISTINCT tool FROM audit WHERE tool IS NOT NULL ORDER BY tool LIMIT ?", (MAX_CHOICES,)
        )
        return [str(row["tool"]) for row in rows]

    def outcomes(self) -> list[str]:
        """Outcomes that appear in the log, for a filter's choices."""
        rows = self.db.query("SELECT DISTINCT outcome FROM audit ORDER BY outcome LIMIT ?", (MAX_CHOICES,))
        return [str(row["outcome"]) for row in rows]
