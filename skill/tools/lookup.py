"""Tool for Lookup v2: is a number valid, what kind of line is it, who is it registered to."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import lookup as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

LookupField = Literal["line_type_intelligence", "caller_name"]


def _default_fields() -> list[LookupField]:
    return ["line_type_intelligence"]


class NumberLookupInput(Model):
    phone: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="Number to look up: E.164 (+14155550100) or national."
    )
    fields: list[LookupField] = Field(
        default_factory=_default_fields,
        min_length=1,
        max_length=2,
        description="Data to fetch: line_type_intelligence, caller_name (US only). Each is billed.",
    )


class NumberLookupOutput(ToolResult):
    phone_number: str = Field(description="The number in E.164 form.")
    valid: bool = Field(description="Whether Twilio considers it a valid number.")
    validation_errors: list[str] = Field(default_factory=list, description="Why it is invalid, if it is.")
    country_code: str | None = Field(default=None, description="ISO country of the number.")
    national_format: str | None = Field(default=None, description="The number as dialled in its country.")
    line_type: str | None = Field(
        default=None, description="mobile, landline, fixedVoip, nonFixedVoip, tollFree, personal, pager, voicemail..."
    )
    carrier_name: str | None = Field(default=None, description="Carrier serving the number.")
    mobile_country_code: str | None = Field(default=None, description="MCC of the carrier.")
    mobile_network_code: str | None = Field(default=None, description="MNC of the carrier.")
    caller_name: str | None = Field(default=None, description="Registered caller name (CNAM).")
    caller_type: str | None = Field(default=None, description="CONSUMER or BUSINESS.")
    package_errors: dict[str, int] = Field(
        default_factory=dict, description="Twilio error code per field it could not answer (60600: no coverage)."
    )
    sms_reachable: Literal["yes", "no", "maybe", "unknown"] = Field(description="Can it receive SMS?")
    sms_advice: str = Field(description="What the line type means for sending SMS to it.")
    expected_error: int | None = Field(default=None, description="Twilio error a message to it would likely get.")


def check_number_lookup(services: Services, args: NumberLookupInput) -> None:
    core.check_lookup(services, args.phone)


async def number_lookup(services: Services, args: NumberLookupInput) -> NumberLookupOutput:
    return NumberLookupOutput.model_validate(await core.lookup_number(services, args.phone, list(args.fields)))


def _lookup_summary(args: dict[str, Any]) -> str:
    fields = ", ".join(args.get("fields") or [quoted("line_type_intelligence")])
    return f"Look up {fields} for {args['phone']} (billed per lookup)."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="number_lookup",
        title="Look up phone number",
        description="Line type (mobile, landline, VoIP...) and caller name of a number, and whether it can take "
        "SMS. Billed per lookup.",
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
