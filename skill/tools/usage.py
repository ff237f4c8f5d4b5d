"""Tools for usage and billing: what the account used and spent, and usage triggers (spend alarms)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import usage as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.usage import UsageSummary, UsageTrigger
from skill.results import Deleted, ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, HttpUrl, Limit

TriggerSid = Annotated[
    str,
    StringConstraints(pattern=r"^UT[0-9a-fA-F]{32}$", max_length=34),
    Field(description="Usage trigger SID (UT...)."),
]
UsageCategory = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{2,64}$", max_length=64)]


class UsageSummaryInput(Model):
    period: Literal["today", "yesterday", "this_month", "last_month"] | None = Field(
        default=None, description="Default this_month."
    )
    after: datetime | None = Field(default=None, description="Or whole days from this date.")
    before: datetime | None = Field(default=None, description="End of that range, exclusive.")


class UsageSummaryOutput(ToolResult, UsageSummary):
    pass


async def usage_summary(services: Services, args: UsageSummaryInput) -> UsageSummaryOutput:
    summary = await core.usage_summary(services, period=args.period, after=args.after, before=args.before)
    return UsageSummaryOutput(**summary.model_dump())


class UsageTriggersListInput(Model):
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class UsageTriggersListOutput(ListResult[UsageTrigger]):
    pass


async def usage_triggers_list(services: Services, args: UsageTriggersListInput) -> UsageTriggersListOutput:
    page = await core.list_triggers(
        services,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return UsageTriggersListOutput.of(page)


class UsageTriggerCreateInput(Model):
    usage_category: UsageCategory = Field(description="e.g. sms, calls, totalprice.")
    trigger_value: str = Field(
        pattern=r"^\+?\d{1,12}(\.\d{1,4})?$",
        max_length=18,
        description="Fires at this value; +N: N above now.",
    )
    trigger_by: Literal["count", "usage", "price"] = Field(default="usage")
    recurring: Literal["daily", "monthly", "yearly", "alltime"] = Field(
        default="monthly", description="How often it may fire."
    )
    callback_url: HttpUrl
    friendly_name: str | None = Field(default=None, max_length=64)


class UsageTriggerCreateOutput(ToolResult, UsageTrigger):
    warnings: list[str] = Field(default_factory=list, description="Things to fix before going live.")


async def usage_trigger_create(services: Services, args: UsageTriggerCreateInput) -> UsageTriggerCreateOutput:
    created, warnings = await core.create_trigger(
        services,
        usage_category=args.usage_category,
        trigger_value=args.trigger_value,
        trigger_by=args.trigger_by,
        recurring=args.recurring,
        callback_url=args.callback_url,
        friendly_name=args.friendly_name,
    )
    return UsageTriggerCreateOutput(**created.model_dump(), warnings=warnings)


def check_trigger_create(services: Services, args: UsageTriggerCreateInput) -> None:
    # Refuses a malformed URL, or plain http in live mode, before anything is sent or asked.
    core.check_trigger(services, args.callback_url)


async def inspect_trigger_create(services: Services, args: UsageTriggerCreateInput) -> Impact:
    return await core.trigger_create_impact(
        services,
        usage_category=args.usage_category,
        trigger_value=args.trigger_value,
        trigger_by=args.trigger_by,
        recurring=args.recurring,
        callback_url=args.callback_url,
    )


def _trigger_summary(args: dict[str, Any]) -> str:
    return (
        f"Create a {args['recurring']} usage trigger on {args['usage_category']} "
        f"({args['trigger_by']} reaching {args['trigger_value']}) that calls {args['callback_url']}."
    )


class UsageTriggerDeleteInput(Model):
    sid: TriggerSid


async def usage_trigger_delete(services: Services, args: UsageTriggerDeleteInput) -> Deleted:
    return Deleted(sid=args.sid, deleted=await core.delete_trigger(services, args.sid))


async def inspect_trigger_delete(services: Services, args: UsageTriggerDeleteInput) -> Impact:
    return await core.trigger_delete_impact(services, args.sid)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="usage_summary",
        title="Usage summary",
        description="Usage and cost per category for a period, the total and the balance.",
        toolset="monitor",
        tier=Tier.READ,
        input=UsageSummaryInput,
        output=UsageSummaryOutput,
        handler=usage_summary,
    ),
    ToolSpec(
        name="usage_triggers_list",
        title="List usage triggers",
        description="Usage triggers (spend and volume alarms).",
        toolset="monitor",
        tier=Tier.READ,
        input=UsageTriggersListInput,
        output=UsageTriggersListOutput,
        handler=usage_triggers_list,
    ),
    ToolSpec(
        name="usage_trigger_create",
        title="Create usage trigger",
        description="Have Twilio call a URL when usage passes a value (spend alarm). Free.",
        toolset="monitor",
        tier=Tier.WRITE,
        input=UsageTriggerCreateInput,
        output=UsageTriggerCreateOutput,
        handler=usage_trigger_create,
        precheck=check_trigger_create,
        inspect=inspect_trigger_create,
        webhook_args=("callback_url",),
        summary=_trigger_summary,
    ),
    ToolSpec(
        name="usage_trigger_delete",
        title="Delete usage trigger",
        description="Remove a usage trigger so it no longer fires.",
        toolset="monitor",
        tier=Tier.WRITE,
        input=UsageTriggerDeleteInput,
        output=Deleted,
        handler=usage_trigger_delete,
        inspect=inspect_trigger_delete,
        summary=lambda a: f"Delete usage trigger {a['sid']}.",
    ),
)
