"""Tools for Monitor alerts: the errors and warnings Twilio logged, listed, counted per code, or one explained."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from skill.core import monitor as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.monitor import Alert, AlertGroup, AlertReport
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, Limit

AlertSid = Annotated[
    str, StringConstraints(pattern=r"^NO[0-9a-fA-F]{32}$", max_length=34), Field(description="Alert SID (NO...).")
]


class AlertsListInput(Model):
    log_level: Literal["error", "warning", "notice", "debug"] | None = Field(default=None)
    error_code: int | None = Field(default=None, ge=1, le=999999)
    group_by_code: bool = Field(default=False, description="Count per code instead of listing.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class AlertsListOutput(ListResult[Alert]):
    groups: list[AlertGroup] | None = Field(default=None, description="Counts per error code, when grouped.")


async def alerts_list(services: Services, args: AlertsListInput) -> AlertsListOutput:
    page = await core.list_alerts(
        services,
        log_level=args.log_level,
        error_code=args.error_code,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    if not args.group_by_code:
        return AlertsListOutput.of(page)
    # Grouped: the page's alerts are counted, not listed; scanned says how many were looked through.
    counted = page.model_copy(update={"items": [], "scanned": page.scanned or len(page.items)})
    return AlertsListOutput.of(counted).model_copy(update={"groups": core.group_by_code(page.items, services)})


class AlertGetInput(Model):
    sid: AlertSid


class AlertGetOutput(ToolResult, AlertReport):
    pass


async def alert_get(services: Services, args: AlertGetInput) -> AlertGetOutput:
    return AlertGetOutput(**(await core.get_alert(services, args.sid)).model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="alerts_list",
        title="List alerts",
        description="Monitor alerts (the Console debugger): errors and warnings Twilio logged.",
        toolset="monitor",
        tier=Tier.READ,
        input=AlertsListInput,
        output=AlertsListOutput,
        handler=alerts_list,
    ),
    ToolSpec(
        name="alert_get",
        title="Get alert",
        description="One alert: the failed request, the answer it got, the error explained.",
        toolset="monitor",
        tier=Tier.READ,
        input=AlertGetInput,
        output=AlertGetOutput,
        handler=alert_get,
    ),
)
