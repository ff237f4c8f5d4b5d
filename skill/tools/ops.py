"""Operations tools: approval status."""

from __future__ import annotations

import anyio
from pydantic import Field

from skill.core.context import Services
from skill.core.timeutil import iso_timestamp
from skill.policy.tiers import Tier
from skill.records.approvals import Approval, Impact
from skill.results import Model, ToolResult
from skill.server.progress import report_progress
from skill.server.registry import ToolSpec


def _iso(ts: float | None) -> str | None:
    return iso_timestamp(ts) if ts else None


MAX_WAIT_SECONDS = 25  # below the request timeouts clients commonly use
POLL_SECONDS = 0.25  # how often a waiting call reads the request back (a decision comes from another process)
PROGRESS_SECONDS = 1.0


class ApprovalStatusInput(Model):
    approval_id: str = Field(min_length=4, max_length=64, description="The id from error.approval.id.")
    wait_seconds: int = Field(
        default=0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        description="Up to 25 s; returns as soon as it is decided.",
    )


class ApprovalStatusOutput(ToolResult):
    id: str = Field(description="Approval request id.")
    tool: str = Field(description="The gated tool.")
    status: str = Field(description="pending, approved, denied, used or expired.")
    summary: str = Field(description="What the call will do.")
    impact: Impact | None = Field(default=None, description="The resource, cost, blast radius, reversibility.")
    created_at: str | None = Field(default=None, description="When it was requested.")
    expires_at: str | None = Field(default=None, description="When it lapses.")
    decided_by: str | None = Field(default=None, description="Operator who decided it.")
    reason: str | None = Field(default=None, description="Operator's reason, if given.")
    console_url: str | None = Field(default=None, description="Web console page of the request, if configured.")
    next_step: str = Field(description="What the agent should do now.")


NEXT_STEPS = {
    "pending": "Wait; ask the person to approve it with the approve command, then check again.",
    "approved": "Repeat the original call with the same arguments and this approval_id.",
    "denied": "Do not retry. Tell the person the action was denied.",
    "used": "It has been used; a new call needs a new approval.",
    "expired": "It lapsed; make the call again to open a new request.",
}


async def _read(services: Services, approval_id: str) -> tuple[Approval, str]:
    # A store read may wait on another process's write lock: off the event loop.
    approval = await anyio.to_thread.run_sync(services.approvals.get, approval_id)
    return approval, services.approvals.status_of(approval)


async def approval_status(services: Services, args: ApprovalStatusInput) -> ApprovalStatusOutput:
    approval, status = await _read(services, args.approval_id)
    if args.wait_seconds and status == "pending":
        started = anyio.current_time()
        deadline = started + args.wait_seconds
        reported = started - PROGRESS_SECONDS
        while status == "pending" and (now := anyio.current_time()) < deadline:
            if now - reported >= PROGRESS_SECONDS:
                reported = now
                await report_progress(round(now - started, 1), args.wait_seconds, "waiting for an operator's decision")
            await anyio.sleep(min(POLL_SECONDS, deadline - now))
            approval, status = await _read(services, args.approval_id)
        await report_progress(round(anyio.current_time() - started, 1), args.wait_seconds, f"request is {status}")
    return ApprovalStatusOutput(
        id=approval.id,
        tool=approval.tool,
        status=status,
        summary=approval.summary,
        impact=approval.impact,
        created_at=_iso(approval.created_at),
        expires_at=_iso(approval.expires_at),
        decided_by=approval.decided_by,
        reason=approval.reason,
        console_url=services.approvals.console_link(approval.id),
        next_step=NEXT_STEPS[status],
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="approval_status",
        title="Approval status",
        description=(
            "Whether an approval request is pending, approved, denied, used or expired; can wait for the decision."
        ),
        toolset="ops",
        tier=Tier.READ,
        input=ApprovalStatusInput,
        output=ApprovalStatusOutput,
        handler=approval_status,
        open_world=False,
    ),
)
