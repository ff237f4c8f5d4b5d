"""Tools for Programmable Messaging (SMS, MMS, WhatsApp) and the opt-out list."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from skill.core import messaging as core
from skill.core import optouts
from skill.core.context import Services
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.records.messages import BodyPreview, Message, MessageReport, Optout, OptoutChange, SentMessage
from skill.records.pricing import Estimate
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import (
    After,
    Before,
    ContentSid,
    Cursor,
    HttpUrl,
    JsonObject,
    Limit,
    MessageSid,
    Phone,
    ServiceSid,
)

MessageStatus = Literal[
    "accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered", "undelivered",
    "receiving", "received", "read", "partially_delivered",
]  # fmt: skip


class MessageSendInput(Model):
    to: Phone = Field(description="E.164 (+14155550100), national, or whatsapp:+E.164.")
    body: str | None = Field(default=None, description="Text, up to 1600 characters. Preview with message_preview.")
    from_: Phone | None = Field(
        default=None, alias="from", description="Sender: your Twilio number, short code or alphanumeric ID."
    )
    messaging_service_sid: ServiceSid | None = Field(
        default=None, description="Messaging Service (MG...) that picks the sender; instead of from."
    )
    media_urls: list[HttpUrl] | None = Field(
        default=None, max_length=10, description="Public URLs of media to attach (MMS), up to 10."
    )
    content_sid: ContentSid | None = Field(
        default=None, description="Template (HX...); WhatsApp needs one 24h after the user last wrote."
    )
    content_variables: JsonObject | None = Field(default=None, description='JSON object, e.g. {"1":"Alex"}.')
    status_callback: HttpUrl | None = Field(default=None, description="URL Twilio posts status changes to.")
    validity_period: int | None = Field(default=None, ge=1, le=36000, description="Seconds it may queue.")
    send_at: datetime | None = Field(
        default=None,
        description="ISO 8601 time 15 min to 35 days ahead; needs messaging_service_sid.",
    )
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=128, description="Repeat with the same key to get the first result."
    )


class MessageSendOutput(ToolResult, SentMessage):
    pass


async def message_send(services: Services, args: MessageSendInput) -> MessageSendOutput:
    sent = await core.send_message(
        services,
        to=args.to,
        body=args.body,
        from_=args.from_,
        messaging_service_sid=args.messaging_service_sid,
        media_urls=args.media_urls,
        status_callback=args.status_callback,
        validity_period=args.validity_period,
        send_at=args.send_at,
        idempotency_key=args.idempotency_key,
        content_sid=args.content_sid,
        content_variables=args.content_variables,
    )
    return MessageSendOutput(**sent.model_dump())


def check_message_send(services: Services, args: MessageSendInput) -> None:
    core.check_send(
        services,
        to=args.to,
        body=args.body,
        from_=args.from_,
        messaging_service_sid=args.messaging_service_sid,
        media_urls=list(args.media_urls or []),
        send_at=args.send_at,
        status_callback=args.status_callback,
        content_sid=args.content_sid,
        content_variables=args.content_variables,
    )


class MessageGetInput(Model):
    sid: MessageSid


class MessageGetOutput(ToolResult, MessageReport):
    pass


async def message_get(services: Services, args: MessageGetInput) -> MessageGetOutput:
    return MessageGetOutput(**(await core.get_message(services, args.sid)).model_dump())


class MessagesListInput(Model):
    to: Phone | None = Field(default=None, description="Only messages to this number.")
    from_: Phone | None = Field(default=None, alias="from", description="Only messages from this sender.")
    status: MessageStatus | None = Field(
        default=None, description="Only this status (matched after fetching; see scanned)."
    )
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class MessagesListOutput(ListResult[Message]):
    pass


async def messages_list(services: Services, args: MessagesListInput) -> MessagesListOutput:
    page = await core.list_messages(
        services,
        to=args.to,
        from_=args.from_,
        status=args.status,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return MessagesListOutput.of(page)


class MessageCancelInput(Model):
    sid: MessageSid


class MessageOutput(ToolResult, Message):
    pass


async def message_cancel(services: Services, args: MessageCancelInput) -> MessageOutput:
    return MessageOutput(**(await core.cancel_message(services, args.sid)).model_dump())


class MessagePreviewInput(Model):
    body: str = Field(max_length=10000)
    to: Phone | None = Field(default=None, description="Recipient, to estimate the cost; leave out to stay local.")


class MessagePreviewOutput(ToolResult, BodyPreview):
    cost: Estimate | None = Field(default=None, description="Estimated cost to `to` from published prices.")


async def message_preview(services: Services, args: MessagePreviewInput) -> MessagePreviewOutput:
    preview = core.preview_message(args.body)
    cost = await core.preview_cost(services, preview, args.to) if args.to is not None else None
    return MessagePreviewOutput(**preview.model_dump(), cost=cost)


class OptoutListInput(Model):
    limit: Limit = 100
    cursor: Cursor | None = None


class OptoutListOutput(ListResult[Optout]):
    pass


async def optout_list(services: Services, args: OptoutListInput) -> OptoutListOutput:
    return OptoutListOutput.of(optouts.list_optouts(services, args.limit, args.cursor))


class OptoutPhoneInput(Model):
    phone_number: Phone = Field(description="E.164, national, or whatsapp:+E.164.")


class OptoutChangeOutput(ToolResult, OptoutChange):
    pass


async def optout_add(services: Services, args: OptoutPhoneInput) -> OptoutChangeOutput:
    return OptoutChangeOutput(**optouts.add_optout(services, args.phone_number).model_dump())


def check_optout_phone(services: Services, args: OptoutPhoneInput) -> None:
    optouts.optout_address(services, args.phone_number)


async def inspect_optout_remove(services: Services, args: OptoutPhoneInput) -> Impact:
    return optouts.removal_impact(services, args.phone_number)


async def optout_remove(services: Services, args: OptoutPhoneInput) -> OptoutChangeOutput:
    return OptoutChangeOutput(**optouts.remove_optout(services, args.phone_number).model_dump())


def _send_summary(args: dict[str, Any]) -> str:
    sender = args.get("from") or args.get("messaging_service_sid")
    media = len(args.get("media_urls") or [])
    attached = f" with {media} media file(s)" if media else ""
    text = f": {args['body']}" if args.get("body") else ""
    if args.get("content_sid"):
        text = f": template {args['content_sid']}"
    return f"Send a message to {args.get('to')} from {sender}{attached}{text}."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="message_send",
        title="Send message",
        description="Send an SMS, MMS or WhatsApp message (or schedule one). Give one of: body / media_urls / "
        "content_sid. Costs money per segment; refuses opted-out recipients.",
        toolset="messaging",
        tier=Tier.SEND,
        input=MessageSendInput,
        output=MessageSendOutput,
        handler=message_send,
        summary=_send_summary,
        destination="to",
        precheck=check_message_send,
    ),
    ToolSpec(
        name="message_get",
        title="Get message",
        description="One message's status, price and segments, with its error explained if it failed.",
        toolset="messaging",
        tier=Tier.READ,
        input=MessageGetInput,
        output=MessageGetOutput,
        handler=message_get,
    ),
    ToolSpec(
        name="messages_list",
        title="List messages",
        description="Messages newest first, filtered by recipient, sender, send date or status.",
        toolset="messaging",
        tier=Tier.READ,
        input=MessagesListInput,
        output=MessagesListOutput,
        handler=messages_list,
    ),
    ToolSpec(
        name="message_cancel",
        title="Cancel scheduled message",
        description="Cancel a message whose status is 'scheduled', before it is sent.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=MessageCancelInput,
        output=MessageOutput,
        handler=message_cancel,
        idempotent=True,
        summary=lambda a: f"Cancel scheduled message {a['sid']}.",
    ),
    ToolSpec(
        name="message_preview",
        title="Preview message segments",
        description="Encoding (GSM-7/UCS-2) and segment count of a body; with `to`, its estimated cost. Sends nothing.",
        toolset="messaging",
        tier=Tier.READ,
        input=MessagePreviewInput,
        output=MessagePreviewOutput,
        handler=message_preview,
    ),
    ToolSpec(
        name="optout_list",
        title="List opt-outs",
        description="Recipients on the local opt-out list; message_send refuses them.",
        toolset="messaging",
        tier=Tier.READ,
        input=OptoutListInput,
        output=OptoutListOutput,
        handler=optout_list,
        open_world=False,
    ),
    ToolSpec(
        name="optout_add",
        title="Add opt-out",
        description="Put a recipient on the opt-out list so no message is sent to them.",
        toolset="messaging",
        tier=Tier.WRITE,
        input=OptoutPhoneInput,
        output=OptoutChangeOutput,
        handler=optout_add,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Stop all messages to {a['phone_number']}.",
    ),
    ToolSpec(
        name="optout_remove",
        title="Remove opt-out",
        description="Take a recipient off the opt-out list so they can be messaged again. Only with renewed consent.",
        toolset="messaging",
        tier=Tier.DESTRUCTIVE,
        input=OptoutPhoneInput,
        output=OptoutChangeOutput,
        handler=optout_remove,
        idempotent=True,
        open_world=False,
        summary=lambda a: f"Allow messages again to {a['phone_number']}, who had opted out (re-enables sends).",
        precheck=check_optout_phone,
        inspect=inspect_optout_remove,
    ),
)
