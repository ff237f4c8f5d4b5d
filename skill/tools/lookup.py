"""Tool for Lookup v2: is a number valid, what kind of line is it, who is it registered to."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from skill.core import lookup as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.records.lookups import NumberLookup
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Phone

LookupField = Literal["line_type_intelligence", "caller_name"]


def _default_fields() -> list[LookupField]:
    return ["line_type_intelligence"]


class NumberLookupInput(Model):
    phone_number: Phone = Field(description="E.164 (+14155550100) or national.")
    fields: list[LookupField] = Field(
        default_factory=_default_fields,
        min_length=1,
        max_length=2,
        description="Each is billed; caller_name is US only.",
    )


class NumberLookupOutput(ToolResult, NumberLookup):
    pass


def check_number_lookup(services: Services, args: NumberLookupInput) -> None:
    core.check_lookup(services, args.phone_number)


async def number_lookup(services: Services, args: NumberLookupInput) -> NumberLookupOutput:
    found = await core.lookup_number(services, args.phone_number, list(args.fields))
    return NumberLookupOutput(**found.model_dump())


def _lookup_summary(args: dict[str, Any]) -> str:
    fields = ", ".join(args.get("fields") or [quoted("line_type_intelligence")])
    return f"Look up {fields} for {args['phone_number']} (billed per lookup)."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="number_lookup",
        title="Look up phone number",
        description="Line type (mobile, landline, VoIP...), carrier and caller name of a number: can it take SMS? "
        "Billed.",
        toolset="numbers",
        tier=Tier.SEND,
        input=NumberLookupInput,
        output=NumberLookupOutput,
        handler=number_lookup,
        idempotent=True,
        summary=_lookup_summary,
        precheck=check_number_lookup,
    ),
)
