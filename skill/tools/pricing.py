"""Tool for Twilio's published prices: what messages, calls and numbers cost in a country."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from skill.core import pricing as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.pricing import CountryPrices
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec


class PricingGetInput(Model):
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", max_length=2)] = Field(
        description="ISO country code, e.g. US, GB."
    )


class PricingGetOutput(ToolResult, CountryPrices):
    pass


async def pricing_get(services: Services, args: PricingGetInput) -> PricingGetOutput:
    return PricingGetOutput(**(await core.country_prices(services, args.country)).model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="pricing_get",
        title="Get prices",
        description="Twilio's published prices for a country: SMS per segment, calls per minute, numbers per month.",
        toolset="numbers",
        tier=Tier.READ,
        input=PricingGetInput,
        output=PricingGetOutput,
        handler=pricing_get,
    ),
)
