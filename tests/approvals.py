"""Opening and deciding approval requests in tests, as a gated call and an operator would."""

from __future__ import annotations

import secrets
from typing import Any

from skill.core.approvals import ApprovalRequest, ApprovalService
from skill.ports.clock import Clock, SystemClock
from skill.ports.stores import StorePorts
from skill.records.approvals import Approval, Impact


def approval_service(stores: StorePorts, *, ttl: int = 3600, clock: Clock | None = None) -> ApprovalService:
    return ApprovalService(store=stores.approvals, audit=stores.audit, clock=clock or SystemClock(), ttl_seconds=ttl)


def open_request(
    stores: StorePorts,
    tool: str = "number_release",
    args_json: str = '{"sid":"PN1"}',
    *,
    args_sha256: str | None = None,
    profile: str = "sandbox",
    summary: str | None = None,
    ttl: int = 600,
    clock: Clock | None = None,
    impact: dict[str, Any] | None = None,
) -> Approval:
    """A new pending request (a fresh digest each time unless one is given twice)."""
    request = ApprovalRequest(
        tool=tool,
        args_json=args_json,
        args_sha256=args_sha256 or secrets.token_hex(32),
        profile=profile,
        summary=summary if summary is not None else f"{tool} with {args_json}",
        reason="test",
        impact=Impact.model_validate(impact) if impact is not None else None,
    )
    approval, _ = approval_service(stores, ttl=ttl, clock=clock).request(request)
    return approval


def decide(stores: StorePorts, approval_id: str, *, approve: bool = True, reason: str | None = None) -> Approval:
    if not approve and reason is None:
        reason = "not now"
    return approval_service(stores).decide(approval_id, approve=approve, operator="test-operator", reason=reason)
