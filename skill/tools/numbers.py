"""Tools for the account's phone numbers: list, search, buy, configure, release."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from skill.core import numbers as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Limit, NumberSid


def _normalise_international(value: str) -> str:
    """E.164 for numbers given with '+'; national forms wait for the core, which knows the default region."""
    return core.to_e164(value) if value.strip().startswith("+") else value.strip()


# An invalid international number raises InputError (input.invalid_phone) here, before any approval gate.
Phone = Annotated[str, AfterValidator(_normalise_international)]
Method = Literal["GET", "POST"]


class Capabilities(Model):
    sms: bool = Field(description="Can send and receive SMS.")
    mms: bool = Field(description="Can send and receive MMS.")
    voice: bool = Field(description="Can make and receive calls.")


class PhoneNumber(Model):
    sid: str = Field(description="Phone number SID (PN...).")
    phone_number: str = Field(description="The number in E.164 form.")
    friendly_name: str | None = Field(default=None, description="Display name.")
    type: str | None = Field(default=None, description="local, mobile or toll_free.")
    capabilities: Capabilities = Field(description="What the number can do.")
    sms_url: str | None = Field(default=None, description="Webhook for incoming messages.")
    sms_method: str | None = Field(default=None, description="HTTP method for sms_url.")
    voice_url: str | None = Field(default=None, description="Webhook for incoming calls.")
    voice_method: str | None = Field(default=None, description="HTTP method for voice_url.")
    status_callback: str | None = Field(default=None, description="URL for call status events.")
    date_created: str | None = Field(default=None, description="When it was bought.")


class NumberResult(ToolResult):
    number: PhoneNumber = Field(description="The number after the change.")
    warnings: list[str] = Field(default_factory=list, description="Things to fix before going live.")


class NumbersListInput(Model):
    phone_number: Phone | None = Field(default=None, description="Only this number (E.164 preferred).")
    limit: Limit = 50


class NumbersListOutput(ToolResult):
    numbers: list[PhoneNumber] = Field(description="Numbers on the account.")
    count: int = Field(description="Number returned.")


async def numbers_list(services: Services, args: NumbersListInput) -> NumbersListOutput:
    items = await core.list_numbers(services, phone_number=args.phone_number, limit=args.limit)
    return NumbersListOutput(numbers=[PhoneNumber(**item) for item in items], count=len(items))


class NumberSearchInput(Model):
    country: str = Field(default="US", pattern=r"^[A-Za-z]{2}$", description="ISO country code, e.g. US, CA, GB.")
    type: Literal["local", "mobile", "toll_free"] = Field(default="local", description="Kind of number.")
    area_code: int | None = Field(default=None, ge=200, le=999, description="Area code (US and CA only).")
    contains: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Za-z*]{2,16}$",
        description="Digits or letters to contain; * is any digit, e.g. 555*, STORE.",
    )
    sms: bool | None = Field(default=None, description="Only SMS-capable numbers.")
    voice: bool | None = Field(default=None, description="Only voice-capable numbers.")
    mms: bool | None = Field(default=None, description="Only MMS-capable numbers.")
    limit: int = Field(default=20, ge=1, le=100, description="Most candidates to return.")


class AvailableNumber(Model):
    phone_number: str = Field(description="The number in E.164 form; pass it to number_buy.")
    friendly_name: str | None = Field(default=None, description="Formatted for display.")
    locality: str | None = Field(default=None, description="City, where known.")
    region: str | None = Field(default=None, description="State or province, where known.")
    postal_code: str | None = Field(default=None, description="Postal code, where known.")
    iso_country: str | None = Field(default=None, description="ISO country code.")
    address_requirements: str | None = Field(default=None, description="none, any, local or foreign.")
    capabilities: Capabilities = Field(description="What the number can do.")


class NumberSearchOutput(ToolResult):
    available: list[AvailableNumber] = Field(description="Numbers that can be bought now.")
    count: int = Field(description="Number returned.")


async def number_search(services: Services, args: NumberSearchInput) -> NumberSearchOutput:
    items = await core.search_numbers(
        services,
        country=args.country,
        kind=args.type,
        area_code=args.area_code,
        contains=args.contains,
        sms=args.sms,
        voice=args.voice,
        mms=args.mms,
        limit=args.limit,
    )
    return NumberSearchOutput(available=[AvailableNumber(**item) for item in items], count=len(items))


class NumberBuyInput(Model):
    phone_number: Phone = Field(description="Number to buy, from number_search (E.164).")
    friendly_name: str | None = Field(default=None, max_length=64, description="Display name.")
    sms_url: str | None = Field(default=None, max_length=2048, description="Webhook for incoming messages.")
    voice_url: str | None = Field(default=None, max_length=2048, description="Webhook for incoming calls.")


def check_number_buy(services: Services, args: NumberBuyInput) -> None:
    core.check_buy(services, phone_number=args.phone_number, sms_url=args.sms_url, voice_url=args.voice_url)


async def number_buy(services: Services, args: NumberBuyInput) -> NumberResult:
    number, warnings = await core.buy_number(
        services,
        phone_number=args.phone_number,
        friendly_name=args.friendly_name,
        sms_url=args.sms_url,
        voice_url=args.voice_url,
    )
    return NumberResult(number=PhoneNumber(**number), warnings=warnings)


class NumberConfigureInput(Model):
    sid: NumberSid
    sms_url: str | None = Field(default=None, max_length=2048, description="Webhook for incoming messages.")
    sms_method: Method | None = Field(default=None, description="HTTP method for sms_url.")
    voice_url: str | None = Field(default=None, max_length=2048, description="Webhook for incoming calls.")
    voice_method: Method | None = Field(default=None, description="HTTP method for voice_url.")
    status_callback: str | None = Field(default=None, max_length=2048, description="URL for call status events.")
    friendly_name: str | None = Field(default=None, max_length=64, description="Display name.")


def check_number_configure(services: Services, args: NumberConfigureInput) -> None:
    core.check_configure(services, args.model_dump(exclude={"sid"}))


async def number_configure(services: Services, args: NumberConfigureInput) -> NumberResult:
    changes = args.model_dump(exclude={"sid"})
    number, warnings = await core.configure_number(services, args.sid, **changes)
    return NumberResult(number=PhoneNumber(**number), warnings=warnings)


class NumberReleaseInput(Model):
    sid: NumberSid


class NumberReleaseOutput(ToolResult):
    released: PhoneNumber = Field(description="The number as it was before it was released.")


async def number_release(services: Services, args: NumberReleaseInput) -> NumberReleaseOutput:
    return NumberReleaseOutput(released=PhoneNumber(**await core.release_number(services, args.sid)))


def _buy_summary(args: dict[str, Any]) -> str:
    return f"Buy phone number {args['phone_number']}. It is charged monthly (plus usage) until it is released."


def _configure_summary(args: dict[str, Any]) -> str:
    changes = ", ".join(f"{key}={value}" for key, value in args.items() if key != "sid")
    return f"Change phone number {args['sid']}: {changes}."


def _release_summary(args: dict[str, Any]) -> str:
    return (
        f"Release phone number {args['sid']} from the account. Calls and messages to it stop, and the number "
        "may not be recoverable."
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="numbers_list",
        title="List phone numbers",
        description="Phone numbers on the account with their webhooks and capabilities.",
        toolset="numbers",
        tier=Tier.READ,
        input=NumbersListInput,
        output=NumbersListOutput,
        handler=numbers_list,
    ),
    ToolSpec(
        name="number_search",
        title="Search numbers to buy",
        description="Find numbers to buy by country, type, area code, pattern or capability. Free.",
        toolset="numbers",
        tier=Tier.READ,
        input=NumberSearchInput,
        output=NumberSearchOutput,
        handler=number_search,
    ),
    ToolSpec(
        name="number_buy",
        title="Buy phone number",
        description="Buy a number found with number_search. Costs a monthly fee until released.",
        toolset="numbers",
        tier=Tier.DESTRUCTIVE,
        input=NumberBuyInput,
        output=NumberResult,
        handler=number_buy,
        precheck=check_number_buy,
        summary=_buy_summary,
    ),
    ToolSpec(
        name="number_configure",
        title="Configure phone number",
        description="Set a number's SMS/voice webhooks, status callback or name. Live mode needs https.",
        toolset="numbers",
        tier=Tier.WRITE,
        input=NumberConfigureInput,
        output=NumberResult,
        handler=number_configure,
        idempotent=True,
        precheck=check_number_configure,
        summary=_configure_summary,
    ),
    ToolSpec(
        name="number_release",
        title="Release phone number",
        description="Release a number; it stops working at once and may be gone for good.",
        toolset="numbers",
        tier=Tier.DESTRUCTIVE,
        input=NumberReleaseInput,
        output=NumberReleaseOutput,
        handler=number_release,
        summary=_release_summary,
    ),
)
