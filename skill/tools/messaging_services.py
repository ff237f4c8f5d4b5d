"""Tools for Messaging Services (sender pools and their settings) and sender compliance (A2P 10DLC,
toll-free verification)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import compliance
from skill.core import messaging_services as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import NumberSid, ServiceSid

Url = Annotated[str, StringConstraints(min_length=1, max_length=2048)]


class Sender(Model):
    sid: str = Field(description="Phone number SID (PN...).")
    phone_number: str | None = Field(default=None, description="The number in E.164 form.")
    country_code: str | None = Field(default=None, description="ISO country of the number.")
    capabilities: list[str] = Field(description="SMS, MMS, Voice.")


class MessagingService(Model):
    sid: str = Field(description="Messaging Service SID (MG...).")
    friendly_name: str | None = Field(default=None, description="Display name.")
    inbound_request_url: str | None = Field(default=None, description="Webhook for incoming messages.")
    inbound_method: str | None = Field(default=None, description="HTTP method for inbound_request_url.")
    status_callback: str | None = Field(default=None, description="URL for delivery status events.")
    sticky_sender: bool | None = Field(default=None, description="Same sender for a recipient each time.")
    area_code_geomatch: bool | None = Field(default=None, description="Prefer a sender with the recipient's area code.")
    smart_encoding: bool | None = Field(default=None, description="Replace look-alike Unicode to stay in GSM-7.")
    fallback_to_long_code: bool | None = Field(
        default=None, description="Retry failed short code sends from a long code."
    )
    validity_period: int | None = Field(default=None, description="Seconds a message may wait in the queue.")
    usecase: str | None = Field(default=None, description="Declared use case.")
    us_app_to_person_registered: bool | None = Field(default=None, description="Has a registered A2P 10DLC campaign.")
    date_created: str | None = Field(default=None, description="When it was created.")
    date_updated: str | None = Field(default=None, description="Last change.")


class ServiceWithSenders(MessagingService):
    senders: list[Sender] = Field(description="Phone numbers in its sender pool.")


class ServiceResult(ToolResult):
    service: ServiceWithSenders = Field(description="The service after the call, with its senders.")
    warnings: list[str] = Field(default_factory=list, description="Things to fix before going live.")


class ServicesListInput(Model):
    limit: int = Field(default=50, ge=1, le=1000, description="Most records to return.")


class ServicesListOutput(ToolResult):
    services: list[MessagingService] = Field(description="Messaging Services on the account.")
    count: int = Field(description="Number returned.")


async def messaging_services_list(services: Services, args: ServicesListInput) -> ServicesListOutput:
    items = await core.list_services(services, args.limit)
    return ServicesListOutput(services=[MessagingService(**item) for item in items], count=len(items))


class ServiceGetInput(Model):
    sid: ServiceSid = Field(description="Messaging Service SID (MG...).")


async def messaging_service_get(services: Services, args: ServiceGetInput) -> ServiceResult:
    return ServiceResult(service=ServiceWithSenders(**await core.get_service(services, args.sid)))


class ServiceSettings(Model):
    status_callback: Url | None = Field(default=None, description="URL for delivery status events (https).")
    inbound_request_url: Url | None = Field(default=None, description="Webhook for incoming messages (https).")
    sticky_sender: bool | None = Field(default=None, description="Same sender for a recipient each time.")
    area_code_geomatch: bool | None = Field(default=None, description="Prefer a sender with the recipient's area code.")
    smart_encoding: bool | None = Field(default=None, description="Replace look-alike Unicode to stay in GSM-7.")
    validity_period: int | None = Field(default=None, ge=1, le=36000, description="Seconds a message may queue.")
    fallback_to_long_code: bool | None = Field(
        default=None, description="Retry failed short code sends from a long code."
    )


class ServiceCreateInput(ServiceSettings):
    friendly_name: str = Field(min_length=1, max_length=64, description="Display name, e.g. 'order updates'.")


def check_service_create(services: Services, args: ServiceCreateInput) -> None:
    core.url_warnings(services, args.model_dump())


async def messaging_service_create(services: Services, args: ServiceCreateInput) -> ServiceResult:
    service, warnings = await core.create_service(services, args.model_dump())
    return ServiceResult(service=ServiceWithSenders(**service), warnings=warnings)


class ServiceUpdateInput(ServiceSettings):
    sid: ServiceSid = Field(description="Messaging Service SID (MG...).")
    friendly_name: str | None = Field(default=None, min_length=1, max_length=64, description="Display name.")


def check_service_update(services: Services, args: ServiceUpdateInput) -> None:
    given = {key: value for key, value in args.model_dump(exclude={"sid"}).items() if value is not None}
    core.nothing_to_change(given)
    core.url_warnings(services, given)


async def messaging_service_update(services: Services, args: ServiceUpdateInput) -> ServiceResult:
    service, warnings = await core.update_service(services, args.sid, args.model_dump(exclude={"sid"}))
    return ServiceResult(service=ServiceWithSenders(**service), warnings=warnings)


class SenderInput(Model):
    service_sid: ServiceSid = Field(description="Messaging Service SID (MG...).")
    phone_number_sid: NumberSid


async def messaging_service_sender_add(services: Services, args: SenderInput) -> ServiceResult:
    service = await core.add_sender(services, args.service_sid, args.phone_number_sid)
    return ServiceResult(service=ServiceWithSenders(**service))


async def messaging_service_sender_remove(services: Services, args: SenderInput) -> ServiceResult:
    service = await core.remove_sender(services, args.service_sid, args.phone_number_sid)
    return ServiceResult(service=ServiceWithSenders(**service))


class ComplianceInput(Model):
    service_sid: ServiceSid | None = Field(default=None, description="Only this service; default: the whole account.")


class Campaign(Model):
    sid: str | None = Field(default=None, description="Campaign SID (QE...).")
    status: str | None = Field(default=None, description="VERIFIED, IN_PROGRESS, PENDING, FAILED or SUSPENDED.")
    use_case: str | None = Field(default=None, description="Campaign use case.")
    campaign_id: str | None = Field(default=None, description="The Campaign Registry id.")
    brand_registration_sid: str | None = Field(default=None, description="Brand SID (BN...).")
    brand_status: str | None = Field(default=None, description="APPROVED, PENDING, IN_REVIEW, FAILED, SUSPENDED...")


class SenderCompliance(Model):
    sid: str = Field(description="Phone number SID (PN...).")
    phone_number: str = Field(description="The number in E.164 form.")
    kind: Literal["us_long_code", "toll_free", "other"] = Field(description="Which registration applies.")
    registration: str = Field(
        description="registered, unregistered, campaign_pending, campaign_suspended (long codes); verified, "
        "verification_pending, verification_rejected, unverified (toll-free); not_applicable."
    )
    tollfree_verification_status: str | None = Field(default=None, description="Toll-free verification status.")


class ServiceCompliance(Model):
    sid: str = Field(description="Messaging Service SID.")
    friendly_name: str | None = Field(default=None, description="Display name.")
    campaign: Campaign | None = Field(default=None, description="Its A2P 10DLC campaign, if any.")
    senders: list[SenderCompliance] = Field(description="Its phone number senders.")


class Finding(Model):
    code: str = Field(description="Stable code, e.g. a2p.unregistered_number.")
    severity: Literal["error", "warning"] = Field(description="error: sends are blocked; warning: at risk.")
    twilio_code: int | None = Field(default=None, description="The Twilio error sends would get.")
    title: str = Field(description="Short name of the problem.")
    subject: str = Field(description="The number or SID it concerns.")
    message: str = Field(description="What is wrong.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    tools: list[str] = Field(description="Tools that help.")


class ComplianceOutput(ToolResult):
    ok: bool = Field(description="True when no finding blocks sends.")
    services: list[ServiceCompliance] = Field(description="Per Messaging Service.")
    unassigned_numbers: list[SenderCompliance] = Field(description="Account numbers in no service.")
    findings: list[Finding] = Field(description="Problems, most severe first.")


async def compliance_status(services: Services, args: ComplianceInput) -> ComplianceOutput:
    report = await compliance.compliance_status(services, args.service_sid)
    report["findings"].sort(key=lambda f: f["severity"] != "error")
    return ComplianceOutput.model_validate(report)


def _sender_summary(verb: str) -> Any:
    return lambda a: (
        f"{verb} number {a['phone_number_sid']} {'to' if verb == 'Add' else 'from'} service {a['service_sid']}."
    )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="messaging_services_list",
        title="List messaging services",
        description="Messaging Services (sender pools) on the account with their settings.",
        toolset="messaging",
        tier=Tier.READ,
        input=ServicesListInput,
        output=ServicesListOutput,
        handler=messaging_services_list,
    ),
    ToolSpec(
        name="messaging_service_get",
        title="Get messaging service",
        description="One Messaging Service's settings and its phone number senders.",
        toolset="messaging",
        tier=Tier.READ,
        input=ServiceGetInput,
        output=ServiceResult,
        handler=messaging_service_get,
    ),
    ToolSpec(
        name="messaging_service_create",
        title="Create messaging service",
        description="Create a Messaging Service to send from a pool of numbers. Free. Live mode needs https URLs.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=ServiceCreateInput,
        output=ServiceResult,
        handler=messaging_service_create,
        precheck=check_service_create,
        summary=lambda a: f"Create Messaging Service {a['friendly_name']}.",
    ),
    ToolSpec(
        name="messaging_service_update",
        title="Update messaging service",
        description="Change a Messaging Service's name, webhooks or sending settings. Live mode needs https URLs.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=ServiceUpdateInput,
        output=ServiceResult,
        handler=messaging_service_update,
        idempotent=True,
        precheck=check_service_update,
        summary=lambda a: f"Change settings of Messaging Service {a['sid']}.",
    ),
    ToolSpec(
        name="messaging_service_sender_add",
        title="Add sender to service",
        description="Add one of your phone numbers to a Messaging Service's sender pool.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=SenderInput,
        output=ServiceResult,
        handler=messaging_service_sender_add,
        summary=_sender_summary("Add"),
    ),
    ToolSpec(
        name="messaging_service_sender_remove",
        title="Remove sender from service",
        description="Take a phone number out of a Messaging Service's sender pool; the number is kept.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=SenderInput,
        output=ServiceResult,
        handler=messaging_service_sender_remove,
        summary=_sender_summary("Remove"),
    ),
    ToolSpec(
        name="compliance_status",
        title="Sender compliance status",
        description="A2P 10DLC campaign and toll-free verification status per sender, with blocking problems "
        "(30032/30033/30034) and fixes.",
        toolset="messaging",
        tier=Tier.READ,
        input=ComplianceInput,
        output=ComplianceOutput,
        handler=compliance_status,
    ),
)
