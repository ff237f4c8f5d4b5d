"""Operations tools: approval status and error explanations."""

from __future__ import annotations

from typing import Literal

import anyio
from pydantic import Field

from skill.catalog import explain, parse_code
from skill.core.context import Services
from skill.core.timeutil import iso_timestamp
from skill.errors import twilio_docs_url
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


class ErrorExplainInput(Model):
    code: int | str = Field(description="Twilio error code: 21211, '21211' or 'twilio.21211'.")


class ErrorExplainOutput(ToolResult):
    code: int = Field(description="The error code.")
    title: str = Field(description="Short name of the error.")
    meaning: str = Field(description="What it means, in one or two sentences.")
    causes: list[str] = Field(description="Likely causes.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    retryable: bool = Field(description="True when repeating the same request later may succeed.")
    docs_url: str = Field(description="Twilio's page for this code.")
    source: Literal["curated", "twilio-catalog", "unknown"] = Field(description="Where the explanation came from.")
    known: bool = Field(description="False when nothing is known about this code.")


async def error_explain(services: Services, args: ErrorExplainInput) -> ErrorExplainOutput:
    code = parse_code(args.code)
    # The fallback may read a large JSON file the first time; keep it off the event loop.
    found = await anyio.to_thread.run_sync(explain, code, services.settings)
    if found is None:
        docs_url = twilio_docs_url(code)
        return ErrorExplainOutput(
            code=code,
            title=f"Error {code}",
            meaning="No entry for this code in the curated catalogue or in a local copy of Twilio's catalogue.",
            causes=[],
            remediation=[
                f"Read {docs_url}.",
                "Run `twilio-skill errors sync` to fetch Twilio's full catalogue, then ask again.",
            ],
            retryable=False,
            docs_url=docs_url,
            source="unknown",
            known=False,
        )
    return ErrorExplainOutput(
        code=found.code,
        title=found.title,
        meaning=found.meaning,
        causes=list(found.causes),
        remediation=list(found.remediation),
        retryable=found.retryable,
        docs_url=found.docs_url,
        source=found.source,
        known=True,
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
    ToolSpec(
        name="error_explain",
        title="Explain error code",
        description="What a Twilio error code means, likely causes, ordered fixes, whether to retry. Local, free.",
        toolset="ops",
        tier=Tier.READ,
        input=ErrorExplainInput,
        output=ErrorExplainOutput,
        handler=error_explain,
        open_world=False,
    ),
)
