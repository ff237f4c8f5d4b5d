"""The audit log: every tool call, decision and refusal, with personal data masked."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from skill.redaction import redact
from skill.stores.database import Database


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: float
    event: str
    tool: str | None
    profile: str | None
    outcome: str
    approval_id: str | None
    detail: dict[str, Any]


class AuditLog:
    def __init__(self, db: Database, secrets: tuple[str, ...] = ()) -> None:
        self.db = db
        self._secrets = tuple(s for s in secrets if s)

    def record(
        self,
        event: str,
        *,
        outcome: str,
        tool: str | None = None,
        profile: str | None = None,
        approval_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        safe = redact(detail or {}, self._secrets)
        self.db.execute(
            "INSERT INTO audit (ts, event, tool, profile, outcome, approval_id, detail_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.time(), event, tool, profile, outcome, approval_id, json.dumps(safe, sort_keys=True)),
        )

    def tail(self, limit: int = 20, tool: str | None = None) -> list[AuditEntry]:
        if tool:
            rows = self.db.query("SELECT * FROM audit WHERE tool = ? ORDER BY id DESC LIMIT ?", (tool, limit))
        else:
            rows = self.db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        entries = [
            AuditEntry(
                id=row["id"],
                ts=row["ts"],
                event=row["event"],
                tool=row["tool"],
                profile=row["profile"],
                outcome=row["outcome"],
                approval_id=row["approval_id"],
                detail=json.loads(row["detail_json"]),
            )
            for row in rows
        ]
        return list(reversed(entries))
