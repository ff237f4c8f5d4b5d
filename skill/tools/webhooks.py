"""Tools for the webhook receiver: what arrived, a message's callback history, signature checks, probes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from skill.core import probe as probes
from skill.core import webhooks as core
from skill.core.context import Services
from skill.core.signature_check import check_signature, form_parameters
from skill.core.urls import MAX_URL_LENGTH
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.webhooks import MessageTimeline, SignatureVerdict, WebhookEvent
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import AccountSid, After, Before, Cursor, JsonObject, Limit, MessageSid

EventKind = Literal["sms_status", "sms_inbound", "voice_status", "email_event", "email_inbound"]
MAX_BODY_CHARS = 100_000


class WebhookEventsListInput(Model):
    resource_sid: str | None = Field(
        default=None, min_length=1, max_length=64, description="Only for this message, call or email id."
    )
    kind: EventKind | None = Field(default=None)
    status: str | None = Field(default=None, min_length=1, max_length=64)
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class WebhookEventsListOutput(ListResult[WebhookEvent]):
    pass


async def webhook_events_list(services: Services, args: WebhookEventsListInput) -> WebhookEventsListOutput:
    page = core.list_events(
        services,
        resource_sid=args.resource_sid,
        kind=args.kind,
        status=args.status,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return WebhookEventsListOutput.of(page)


class MessageTimelineInput(Model):
    sid: MessageSid


class MessageTimelineOutput(ToolResult, MessageTimeline):
    pass


async def message_timeline(services: Services, args: MessageTimelineInput) -> MessageTimelineOutput:
    return MessageTimelineOutput(**(await core.message_timeline(services, args.sid)).model_dump())


class SignatureCheckInput(Model):
    url: str = Field(min_length=8, max_length=MAX_URL_LENGTH, description="The URL Twilio called, with query.")
    parameters: JsonObject | None = Field(default=None, description="JSON object: the form fields received; or body.")
    body: str | None = Field(
        default=None,
        max_length=MAX_BODY_CHARS,
        description="Raw JSON body (bodySHA256 URLs); or parameters.",
    )
    signature: str = Field(min_length=1, max_length=128, description="X-Twilio-Signature header.")
    account_sid: AccountSid


class SignatureCheckOutput(ToolResult, SignatureVerdict):
    pass


async def webhook_signature_check(services: Services, args: SignatureCheckInput) -> SignatureCheckOutput:
    verdict = check_signature(
        services,
        url=args.url,
        parameters=form_parameters(args.parameters) if args.parameters is not None else None,
        body=args.body,
        signature=args.signature,
        account_sid=args.account_sid,
    )
    return SignatureCheckOutput(**verdict.model_dump())


class ProbeInput(Model):
    url: str = Field(min_length=8, max_length=MAX_URL_LENGTH, description="A number's webhook URL.")
    kind: probes.ProbeKind = Field(default="sms", description="Incoming message or call.")


class ProbeOutput(ToolResult, probes.ProbeReport):
    pass


def check_webhook_probe(services: Services, args: ProbeInput) -> None:
    probes.check_probe_url(services, args.url)


async def inspect_webhook_probe(services: Services, args: ProbeInput) -> Impact:
    return await probes.probe_impact(services, url=args.url, kind=args.kind)


async def webhook_probe(services: Services, args: ProbeInput) -> ProbeOutput:
    return ProbeOutput(**(await probes.probe(services, url=args.url, kind=args.kind)).model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="webhook_events_list",
        title="List webhook events",
        description="Callbacks our webhook receiver stored: statuses, inbound SMS, email events.",
        toolset="monitor",
        tier=Tier.READ,
        input=WebhookEventsListInput,
        output=WebhookEventsListOutput,
        handler=webhook_events_list,
        open_world=False,
    ),
    ToolSpec(
        name="message_timeline",
        title="Message timeline",
        description="A message and every status callback received for it, errors explained.",
        toolset="monitor",
        tier=Tier.READ,
        input=MessageTimelineInput,
        output=MessageTimelineOutput,
        handler=message_timeline,
    ),
    ToolSpec(
        name="webhook_signature_check",
        title="Check webhook signature",
        description="Check an X-Twilio-Signature; when invalid, which URL or account variant matches.",
        toolset="monitor",
        tier=Tier.READ,
        input=SignatureCheckInput,
        output=SignatureCheckOutput,
        handler=webhook_signature_check,
        open_world=False,
    ),
    ToolSpec(
        name="webhook_probe",
        title="Probe webhook",
        description="Test a number's webhook URL with a signed request as Twilio sends it.",
        toolset="monitor",
        tier=Tier.WRITE,
        input=ProbeInput,
        output=ProbeOutput,
        handler=webhook_probe,
        precheck=check_webhook_probe,
        inspect=inspect_webhook_probe,
        summary=lambda a: f"Send a signed test {a['kind']} webhook request to {a['url']}.",
    ),
)
