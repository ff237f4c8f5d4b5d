"""How the CLI reaches approval requests: list, get, decide, poll. The one place to change the backend.

Commands in skill.cli.approvals call these and never the store directly.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from skill.cli.common import iso
from skill.core.display import escape_text
from skill.core.impact_view import ImpactView, impact_of
from skill.errors import InputError

if TYPE_CHECKING:
    from skill.stores.approvals import Approval
    from skill.stores.sqlite import Stores

MAX_REASON_CHARS = 500
WATCH_BATCH = 200


def list_requests(stores: Stores, status: str | None, limit: int) -> list[Approval]:
    """Requests newest first, by effective status (None: all)."""
    return stores.approvals.list(status=status, limit=limit)


def get_request(stores: Stores, approval_id: str) -> Approval:
    """Raises:
    NotFoundError: unknown id.
    """
    return stores.approvals.get(approval_id)


def new_pending(stores: Stores, seen: set[str]) -> list[Approval]:
    """Pending requests not in seen, oldest first; their ids are added to seen."""
    fresh = [item for item in stores.approvals.list(status="pending", limit=WATCH_BATCH) if item.id not in seen]
    seen.update(item.id for item in fresh)
    return sorted(fresh, key=lambda item: item.created_at)


def decide_request(
    stores: Stores, approval_id: str, *, approve: bool, operator: str, reason: str | None = None
) -> Approval:
    """Approve or deny as an authenticated operator, and name them in the audit log.

    Raises:
        InputError: a denial without a reason.
        NotFoundError: unknown id.
        PolicyError: already decided, or expired.
    """
    reason = (reason or "").strip()[:MAX_REASON_CHARS] or None
    if not approve and reason is None:
        raise InputError(
            "A denial needs a reason; the agent is shown it.",
            code="input.reason_required",
            remediation=["Deny again with --reason TEXT."],
        )
    approval = stores.approvals.decide(approval_id, approve=approve, operator=operator, reason=reason)
    detail: dict[str, object] = {"operator": operator, "summary": approval.summary, "via": "cli"}
    if not approve:
        detail["reason"] = reason
    stores.audit.record(
        "approval.approved" if approve else "approval.denied",
        outcome="ok",
        tool=approval.tool,
        profile=approval.profile,
        approval_id=approval.id,
        detail=detail,
    )
    return approval


def impact_dict(view: ImpactView | None) -> dict[str, object] | None:
    if view is None:
        return None
    return {
        "resource": view.resource,
        "facts": [{"label": fact.label, "value": fact.value} for fact in view.facts],
        "cost": None
        if view.cost is None
        else {
            "amount": view.cost.amount,
            "currency": view.cost.currency,
            "basis": view.cost.basis,
            "estimate": view.cost.estimate,
        },
        "blast_radius": [{"label": fact.label, "value": fact.value} for fact in view.blast_radius],
        "reversibility": view.reversibility,
    }


def approval_dict(approval: Approval) -> dict[str, object]:
    """A request as plain JSON-ready data (values as stored: JSON escapes them), expiry applied to status."""
    try:
        arguments: object = json.loads(approval.args_json)
    except ValueError:
        arguments = approval.args_json
    return {
        "id": approval.id,
        "tool": approval.tool,
        "status": approval.effective_status,
        "summary": approval.summary,
        "arguments": arguments,
        "profile": approval.profile,
        "created_at": iso(approval.created_at),
        "expires_at": iso(approval.expires_at),
        "decided_at": iso(approval.decided_at),
        "decided_by": approval.decided_by,
        "reason": approval.reason,
        "used_at": iso(approval.used_at),
        "impact": impact_dict(impact_of(approval)),
    }


def short_impact(approval: Approval) -> str:
    """Resource, cost and reversibility in one escaped line; '-' when the request has no impact."""
    view = impact_of(approval)
    if view is None:
        return "-"
    parts = [view.resource, view.cost.text() if view.cost else "", view.reversibility]
    return escape_text("; ".join(part for part in parts if part), 200) or "-"


def remaining(approval: Approval, now: float | None = None) -> str:
    """'in 57 min' while it can still be decided or used; else the status."""
    if approval.effective_status not in ("pending", "approved"):
        return approval.effective_status
    left = int(approval.expires_at - (now or time.time()))
    return f"in {left // 60} min" if left >= 60 else f"in {max(left, 0)} s"
