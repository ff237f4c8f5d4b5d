"""Tools for the account's phone numbers: list, search, buy, configure, release."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import number_impact
from skill.core import numbers as core
from skill.core.context import Services
from skill.core.urls import MAX_URL_LENGTH
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.numbers import AvailableNumber, ConfiguredNumber, PhoneNumber
from skill.results import Deleted, ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, Limit, NumberSid, Phone

Name = Annotated[str, StringConstraints(max_length=64)]
# Checked further by the core (skill.core.urls): a URL that is not http(s) gets input.invalid_url.
Url = Annotated[str, StringConstraints(max_length=MAX_URL_LENGTH)]
Method = Literal["GET", "POST"]
Kind = Literal["local", "mobile", "toll_free"]


class NumbersListInput(Model):
    phone_number: Phone | None = Field(default=None, description="Only this number.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class NumbersListOutput(ListResult[PhoneNumber]):
    pass


async def numbers_list(services: Services, args: NumbersListInput) -> NumbersListOutput:
    page = await core.list_numbers(
        services,
        phone_number=args.phone_number,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return NumbersListOutput.of(page)


class NumberSearchInput(Model):
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", max_length=2)] = Field(
        default="US", description="ISO code, e.g. GB."
    )
    kind: Kind = Field(default="local")
    area_code: int | None = Field(default=None, ge=200, le=999, description="US and CA only.")
    contains: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z*]{2,16}$", max_length=16)] | None = Field(
        default=None, description="Digits or letters; * any digit. E.g. 555*, STORE."
    )
    sms: bool | None = Field(default=None)
    voice: bool | None = Field(default=None)
    mms: bool | None = Field(default=None)
    limit: int = Field(default=20, ge=1, le=100)


class NumberSearchOutput(ToolResult):
    available: list[AvailableNumber] = Field(description="Numbers that can be bought now.")
    count: int = Field(description="Number returned.")


async def number_search(services: Services, args: NumberSearchInput) -> NumberSearchOutput:
    found = await core.search_numbers(
        services,
        country=args.country,
        kind=args.kind,
        area_code=args.area_code,
        contains=args.contains,
        sms=args.sms,
        voice=args.voice,
        mms=args.mms,
        limit=args.limit,
    )
    return NumberSearchOutput(available=found, count=len(found))


class NumberBuyInput(Model):
    phone_number: Phone = Field(description="From number_search.")
    friendly_name: Name | None = Field(default=None)
    sms_url: Url | None = Field(default=None, description="Incoming SMS webhook.")
    voice_url: Url | None = Field(default=None, description="Incoming call webhook.")


class NumberOutput(ToolResult, ConfiguredNumber):
    pass


def check_number_buy(services: Services, args: NumberBuyInput) -> None:
    core.check_buy(services, phone_number=args.phone_number, sms_url=args.sms_url, voice_url=args.voice_url)


async def number_buy(services: Services, args: NumberBuyInput) -> NumberOutput:
    bought = await core.buy_number(
        services,
        phone_number=args.phone_number,
        friendly_name=args.friendly_name,
        sms_url=args.sms_url,
        voice_url=args.voice_url,
    )
    return NumberOutput(**bought.model_dump())


async def inspect_number_buy(services: Services, args: NumberBuyInput) -> Impact:
    return await number_impact.buy_impact(
        services,
        phone_number=args.phone_number,
        friendly_name=args.friendly_name,
        sms_url=args.sms_url,
        voice_url=args.voice_url,
    )


class NumberConfigureInput(Model):
    sid: NumberSid
    sms_url: Url | None = Field(default=None, description="Incoming SMS webhook.")
    sms_method: Method | None = Field(default=None, description="For sms_url.")
    voice_url: Url | None = Field(default=None, description="Incoming call webhook.")
    voice_method: Method | None = Field(default=None, description="For voice_url.")
    status_callback: Url | None = Field(default=None, description="Call status webhook.")
    friendly_name: Name | None = Field(default=None)

    def changes(self) -> dict[str, str | None]:
        return self.model_dump(exclude={"sid"})


def check_number_configure(services: Services, args: NumberConfigureInput) -> None:
    core.check_configure(services, args.changes())


async def number_configure(services: Services, args: NumberConfigureInput) -> NumberOutput:
    return NumberOutput(**(await core.configure_number(services, args.sid, args.changes())).model_dump())


async def inspect_number_configure(services: Services, args: NumberConfigureInput) -> Impact:
    return await number_impact.configure_impact(services, args.sid, args.changes())


class NumberReleaseInput(Model):
    sid: NumberSid


class NumberReleaseOutput(Deleted):
    phone_number: str = Field(description="The number that was released.")


async def number_release(services: Services, args: NumberReleaseInput) -> NumberReleaseOutput:
    released = await core.release_number(services, args.sid)
    return NumberReleaseOutput(sid=released.sid, deleted=True, phone_number=released.phone_number)


async def inspect_number_release(services: Services, args: NumberReleaseInput) -> Impact:
    return await number_impact.release_impact(services, args.sid)


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
        description="The account's phone numbers with their webhooks and capabilities.",
        toolset="numbers",
        tier=Tier.READ,
        input=NumbersListInput,
        output=NumbersListOutput,
        handler=numbers_list,
    ),
    ToolSpec(
        name="number_search",
        title="Search numbers to buy",
        description="Find numbers to buy by country, kind, area code, digits or capability. Free.",
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
        output=NumberOutput,
        handler=number_buy,
        precheck=check_number_buy,
        inspect=inspect_number_buy,
        summary=_buy_summary,
        webhook_args=("sms_url", "voice_url"),
    ),
    ToolSpec(
        name="number_configure",
        title="Configure phone number",
        description="Set a number's SMS/voice webhooks, status callback or name. Live mode needs https.",
        toolset="numbers",
        tier=Tier.WRITE,
        input=NumberConfigureInput,
        output=NumberOutput,
        handler=number_configure,
        idempotent=True,
        precheck=check_number_configure,
        inspect=inspect_number_configure,
        summary=_configure_summary,
        webhook_args=("sms_url", "voice_url", "status_callback"),
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
        inspect=inspect_number_release,
        summary=_release_summary,
    ),
)
