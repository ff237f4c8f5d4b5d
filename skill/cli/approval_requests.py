"""How the CLI reaches approval requests: list, get, decide, poll, all through the approvals service.

Commands in skill.cli.approvals call these and never the store directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skill.core.display import escape_text

if TYPE_CHECKING:
    from skill.core.approvals import ApprovalService
    from skill.records.approvals import Approval

WATCH_BATCH = 200


def list_requests(approvals: ApprovalService, status: str | None, limit: int) -> list[Approval]:
    """Requests newest first, by effective status (None: all)."""
    return approvals.list(status=status, limit=limit)


def get_request(approvals: ApprovalService, approval_id: str) -> Approval:
    """Raises:
    NotFoundError: unknown id.
    """
    return approvals.get(approval_id)


def new_pending(approvals: ApprovalService, seen: set[str]) -> list[Approval]:
    """Pending requests not in seen, oldest first; their ids are added to seen."""
    fresh = [item for item in approvals.list(status="pending", limit=WATCH_BATCH) if item.id not in seen]
    seen.update(item.id for item in fresh)
    return sorted(fresh, key=lambda item: item.created_at)


def decide_request(
    approvals: ApprovalService, approval_id: str, *, approve: bool, operator: str, reason: str | None = None
) -> Approval:
    """Approve or deny as an authenticated operator; the service names them in the audit log.

    Raises:
        InputError: a denial without a reason.
        NotFoundError: unknown id.
        PolicyError: already decided, or expired.
    """
    return approvals.decide(approval_id, approve=approve, operator=operator, reason=reason, via="cli")


def short_impact(approval: Approval) -> str:
    """Resource, cost and reversibility in one escaped line; '-' when the request has no impact."""
    view = approval.impact
    if view is None:
        return "-"
    parts = [view.resource, view.cost.text() if view.cost else "", view.reversibility]
    return escape_text("; ".join(part for part in parts if part), 200) or "-"


def remaining(approval: Approval, now: float) -> str:
    """'in 57 min' while it can still be decided or used; else the status."""
    status = approval.effective_status(now)
    if status not in ("pending", "approved"):
        return status
    left = int(approval.expires_at - now)
    return f"in {left // 60} min" if left >= 60 else f"in {max(left, 0)} s"
