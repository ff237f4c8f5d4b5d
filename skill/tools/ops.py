"""Operations tools: approval status."""

from __future__ import annotations

from pydantic import Field

from skill.core.context import Services
from skill.core.timeutil import iso_timestamp
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec


def _iso(ts: float | None) -> str | None:
    return iso_timestamp(ts) if ts else None


class ApprovalStatusInput(Model):
    approval_id: str = Field(min_length=4, max_length=64, description="The id from error.approval.id.")


class ApprovalStatusOutput(ToolResult):
    id: str = Field(description="Approval request id.")
    tool: str = Field(description="The gated tool.")
    status: str = Field(description="pending, approved, denied, used or expired.")
    summary: str = Field(description="What the call will do.")
    created_at: str | None = Field(default=None, description="When it was requested.")
    expires_at: str | None = Field(default=None, description="When it lapses.")
    decided_by: str | None = Field(default=None, description="Operator who decided it.")
    reason: str | None = Field(default=None, description="Operator's reason, if given.")
    next_step: str = Field(description="What the agent should do now.")


NEXT_STEPS = {
    "pending": "Wait; ask the person to approve it with the approve command, then check again.",
    "approved": "Repeat the original call with the same arguments and this approval_id.",
    "denied": "Do not retry. Tell the person the action was denied.",
    "used": "It has been used; a new call needs a new approval.",
    "expired": "It lapsed; make the call again to open a new request.",
}


async def approval_status(services: Services, args: ApprovalStatusInput) -> ApprovalStatusOutput:
    approval = services.approvals.get(args.approval_id)
    status = services.approvals.status_of(approval)
    return ApprovalStatusOutput(
        id=approval.id,
        tool=approval.tool,
        status=status,
        summary=approval.summary,
        created_at=_iso(approval.created_at),
        expires_at=_iso(approval.expires_at),
        decided_by=approval.decided_by,
        reason=approval.reason,
        next_step=NEXT_STEPS[status],
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="approval_status",
        title="Approval status",
        description="Whether an approval request is pending, approved, denied, used or expired.",
        toolset="ops",
        tier=Tier.READ,
        input=ApprovalStatusInput,
        output=ApprovalStatusOutput,
        handler=approval_status,
        open_world=False,
    ),
)
