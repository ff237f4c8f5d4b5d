"""Approval requests: created by gated calls, decided by an operator, used once."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Literal

from skill.errors import NotFoundError, PolicyError
from skill.stores.database import Database

Status = Literal["pending", "approved", "denied", "used"]


@dataclass(frozen=True)
class Approval:
    id: str
    tool: str
    args_json: str
    args_sha256: str
    profile: str
    summary: str
    status: Status
    created_at: float
    expires_at: float
    decided_at: float | None
    decided_by: str | None
    reason: str | None
    used_at: float | None
    impact_json: str | None = None

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.expires_at

    @property
    def effective_status(self) -> str:
        if self.status in ("pending", "approved") and self.expired():
            return "expired"
        return self.status


def _invalid(message: str, code: str, remediation: list[str]) -> PolicyError:
    return PolicyError(message, code=code, remediation=remediation)


class ApprovalStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, *, tool: str, args_json: str, args_sha256: str, profile: str, summary: str, ttl_seconds: int
    ) -> Approval:
        now = time.time()
        approval_id = "apr_" + secrets.token_hex(8)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO approvals (id, tool, args_json, args_sha256, profile, summary, status, "
                "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (approval_id, tool, args_json, args_sha256, profile, summary, now, now + ttl_seconds),
            )
        return self.get(approval_id)

    def get(self, approval_id: str) -> Approval:
        """Raises:
        NotFoundError: no request has that id.
        """
        rows = self.db.query("SELECT * FROM approvals WHERE id = ?", (approval_id,))
        if not rows:
            raise NotFoundError(
                f"No approval request has id {approval_id!r}.",
                code="not_found.approval",
                remediation=["List requests with `twilio-skill approvals list`."],
            )
        return Approval(**dict(rows[0]))

    def list(self, status: str | None = None, limit: int = 50) -> list[Approval]:
        """Newest first; status filters by effective status (pending and approved exclude expired ones)."""
        now = time.time()
        params: tuple[object, ...]
        if status in ("pending", "approved"):
            where, params = "status = ? AND expires_at > ?", (status, now)
        elif status == "expired":
            where, params = "status IN ('pending', 'approved') AND expires_at <= ?", (now,)
        elif status:
            where, params = "status = ?", (status,)
        else:
            where, params = "1 = 1", ()
        rows = self.db.query(
            f"SELECT * FROM approvals WHERE {where} ORDER BY created_at DESC LIMIT ?", (*params, limit)
        )
        return [Approval(**dict(row)) for row in rows]

    def decide(self, approval_id: str, *, approve: bool, operator: str, reason: str | None = None) -> Approval:
        """Approve or deny a pending, unexpired request.

        Raises:
            NotFoundError: unknown id.
            PolicyError: the request is no longer pending, or has expired.
        """
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id = ?", (approval_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"No approval request has id {approval_id!r}.", code="not_found.approval")
            current = Approval(**dict(row))
            if current.status != "pending":
                raise _invalid(f"Approval {approval_id} is already {current.status}.", "policy.approval_decided", [])
            if current.expired():
                raise _invalid(
                    f"Approval {approval_id} expired; the agent must make the call again.",
                    "policy.approval_expired",
                    [],
                )
            conn.execute(
                "UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ?",
                ("approved" if approve else "denied", time.time(), operator, reason, approval_id),
            )
        return self.get(approval_id)

    def consume(self, approval_id: str, *, tool: str, args_sha256: str, profile: str) -> Approval:
        """Mark an approved request used, if it matches this exact call. Atomic across processes.

        Raises:
            PolicyError: unknown, pending, denied, expired, used, or for another call.
        """
        retry = "Make the call again without approval_id to open a new request, and ask an operator."
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM approvals WHERE id = ?", (approval_id,)).fetchone()
            if row is None:
                raise _invalid(f"No approval request has id {approval_id!r}.", "policy.approval_invalid", [retry])
            current = Approval(**dict(row))
            if current.tool != tool or current.profile != profile or current.args_sha256 != args_sha256:
                raise _invalid(
                    f"Approval {approval_id} was granted for a different call; arguments must match exactly.",
                    "policy.approval_mismatch",
                    ["Repeat the call with exactly the arguments that were approved.", retry],
                )
            if current.status == "pending":
                raise _invalid(
                    f"Approval {approval_id} has not been decided yet.",
                    "policy.approval_pending",
                    [f"Ask an operator to run: twilio-skill approvals approve {approval_id}", "Then retry."],
                )
            if current.status == "denied":
                reason = f" Reason: {current.reason}" if current.reason else ""
                raise _invalid(
                    f"Approval {approval_id} was denied.{reason}",
                    "policy.approval_denied",
                    ["Do not retry this action; tell the person it was denied."],
                )
            if current.status == "used":
                raise _invalid(
                    f"Approval {approval_id} was already used; each approval runs one call.",
                    "policy.approval_used",
                    [retry],
                )
            if current.expired():
                raise _invalid(f"Approval {approval_id} expired.", "policy.approval_expired", [retry])
            conn.execute("UPDATE approvals SET status = 'used', used_at = ? WHERE id = ?", (time.time(), approval_id))
        return self.get(approval_id)
