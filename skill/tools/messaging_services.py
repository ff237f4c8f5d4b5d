"""Tools for Messaging Services (sender pools and their settings) and sender compliance (A2P 10DLC,
toll-free verification)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from skill.core import compliance
from skill.core import messaging_services as core
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.compliance import ComplianceReport
from skill.records.messaging_services import ConfiguredService, MessagingService, ServiceChanges, ServiceWithSenders
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import After, Before, Cursor, HttpUrl, Limit, NumberSid, ServiceSid

WEBHOOK_ARGS = ("inbound_request_url", "fallback_url", "status_callback")


class ServicesListInput(Model):
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class ServicesListOutput(ListResult[MessagingService]):
    pass


async def messaging_services_list(services: Services, args: ServicesListInput) -> ServicesListOutput:
    page = await core.list_services(
        services, after=args.after, before=args.before, limit=args.limit, cursor=args.cursor
    )
    return ServicesListOutput.of(page)


class ServiceGetInput(Model):
    sid: ServiceSid = Field(description="MG...")


class ServiceOutput(ToolResult, ServiceWithSenders):
    pass


async def messaging_service_get(services: Services, args: ServiceGetInput) -> ServiceOutput:
    return ServiceOutput(**(await core.get_service(services, args.sid)).model_dump())


class ServiceWebhooks(Model):
    inbound_request_url: HttpUrl | None = Field(default=None, description="Incoming message webhook.")
    fallback_url: HttpUrl | None = Field(default=None, description="Webhook if the inbound one fails.")
    status_callback: HttpUrl | None = Field(default=None, description="Delivery status webhook.")

    def changes(self) -> ServiceChanges:
        return ServiceChanges(**self.model_dump(include=set(ServiceChanges.model_fields)))


class ServiceCreateInput(ServiceWebhooks):
    friendly_name: str = Field(min_length=1, max_length=64)


class ConfiguredServiceOutput(ToolResult, ConfiguredService):
    pass


def check_service_create(services: Services, args: ServiceCreateInput) -> None:
    core.url_warnings(services, args.changes())


async def inspect_service_create(services: Services, args: ServiceCreateInput) -> Impact:
    return core.create_impact(args.friendly_name, args.changes())


async def messaging_service_create(services: Services, args: ServiceCreateInput) -> ConfiguredServiceOutput:
    created = await core.create_service(services, args.friendly_name, args.changes())
    return ConfiguredServiceOutput(**created.model_dump())


class ServiceUpdateInput(ServiceWebhooks):
    sid: ServiceSid = Field(description="MG...")
    friendly_name: str | None = Field(default=None, min_length=1, max_length=64)
    sticky_sender: bool | None = Field(default=None, description="Same sender per recipient.")
    area_code_geomatch: bool | None = Field(default=None, description="Prefer a local-area sender.")
    smart_encoding: bool | None = Field(default=None, description="Swap Unicode look-alikes for GSM-7.")
    validity_period: int | None = Field(default=None, ge=1, le=36000, description="Seconds a message may queue.")
    fallback_to_long_code: bool | None = Field(default=None, description="Retry failed short code sends.")


def check_service_update(services: Services, args: ServiceUpdateInput) -> None:
    core.nothing_to_change(args.changes())
    core.url_warnings(services, args.changes())


async def inspect_service_update(services: Services, args: ServiceUpdateInput) -> Impact:
    return await core.update_impact(services, args.sid, args.changes())


async def messaging_service_update(services: Services, args: ServiceUpdateInput) -> ConfiguredServiceOutput:
    updated = await core.update_service(services, args.sid, args.changes())
    return ConfiguredServiceOutput(**updated.model_dump())


class SenderInput(Model):
    service_sid: ServiceSid = Field(description="MG...")
    phone_number_sid: NumberSid


async def messaging_service_sender_add(services: Services, args: SenderInput) -> ServiceOutput:
    service = await core.add_sender(services, args.service_sid, args.phone_number_sid)
    return ServiceOutput(**service.model_dump())


async def messaging_service_sender_remove(services: Services, args: SenderInput) -> ServiceOutput:
    service = await core.remove_sender(services, args.service_sid, args.phone_number_sid)
    return ServiceOutput(**service.model_dump())


class ComplianceInput(Model):
    service_sid: ServiceSid | None = Field(default=None, description="Only this service.")


class ComplianceOutput(ToolResult, ComplianceReport):
    pass


async def compliance_status(services: Services, args: ComplianceInput) -> ComplianceOutput:
    return ComplianceOutput(**(await compliance.compliance_status(services, args.service_sid)).model_dump())


def _sender_summary(verb: str) -> Any:
    return lambda a: (
        f"{verb} number {a['phone_number_sid']} {'to' if verb == 'Add' else 'from'} service {a['service_sid']}."
    )


def _update_summary(args: dict[str, Any]) -> str:
    changed = ", ".join(f"{name}={value}" for name, value in args.items() if name != "sid" and value is not None)
    return f"Change Messaging Service {args['sid']}: {changed}."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="messaging_services_list",
        title="List messaging services",
        description="Messaging Services (sender pools).",
        toolset="messaging",
        tier=Tier.READ,
        input=ServicesListInput,
        output=ServicesListOutput,
        handler=messaging_services_list,
    ),
    ToolSpec(
        name="messaging_service_get",
        title="Get messaging service",
        description="A Messaging Service's settings and senders.",
        toolset="messaging",
        tier=Tier.READ,
        input=ServiceGetInput,
        output=ServiceOutput,
        handler=messaging_service_get,
    ),
    ToolSpec(
        name="messaging_service_create",
        title="Create messaging service",
        description="Create a Messaging Service (sender pool). Free.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=ServiceCreateInput,
        output=ConfiguredServiceOutput,
        handler=messaging_service_create,
        precheck=check_service_create,
        inspect=inspect_service_create,
        webhook_args=WEBHOOK_ARGS,
        summary=lambda a: f"Create Messaging Service {a['friendly_name']}.",
    ),
    ToolSpec(
        name="messaging_service_update",
        title="Update messaging service",
        description="Change a Messaging Service's webhooks or settings.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=ServiceUpdateInput,
        output=ConfiguredServiceOutput,
        handler=messaging_service_update,
        idempotent=True,
        precheck=check_service_update,
        inspect=inspect_service_update,
        webhook_args=WEBHOOK_ARGS,
        summary=_update_summary,
    ),
    ToolSpec(
        name="messaging_service_sender_add",
        title="Add sender to service",
        description="Add a phone number to a Messaging Service's sender pool.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=SenderInput,
        output=ServiceOutput,
        handler=messaging_service_sender_add,
        summary=_sender_summary("Add"),
    ),
    ToolSpec(
        name="messaging_service_sender_remove",
        title="Remove sender from service",
        description="Take a phone number out of a sender pool; the number is kept.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=SenderInput,
        output=ServiceOutput,
        handler=messaging_service_sender_remove,
        summary=_sender_summary("Remove"),
    ),
    ToolSpec(
        name="compliance_status",
        title="Sender compliance status",
        description="A2P 10DLC and toll-free verification status per sender: what blocks sends (30032-30034) "
        "and the fix.",
        toolset="messaging",
        tier=Tier.READ,
        input=ComplianceInput,
        output=ComplianceOutput,
        handler=compliance_status,
    ),
)
