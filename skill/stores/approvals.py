"""Approval requests (SQLite or PostgreSQL). The rules (who may decide, what a refusal says) live in the core's
approvals service; every state change here is one conditional UPDATE, so it is atomic across
processes and holds the same way on any SQL backend."""

from __future__ import annotations

from typing import Any

from skill.ports.clock import Clock, SystemClock
from skill.records.approvals import Approval, Impact
from skill.stores.database import Row, SqlDatabase

_COLUMNS = (
    "id, tool, args_json, args_sha256, profile, summary, status, created_at, expires_at, decided_at, "
    "decided_by, reason, used_at, impact_json, requested_by"
)


def approval_of(row: Row | dict[str, Any]) -> Approval:
    data = dict(row)
    impact = data.pop("impact_json", None)
    return Approval(**data, impact=Impact.model_validate_json(impact) if impact else None)


class SqliteApprovalStore:
    def __init__(self, db: SqlDatabase, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()

    def create_or_get_pending(self, approval: Approval) -> tuple[Approval, bool]:
        now = self.clock.now()
        with self.db.transaction() as conn:
            self.db.lock(conn, "approvals", f"{approval.tool}|{approval.args_sha256}|{approval.profile}")
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM approvals WHERE tool = ? AND args_sha256 = ? AND profile = ? "
                "AND status = 'pending' AND expires_at > ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                (approval.tool, approval.args_sha256, approval.profile, now),
            ).fetchone()
            if row is not None:
                return approval_of(row), False
            conn.execute(
                f"INSERT INTO approvals ({_COLUMNS}) VALUES ({', '.join('?' * 15)})",
                (
                    approval.id,
                    approval.tool,
                    approval.args_json,
                    approval.args_sha256,
                    approval.profile,
                    approval.summary,
                    approval.status,
                    approval.created_at,
                    approval.expires_at,
                    approval.decided_at,
                    approval.decided_by,
                    approval.reason,
                    approval.used_at,
                    approval.impact.model_dump_json() if approval.impact else None,
                    approval.requested_by,
                ),
            )
        return approval, True

    def get(self, approval_id: str) -> Approval | None:
        rows = self.db.query(f"SELECT {_COLUMNS} FROM approvals WHERE id = ?", (approval_id,))
        return approval_of(rows[0]) if rows else None

    def list(
        self, *, status: str | None = None, tool: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[Approval]:
        now = self.clock.now()
        clauses: list[str] = []
        params: list[object] = []
        if status in ("pending", "approved"):
            clauses.append("status = ? AND expires_at > ?")
            params += [status, now]
        elif status == "expired":
            clauses.append("status IN ('pending', 'approved') AND expires_at <= ?")
            params.append(now)
        elif status:
            clauses.append("status = ?")
            params.append(status)
        if tool:
            clauses.append("tool = ?")
            params.append(tool)
        where = " AND ".join(clauses) or "1 = 1"
        rows = self.db.query(
            f"SELECT {_COLUMNS} FROM approvals WHERE {where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [approval_of(row) for row in rows]

    def decide(self, approval_id: str, *, approve: bool, operator: str, reason: str | None) -> bool:
        now = self.clock.now()
        changed = self.db.execute(
            "UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, reason = ? "
            "WHERE id = ? AND status = 'pending' AND expires_at > ?",
            ("approved" if approve else "denied", now, operator, reason, approval_id, now),
        )
        return changed == 1

    def consume(self, approval_id: str, *, tool: str, args_sha256: str, profile: str) -> bool:
        now = self.clock.now()
        changed = self.db.execute(
            "UPDATE approvals SET status = 'used', used_at = ? WHERE id = ? AND status = 'approved' "
            "AND expires_at > ? AND tool = ? AND args_sha256 = ? AND profile = ?",
            (now, approval_id, now, tool, args_sha256, profile),
        )
        return changed == 1

    def release(self, approval_id: str) -> bool:
        changed = self.db.execute(
            "UPDATE approvals SET status = 'approved', used_at = NULL WHERE id = ? AND status = 'used'",
            (approval_id,),
        )
        return changed == 1
