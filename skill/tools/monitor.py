"""Tools for Monitor alerts and for usage and billing: alerts, usage totals, usage triggers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from skill.core import monitor as alerts_core
from skill.core import usage as usage_core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.results import ErrorBrief, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Limit

AlertSid = Annotated[str, Field(pattern=r"^NO[0-9a-fA-F]{32}$", description="Alert SID (NO...).")]
TriggerSid = Annotated[str, Field(pattern=r"^UT[0-9a-fA-F]{32}$", description="Usage trigger SID (UT...).")]


class Alert(Model):
    sid: str = Field(description="Alert SID (NO...).")
    error_code: int | None = Field(default=None, description="Twilio error code.")
    log_level: str | None = Field(default=None, description="error, warning, notice or debug.")
    message: str | None = Field(default=None, description="What Twilio reported.")
    resource_sid: str | None = Field(default=None, description="The message, call or other resource concerned.")
    request_url: str | None = Field(default=None, description="URL of the request that failed.")
    request_method: str | None = Field(default=None, description="Its HTTP method.")
    date_generated: str | None = Field(default=None, description="When it happened.")


class AlertGroup(Model):
    error_code: int = Field(description="Twilio error code.")
    count: int = Field(description="Alerts with this code.")
    title: str | None = Field(default=None, description="The catalogue's title for the code.")
    meaning: str | None = Field(default=None, description="What the code means.")
    last_seen: str | None = Field(default=None, description="When the latest one happened.")


class AlertsListInput(Model):
    log_level: Literal["error", "warning", "notice", "debug"] | None = Field(
        default=None, description="Only this level."
    )
    start_date: str | None = Field(default=None, description="From this date or time (YYYY-MM-DD or ISO 8601).")
    end_date: str | None = Field(default=None, description="Up to this date or time.")
    error_code: int | None = Field(default=None, ge=1, le=999999, description="Only this Twilio error code.")
    group_by_code: bool = Field(default=False, description="Return counts per error code instead of alerts.")
    limit: Limit = 50


class AlertsListOutput(ToolResult):
    alerts: list[Alert] = Field(default_factory=list, description="Alerts, newest first (empty when grouped).")
    groups: list[AlertGroup] = Field(default_factory=list, description="Counts per error code, when grouped.")
    count: int = Field(description="Alerts considered.")


async def alerts_list(services: Services, args: AlertsListInput) -> AlertsListOutput:
    items = await alerts_core.list_alerts(
        services,
        log_level=args.log_level,
        start_date=args.start_date,
        end_date=args.end_date,
        error_code=args.error_code,
        limit=args.limit,
    )
    if args.group_by_code:
        groups = alerts_core.group_by_code(items, services)
        return AlertsListOutput(groups=[AlertGroup(**g) for g in groups], count=len(items))
    return AlertsListOutput(alerts=[Alert(**a) for a in items], count=len(items))


class AlertGetInput(Model):
    sid: AlertSid


class AlertGetOutput(ToolResult, Alert):
    response_status: int | None = Field(default=None, description="HTTP status the request got, if any.")
    response_body: str | None = Field(default=None, description="Body of that response.")
    response_headers: str | None = Field(default=None, description="Headers of that response.")
    request_variables: str | None = Field(default=None, description="Parameters Twilio sent.")
    more_info: str | None = Field(default=None, description="Twilio's page for the error.")
    explanation: ErrorBrief | None = Field(default=None, description="The error explained, with steps.")


async def alert_get(services: Services, args: AlertGetInput) -> AlertGetOutput:
    return AlertGetOutput(**await alerts_core.get_alert(services, args.sid))


class UsageRecord(Model):
    category: str | None = Field(default=None, description="Usage category, e.g. sms, calls.")
    description: str | None = Field(default=None, description="What the category covers.")
    count: str | None = Field(default=None, description="Number of items.")
    count_unit: str | None = Field(default=None, description="Unit of count.")
    usage: str | None = Field(default=None, description="Amount used.")
    usage_unit: str | None = Field(default=None, description="Unit of usage, e.g. segments, minutes.")
    price: str = Field(description="Price for the period.")
    price_unit: str | None = Field(default=None, description="Currency of the price.")


class CategoryPrice(Model):
    category: str | None = Field(default=None, description="Usage category.")
    price: str = Field(description="Its price for the period.")


class UsageSummaryInput(Model):
    period: Literal["today", "yesterday", "this_month", "last_month"] | None = Field(
        default=None, description="Named period; default this_month."
    )
    start_date: str | None = Field(default=None, description="Range start (YYYY-MM-DD), with end_date.")
    end_date: str | None = Field(default=None, description="Range end (YYYY-MM-DD), inclusive.")


class UsageSummaryOutput(ToolResult):
    period: str = Field(description="The named period, or 'custom' for a date range.")
    start_date: str | None = Field(default=None, description="First day covered.")
    end_date: str | None = Field(default=None, description="Last day covered.")
    categories: list[UsageRecord] = Field(description="Categories with activity in the period.")
    top_categories: list[CategoryPrice] = Field(description="The costliest categories, highest first.")
    total_price: str = Field(description="Total price for the period.")
    price_unit: str | None = Field(default=None, description="Currency of the prices.")
    balance: str | None = Field(default=None, description="Current account balance.")
    currency: str | None = Field(default=None, description="Currency of the balance.")


async def usage_summary(services: Services, args: UsageSummaryInput) -> UsageSummaryOutput:
    return UsageSummaryOutput(
        **await usage_core.usage_summary(
            services, period=args.period, start_date=args.start_date, end_date=args.end_date
        )
    )


class UsageTrigger(Model):
    sid: str = Field(description="Trigger SID (UT...).")
    friendly_name: str | None = Field(default=None, description="Display name.")
    usage_category: str | None = Field(default=None, description="Category watched.")
    trigger_by: str | None = Field(default=None, description="count, usage or price.")
    trigger_value: str | None = Field(default=None, description="Value at which it fires.")
    current_value: str | None = Field(default=None, description="Value now.")
    recurring: str | None = Field(default=None, description="daily, monthly, yearly, alltime or none.")
    callback_url: str | None = Field(default=None, description="URL called when it fires.")
    callback_method: str | None = Field(default=None, description="GET or POST.")
    date_fired: str | None = Field(default=None, description="When it last fired.")
    date_created: str | None = Field(default=None, description="When it was created.")


class UsageTriggersListInput(Model):
    limit: Limit = 50


class UsageTriggersListOutput(ToolResult):
    triggers: list[UsageTrigger] = Field(description="Usage triggers of the account.")
    count: int = Field(description="Number returned.")


async def usage_triggers_list(services: Services, args: UsageTriggersListInput) -> UsageTriggersListOutput:
    items = await usage_core.list_triggers(services, args.limit)
    return UsageTriggersListOutput(triggers=[UsageTrigger(**t) for t in items], count=len(items))


class UsageTriggerCreateInput(Model):
    usage_category: str = Field(
        pattern=r"^[a-z0-9-]{2,64}$", description="Category to watch, e.g. sms, calls, totalprice."
    )
    trigger_value: str = Field(
        pattern=r"^\+?\d{1,12}(\.\d{1,4})?$", description="Value that fires it; '+N' means N above the current value."
    )
    trigger_by: Literal["count", "usage", "price"] = Field(default="usage", description="Field compared.")
    recurring: Literal["daily", "monthly", "yearly", "alltime"] = Field(
        default="monthly", description="Period after which it can fire again."
    )
    callback_url: str = Field(min_length=8, max_length=2048, description="URL Twilio calls when it fires (https).")
    friendly_name: str | None = Field(default=None, max_length=64, description="Display name.")


class UsageTriggerCreateOutput(ToolResult):
    trigger: UsageTrigger = Field(description="The trigger created.")
    warnings: list[str] = Field(default_factory=list, description="Things to fix before going live.")


async def usage_trigger_create(services: Services, args: UsageTriggerCreateInput) -> UsageTriggerCreateOutput:
    created, warnings = await usage_core.create_trigger(
        services,
        usage_category=args.usage_category,
        trigger_value=args.trigger_value,
        trigger_by=args.trigger_by,
        recurring=args.recurring,
        callback_url=args.callback_url,
        friendly_name=args.friendly_name,
    )
    return UsageTriggerCreateOutput(trigger=UsageTrigger(**created), warnings=warnings)


class UsageTriggerDeleteInput(Model):
    sid: TriggerSid


class UsageTriggerDeleteOutput(ToolResult):
    sid: str = Field(description="The trigger removed.")
    deleted: bool = Field(description="True: it will not fire again.")


async def usage_trigger_delete(services: Services, args: UsageTriggerDeleteInput) -> UsageTriggerDeleteOutput:
    return UsageTriggerDeleteOutput(sid=args.sid, deleted=await usage_core.delete_trigger(services, args.sid))


def _precheck_trigger(services: Services, args: UsageTriggerCreateInput) -> None:
    # Refuses a malformed URL, or plain http in live mode, before anything is sent.
    usage_core.check_trigger(services, args.callback_url)


def _trigger_summary(args: dict[str, Any]) -> str:
    return (
        f"Create a {args.get('recurring', quoted('monthly'))} usage trigger on {args['usage_category']} "
        f"({args.get('trigger_by', quoted('usage'))} >= {args['trigger_value']}) calling {args['callback_url']}."
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="alerts_list",
        title="List alerts",
        description="Monitor alerts (errors and warnings Twilio logged), filtered; group_by_code counts them per code.",
        toolset="monitor",
        tier=Tier.READ,
        input=AlertsListInput,
        output=AlertsListOutput,
        handler=alerts_list,
    ),
    ToolSpec(
        name="alert_get",
        title="Get alert",
        description="One alert: the request that failed, the response it got, and the error explained.",
        toolset="monitor",
        tier=Tier.READ,
        input=AlertGetInput,
        output=AlertGetOutput,
        handler=alert_get,
    ),
    ToolSpec(
        name="usage_summary",
        title="Usage summary",
        description="Usage and cost per category for a period, the costliest categories, the total and the balance.",
        toolset="monitor",
        tier=Tier.READ,
        input=UsageSummaryInput,
        output=UsageSummaryOutput,
        handler=usage_summary,
    ),
    ToolSpec(
        name="usage_triggers_list",
        title="List usage triggers",
        description="Usage triggers (spend or volume alarms) of the account.",
        toolset="monitor",
        tier=Tier.READ,
        input=UsageTriggersListInput,
        output=UsageTriggersListOutput,
        handler=usage_triggers_list,
    ),
    ToolSpec(
        name="usage_trigger_create",
        title="Create usage trigger",
        description="Have Twilio call a URL when a usage category passes a value (e.g. spend alarm). Free.",
        toolset="monitor",
        tier=Tier.WRITE,
        input=UsageTriggerCreateInput,
        output=UsageTriggerCreateOutput,
        handler=usage_trigger_create,
        precheck=_precheck_trigger,
        summary=_trigger_summary,
    ),
    ToolSpec(
        name="usage_trigger_delete",
        title="Delete usage trigger",
        description="Remove a usage trigger so it no longer fires.",
        toolset="monitor",
        tier=Tier.WRITE,
        input=UsageTriggerDeleteInput,
        output=UsageTriggerDeleteOutput,
        handler=usage_trigger_delete,
        summary=lambda a: f"Delete usage trigger {a['sid']}.",
    ),
)
