"""Tools for Verify v2: one-time codes by SMS, voice call, email or WhatsApp."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import verify as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import Limit

VerifyServiceSid = Annotated[
    str, StringConstraints(pattern=r"^VA[0-9a-fA-F]{32}$"), Field(description="Verify service SID (VA...).")
]
Destination = Annotated[str, StringConstraints(min_length=1, max_length=254)]
Channel = Literal["sms", "call", "email", "whatsapp"]


class VerifyService(Model):
    sid: str = Field(description="Service SID (VA...).")
    friendly_name: str | None = Field(default=None, description="Name shown in the messages.")
    code_length: int | None = Field(default=None, description="Digits per code.")
    lookup_enabled: bool | None = Field(default=None, description="Whether numbers are looked up first.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="When it last changed.")


class VerifyServicesListInput(Model):
    limit: Limit = 50


class VerifyServicesListOutput(ToolResult):
    services: list[VerifyService] = Field(description="Verify services of the account.")
    count: int = Field(description="Number returned.")


async def verify_services_list(services: Services, args: VerifyServicesListInput) -> VerifyServicesListOutput:
    items = await core.list_services(services, args.limit)
    return VerifyServicesListOutput(services=[VerifyService(**item) for item in items], count=len(items))


class VerifyServiceCreateInput(Model):
    friendly_name: str = Field(
        min_length=1, max_length=32, description="Name people see in the message, e.g. your app's name."
    )
    code_length: int | None = Field(default=None, ge=4, le=10, description="Digits per code, 4-10 (default 6).")
    lookup_enabled: bool | None = Field(default=None, description="Look up each number before sending.")


class VerifyServiceOutput(ToolResult):
    service: VerifyService = Field(description="The new service.")


async def verify_service_create(services: Services, args: VerifyServiceCreateInput) -> VerifyServiceOutput:
    created = await core.create_service(
        services, friendly_name=args.friendly_name, code_length=args.code_length, lookup_enabled=args.lookup_enabled
    )
    return VerifyServiceOutput(service=VerifyService(**created))


class VerificationStartInput(Model):
    service_sid: VerifyServiceSid
    to: Destination = Field(description="Phone number (E.164 or national) or, for channel email, an email address.")
    channel: Channel = Field(default="sms", description="How the code goes out: sms, call, email or whatsapp.")
    locale: str | None = Field(
        default=None, min_length=2, max_length=10, description="Language of the message, e.g. en, es, pt-BR."
    )


class VerificationStartOutput(ToolResult):
    sid: str = Field(description="Verification SID (VE...).")
    service_sid: str | None = Field(default=None, description="Verify service used.")
    to: str | None = Field(default=None, description="Destination, normalised.")
    channel: str | None = Field(default=None, description="Channel of the latest send.")
    status: str | None = Field(default=None, description="pending until checked.")
    send_attempts: int = Field(description="Codes sent in this verification so far (Twilio allows 5).")
    date_created: str | None = Field(default=None, description="When it started.")
    date_updated: str | None = Field(default=None, description="Last change.")


def check_verification_start(services: Services, args: VerificationStartInput) -> None:
    core.check_start(services, to=args.to, channel=args.channel)


async def verification_start(services: Services, args: VerificationStartInput) -> VerificationStartOutput:
    started = await core.start_verification(
        services, service_sid=args.service_sid, to=args.to, channel=args.channel, locale=args.locale
    )
    return VerificationStartOutput.model_validate({k: v for k, v in started.items() if k != "valid"})


class VerificationCheckInput(Model):
    service_sid: VerifyServiceSid
    code: str = Field(min_length=4, max_length=10, description="The code the person received.")
    to: Destination | None = Field(default=None, description="The destination the code was sent to.")
    verification_sid: Annotated[str, StringConstraints(pattern=r"^VE[0-9a-fA-F]{32}$")] | None = Field(
        default=None, description="Verification SID (VE...), instead of to."
    )


class VerificationCheckOutput(ToolResult):
    approved: bool = Field(description="True when the code was right.")
    status: str | None = Field(
        default=None, description="approved, pending (wrong code, may retry) or max_attempts_reached."
    )
    sid: str | None = Field(default=None, description="Verification SID.")
    service_sid: str | None = Field(default=None, description="Verify service used.")
    to: str | None = Field(default=None, description="Destination.")
    channel: str | None = Field(default=None, description="Channel the code went by.")
    date_created: str | None = Field(default=None, description="When the verification started.")
    date_updated: str | None = Field(default=None, description="Last change.")


async def verification_check(services: Services, args: VerificationCheckInput) -> VerificationCheckOutput:
    checked = await core.check_verification(
        services, service_sid=args.service_sid, code=args.code, to=args.to, verification_sid=args.verification_sid
    )
    return VerificationCheckOutput.model_validate(checked)


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
        description="Verify services of the account; verification_start needs one's SID.",
        toolset="verify",
        tier=Tier.READ,
        input=VerifyServicesListInput,
        output=VerifyServicesListOutput,
        handler=verify_services_list,
    ),
    ToolSpec(
        name="verify_service_create",
        title="Create Verify service",
        description="Create a Verify service (the sender name and code length of one-time codes). Free.",
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
        description="Send a one-time code by SMS, call, email or WhatsApp. Costs per verification; "
        "limited per destination (cooldown, hourly cap).",
        toolset="verify",
        tier=Tier.SEND,
        input=VerificationStartInput,
        output=VerificationStartOutput,
        handler=verification_start,
        summary=_start_summary,
        destination="to",
        precheck=check_verification_start,
    ),
    ToolSpec(
        name="verification_check",
        title="Check verification code",
        description="Check the code a person entered; approved is true when it matches. Five tries per code.",
        toolset="verify",
        tier=Tier.WRITE,
        input=VerificationCheckInput,
        output=VerificationCheckOutput,
        handler=verification_check,
        secret_args=("code",),
        summary=_check_summary,
    ),
)
