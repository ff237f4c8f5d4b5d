"""Tools for Verify v2: one-time codes (OTP, 2FA) by SMS, voice call, email or WhatsApp."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import verify as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.verify import CodeCheck, Verification, VerifyService
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Cursor, Limit

VerifyServiceSid = Annotated[
    str, StringConstraints(pattern=r"^VA[0-9a-fA-F]{32}$", max_length=34), Field(description="VA...")
]
VerificationSid = Annotated[str, StringConstraints(pattern=r"^VE[0-9a-fA-F]{32}$", max_length=34)]
Destination = Annotated[str, StringConstraints(min_length=1, max_length=254)]
Channel = Literal["sms", "call", "email", "whatsapp"]


class VerifyServicesListInput(Model):
    limit: Limit = 50
    cursor: Cursor | None = None


class VerifyServicesListOutput(ListResult[VerifyService]):
    pass


async def verify_services_list(services: Services, args: VerifyServicesListInput) -> VerifyServicesListOutput:
    return VerifyServicesListOutput.of(await core.list_services(services, limit=args.limit, cursor=args.cursor))


class VerifyServiceCreateInput(Model):
    friendly_name: str = Field(min_length=1, max_length=32, description="Name the message shows.")
    code_length: int | None = Field(default=None, ge=4, le=10, description="4-10 digits; default 6.")
    lookup_enabled: bool | None = Field(default=None, description="Look numbers up first.")


class VerifyServiceOutput(ToolResult, VerifyService):
    pass


async def verify_service_create(services: Services, args: VerifyServiceCreateInput) -> VerifyServiceOutput:
    created = await core.create_service(
        services, friendly_name=args.friendly_name, code_length=args.code_length, lookup_enabled=args.lookup_enabled
    )
    return VerifyServiceOutput(**created.model_dump())


class VerificationStartInput(Model):
    service_sid: VerifyServiceSid
    to: Destination = Field(description="Phone number, or email address.")
    channel: Channel = Field(default="sms")
    locale: str | None = Field(default=None, min_length=2, max_length=10, description="Language, e.g. es.")


class VerificationOutput(ToolResult, Verification):
    pass


def check_verification_start(services: Services, args: VerificationStartInput) -> None:
    core.check_start(services, to=args.to, channel=args.channel)


async def inspect_verification_start(services: Services, args: VerificationStartInput) -> Impact:
    return await core.start_impact(services, service_sid=args.service_sid, to=args.to, channel=args.channel)


async def verification_start(services: Services, args: VerificationStartInput) -> VerificationOutput:
    started = await core.start_verification(
        services, service_sid=args.service_sid, to=args.to, channel=args.channel, locale=args.locale
    )
    return VerificationOutput(**started.model_dump())


class VerificationCheckInput(Model):
    service_sid: VerifyServiceSid
    code: str = Field(min_length=4, max_length=10)
    to: Destination | None = Field(default=None, description="Where it went; or verification_sid.")
    verification_sid: VerificationSid | None = Field(default=None, description="VE...; or to.")


class VerificationCheckOutput(ToolResult, CodeCheck):
    pass


def check_verification_check(services: Services, args: VerificationCheckInput) -> None:
    core.check_target(services, to=args.to, verification_sid=args.verification_sid)


async def verification_check(services: Services, args: VerificationCheckInput) -> VerificationCheckOutput:
    checked = await core.check_verification(
        services, service_sid=args.service_sid, code=args.code, to=args.to, verification_sid=args.verification_sid
    )
    return VerificationCheckOutput(**checked.model_dump())


def _start_summary(args: dict[str, Any]) -> str:
    return f"Send a verification code by {args.get('channel', quoted('sms'))} to {args.get('to')}."


def _check_summary(args: dict[str, Any]) -> str:
    # Never the code itself: summaries are shown to operators and kept with approvals.
    if args.get("to"):
        target = f"the verification sent to {args['to']}"
    else:
        target = f"verification {args.get('verification_sid')}"
    return f"Check a code against {target} (Verify service {args['service_sid']})."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="verify_services_list",
        title="List Verify services",
        description="Verify services (VA...), for verification_start.",
        toolset="verify",
        tier=Tier.READ,
        input=VerifyServicesListInput,
        output=VerifyServicesListOutput,
        handler=verify_services_list,
    ),
    ToolSpec(
        name="verify_service_create",
        title="Create Verify service",
        description="Create a Verify service for one-time codes. Free.",
        toolset="verify",
        tier=Tier.WRITE,
        input=VerifyServiceCreateInput,
        output=VerifyServiceOutput,
        handler=verify_service_create,
        summary=lambda a: f"Create Verify service {a['friendly_name']}.",
    ),
    ToolSpec(
        name="verification_start",
        title="Start verification",
        description="Send a one-time code (OTP, 2FA). Costs per verification; cooldown and hourly cap per destination.",
        toolset="verify",
        tier=Tier.SEND,
        input=VerificationStartInput,
        output=VerificationOutput,
        handler=verification_start,
        summary=_start_summary,
        destination="to",
        precheck=check_verification_start,
        inspect=inspect_verification_start,
    ),
    ToolSpec(
        name="verification_check",
        title="Check verification code",
        description="Check the code a person entered; five tries per code.",
        toolset="verify",
        tier=Tier.WRITE,
        input=VerificationCheckInput,
        output=VerificationCheckOutput,
        handler=verification_check,
        secret_args=("code",),
        summary=_check_summary,
        precheck=check_verification_check,
    ),
)
