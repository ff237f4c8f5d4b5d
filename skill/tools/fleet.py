"""Tools over the whole fleet: the profile's own account and every environment, side by side."""

from __future__ import annotations

from pydantic import Field

from skill.core import fleet as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec


class ApiKeyAge(Model):
    sid: str | None = Field(default=None, description="Key SID.")
    friendly_name: str | None = Field(default=None, description="Key name.")
    age_days: int | None = Field(default=None, description="Days since it was created.")


class AccountOverview(Model):
    account_sid: str = Field(description="Account SID.")
    name: str | None = Field(default=None, description="Environment name; none for the profile's own account.")
    friendly_name: str | None = Field(default=None, description="Account name.")
    status: str | None = Field(default=None, description="active, suspended or closed.")
    numbers: int | None = Field(default=None, description="Phone numbers.")
    numbers_by_type: dict[str, int] | None = Field(default=None, description="Numbers per type.")
    messaging_services: list[str] | None = Field(default=None, description="Messaging service names.")
    api_keys: list[ApiKeyAge] | None = Field(default=None, description="API keys and their ages.")
    usage_this_month: str | None = Field(default=None, description="Total price this month.")
    usage_unit: str | None = Field(default=None, description="Currency of usage_this_month.")
    errors_24h: int | None = Field(default=None, description="Error alerts in the last 24 hours.")
    error_codes_24h: dict[str, int] | None = Field(default=None, description="Error alerts per code.")
    alerts_24h: int | None = Field(default=None, description="Alerts of any level in the last 24 hours.")
    problems: list[str] = Field(description="Sections that could not be read, and why.")


class FleetOverviewInput(Model):
    pass


class FleetOverviewOutput(ToolResult):
    accounts: list[AccountOverview] = Field(description="The profile's account first, then each environment.")


async def fleet_overview(services: Services, args: FleetOverviewInput) -> FleetOverviewOutput:
    rows = await core.fleet_overview(services)
    return FleetOverviewOutput(accounts=[AccountOverview(**row) for row in rows])


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="fleet_overview",
        title="Fleet overview",
        description="Every account side by side: status, numbers by type, messaging services, key ages, usage "
        "this month, errors in 24h.",
        toolset="fleet",
        tier=Tier.READ,
        input=FleetOverviewInput,
        output=FleetOverviewOutput,
        handler=fleet_overview,
        account_scoped=False,
    ),
)
