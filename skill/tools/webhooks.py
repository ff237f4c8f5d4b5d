"""Tools for the webhook receiver: what arrived, a message's callback history, signature checks, probes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from skill.core import webhooks as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.core.twiml_checks import Finding
from skill.core.urls import MAX_URL_LENGTH
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.records.messages import MessageReport
from skill.results import ErrorBrief, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import AccountSid, MessageSid

EventKind = Literal["sms_status", "sms_inbound", "voice_status", "email_event", "email_inbound"]


class WebhookEvent(Model):
    id: int = Field(description="Store id; higher arrived later.")
    kind: str = Field(description="sms_status, sms_inbound, voice_status, email_event or email_inbound.")
    sid: str | None = Field(default=None, description="Message, call or SendGrid message id.")
    status: str | None = Field(default=None, description="Status reported, e.g. delivered, completed, bounce.")
    account_sid: str | None = Field(default=None, description="Account that owns the resource.")
    error_code: int | None = Field(default=None, description="Twilio error code reported, if any.")
    received_at: float = Field(description="Unix time it was stored.")
    processed_at: float | None = Field(default=None, description="Unix time its effects were applied.")
    payload: dict[str, Any] = Field(description="The callback's fields as received.")


class WebhookEventsListInput(Model):
    sid: str | None = Field(default=None, description="Only events for this SID.")
    kind: EventKind | None = Field(default=None, description="Only this kind.")
    status: str | None = Field(default=None, description="Only this status.")
    since: datetime | None = Field(default=None, description="Only events stored at or after this time.")
    limit: int = Field(default=50, ge=1, le=1000, description="Most events to return.")


class WebhookEventsListOutput(ToolResult):
    events: list[WebhookEvent] = Field(description="Events, newest first.")
    count: int = Field(description="Number returned.")


async def webhook_events_list(services: Services, args: WebhookEventsListInput) -> WebhookEventsListOutput:
    items = core.list_events(
        services, sid=args.sid, kind=args.kind, status=args.status, since=args.since, limit=args.limit
    )
    return WebhookEventsListOutput(events=[WebhookEvent(**item) for item in items], count=len(items))


class Callback(WebhookEvent):
    error: ErrorBrief | None = Field(default=None, description="The callback's error explained.")


class MessageTimelineInput(Model):
    sid: MessageSid


class MessageTimelineOutput(ToolResult):
    message: MessageReport = Field(description="The message as Twilio reports it now, error explained.")
    callbacks: list[Callback] = Field(description="Status callbacks received for it, oldest first.")


async def message_timeline(services: Services, args: MessageTimelineInput) -> MessageTimelineOutput:
    result = await core.message_timeline(services, args.sid)
    return MessageTimelineOutput(
        message=result["message"], callbacks=[Callback(**item) for item in result["callbacks"]]
    )


class SignatureCheckInput(Model):
    url: str = Field(
        min_length=8, max_length=MAX_URL_LENGTH, description="The full URL Twilio called, with its query string."
    )
    params: dict[str, str] | None = Field(default=None, description="Form parameters received (form posts).")
    body: str | None = Field(default=None, description="Raw body (JSON posts signed with bodySHA256).")
    signature: str = Field(min_length=1, description="The X-Twilio-Signature header value.")
    account_sid: AccountSid


class SignatureCheckOutput(ToolResult):
    valid: bool = Field(description="True when the signature matches the request as given.")
    matched: str | None = Field(default=None, description="When invalid: the variant that would have matched.")
    matching_url: str | None = Field(default=None, description="The URL of that variant.")
    token_known: bool = Field(description="False when no auth token is known for account_sid.")
    variants_tried: int = Field(description="How many variants were tried.")


async def webhook_signature_check(services: Services, args: SignatureCheckInput) -> SignatureCheckOutput:
    if args.params is not None and args.body is not None:
        raise InputError(
            "Give params (form posts) or body (JSON posts), not both.",
            code="input.params_and_body",
            remediation=["Form posts: pass params. JSON posts whose URL has bodySHA256: pass body."],
        )
    params = {name: [value] for name, value in args.params.items()} if args.params else None
    result = core.check_signature(
        services, url=args.url, params=params, body=args.body, signature=args.signature, account_sid=args.account_sid
    )
    return SignatureCheckOutput(**result)


class ProbeInput(Model):
    url: str = Field(
        min_length=8, max_length=MAX_URL_LENGTH, description="Webhook URL to call, as configured on a number."
    )
    kind: Literal["sms", "voice"] = Field(default="sms", description="Incoming-message or incoming-call request.")


class ProbeOutput(ToolResult):
    url: str = Field(description="The URL called.")
    kind: str = Field(description="sms or voice.")
    reachable: bool = Field(description="False when no HTTP answer came back.")
    status: int | None = Field(default=None, description="HTTP status answered.")
    latency_ms: float = Field(description="Time to the full answer, in milliseconds.")
    content_type: str | None = Field(default=None, description="Content-Type answered.")
    problem: str | None = Field(default=None, description="Why Twilio would fail on this answer, if it would.")
    findings: list[Finding] = Field(description="TwiML lint findings on the answer.")


def check_webhook_probe(services: Services, args: ProbeInput) -> None:
    core.check_probe_url(services, args.url)


async def webhook_probe(services: Services, args: ProbeInput) -> ProbeOutput:
    return ProbeOutput(**await core.probe(services, url=args.url, kind=args.kind))


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="webhook_events_list",
        title="List webhook events",
        description="Callbacks the webhook receiver stored (status, inbound, email), filtered by SID, kind, status.",
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
        description="A message as Twilio reports it plus every status callback received for it, errors explained.",
        toolset="monitor",
        tier=Tier.READ,
        input=MessageTimelineInput,
        output=MessageTimelineOutput,
        handler=message_timeline,
    ),
    ToolSpec(
        name="webhook_signature_check",
        title="Check webhook signature",
        description="Is an X-Twilio-Signature valid for a request; if not, which URL or account variant would match.",
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
        description="POST a signed test request to a configured webhook URL as Twilio would; reports status, "
        "latency and TwiML problems.",
        toolset="monitor",
        tier=Tier.WRITE,
        input=ProbeInput,
        output=ProbeOutput,
        handler=webhook_probe,
        precheck=check_webhook_probe,
        summary=lambda a: f"Send a signed test {a.get('kind', quoted('sms'))} webhook request to {a['url']}.",
    ),
)
