"""Programmable Messaging: send (with opt-out, idempotency and length checks, Content templates and
WhatsApp's 24-hour window), read, list, cancel, and preview segments. The opt-out list is
skill.core.optouts; templates are skill.core.content, the window skill.core.whatsapp_window."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from skill.catalog import brief
from skill.core import content, phones, pricing
from skill.core.context import Services
from skill.core.optouts import opted_out
from skill.core.segments import analyze
from skill.core.send_keys import SendKey, send_once
from skill.core.timeutil import as_utc
from skill.core.urls import check_twilio_urls
from skill.core.whatsapp_window import is_whatsapp, session_window, template_not_approved, template_required
from skill.errors import InputError, PolicyError, twilio_docs_url
from skill.records.messages import BodyPreview, Message, MessageReport, SentMessage
from skill.records.page import Page
from skill.records.pricing import Estimate

SEND_TOOL = "message_send"  # idempotency keys are kept per tool and profile
MAX_BODY_CHARACTERS = 1600
FAILED_STATUSES = ("failed", "undelivered")
# Twilio's list API cannot filter by status: at most this many messages are looked through per call.
STATUS_SCAN = 1000


ONE_OF = "Give one of: body / media_urls / content_sid (a body may caption media_urls)."


def _check_content_shape(
    *, body: str | None, media_urls: list[str], content_sid: str | None, content_variables: dict[str, Any] | None
) -> None:
    """Raises:
    InputError: nothing to send, a template beside a body or media, or variables without a template.
    """
    if content_sid and (body or media_urls):
        raise InputError(
            "A message is either free-form (body, media_urls) or a template (content_sid), not both.",
            code="input.content_conflict",
            remediation=[ONE_OF, "For a template, put the text's values in content_variables instead of body."],
        )
    if content_variables and not content_sid:
        raise InputError(
            "content_variables fill a template, and no content_sid was given.",
            code="input.content_sid_required",
            remediation=["Add the template's content_sid (see content_templates_list), or leave the variables out."],
        )
    if not body and not media_urls and not content_sid:
        raise InputError(
            "The message is empty.",
            code="input.body_required",
            twilio_code=21602,
            remediation=[ONE_OF, "media_urls are MMS (US and Canada) or WhatsApp; content_sid is a Content template."],
        )


def _check_send_shape(
    *, body: str | None, from_: str | None, messaging_service_sid: str | None, media_urls: list[str], send_at: Any
) -> None:
    """Raises:
    InputError: sender missing or doubled, body too long, schedule without a service.
    """
    if not from_ and not messaging_service_sid:
        raise InputError(
            "A message needs a sender: give either 'from' or messaging_service_sid.",
            code="input.sender_required",
            twilio_code=21603,
            remediation=[
                "Pass 'from' with one of the account's SMS-capable numbers (see the numbers tools), or",
                "pass messaging_service_sid to let a Messaging Service pick the sender.",
            ],
        )
    if from_ and messaging_service_sid:
        raise InputError(
            "Give either 'from' or messaging_service_sid, not both.",
            code="input.sender_conflict",
            remediation=["Keep messaging_service_sid to let the service choose, or keep 'from' to pin the sender."],
        )
    if body and len(body) > MAX_BODY_CHARACTERS:
        raise InputError(
            f"The body has {len(body)} characters; Twilio accepts at most {MAX_BODY_CHARACTERS}. Nothing was sent.",
            code="input.body_too_long",
            twilio_code=21617,
            remediation=[
                f"Shorten the body to {MAX_BODY_CHARACTERS} characters or fewer (message_preview shows the size).",
                "Or split it into several messages, or send a link to the full text.",
            ],
        )
    if send_at is not None and not messaging_service_sid:
        raise InputError(
            "Scheduling a message (send_at) needs a Messaging Service.",
            code="input.schedule_requires_service",
            twilio_code=35118,
            remediation=["Pass messaging_service_sid instead of 'from' to schedule, or leave send_at out."],
        )


def _digest(args: dict[str, Any]) -> str:
    canonical = json.dumps(args, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _refuse_opted_out(services: Services, to: str, sender: str) -> None:
    """Raises:
    PolicyError: policy.opted_out when the recipient is on the opt-out list (for all or this sender).
    """
    addresses = dict.fromkeys((to, phones.bare_number(to)))
    if any(opted_out(services, address, sender) for address in addresses):
        raise PolicyError(
            "The recipient has opted out of messages (replied STOP or was added to the opt-out list). "
            "Nothing was sent.",
            code="policy.opted_out",
            twilio_code=21610,
            docs_url=twilio_docs_url(21610),
            remediation=[
                "Do not send to this recipient; remove them from the recipient list.",
                "They can opt back in by texting START to your sender.",
                "Only with their consent on record, an operator may lift it with optout_remove (needs approval).",
            ],
        )


def check_send(
    services: Services,
    *,
    to: str,
    body: str | None,
    from_: str | None,
    messaging_service_sid: str | None,
    media_urls: list[str],
    send_at: datetime | None,
    status_callback: str | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, Any] | None = None,
) -> tuple[str, str | None]:
    """Every local rule of a send, before any request or approval: the normalised (to, from).

    Raises:
        InputError: missing or conflicting arguments, invalid numbers or URLs, body too long.
        PolicyError: policy.opted_out when the recipient opted out.
    """
    _check_content_shape(body=body, media_urls=media_urls, content_sid=content_sid, content_variables=content_variables)
    _check_send_shape(
        body=body, from_=from_, messaging_service_sid=messaging_service_sid, media_urls=media_urls, send_at=send_at
    )
    check_twilio_urls({"media_urls": media_urls, "status_callback": status_callback})
    region = services.settings.default_region
    to_address = phones.normalize_address(to, region=region, field="to")
    sender = phones.normalize_sender(from_, region=region) if from_ else None
    _refuse_opted_out(services, to_address, sender or str(messaging_service_sid))
    return to_address, sender


async def check_channel_rules(
    services: Services,
    to_address: str,
    sender: str | None,
    content_sid: str | None,
    content_variables: dict[str, Any] | None,
) -> str | None:
    """The rules that need Twilio's answers, before anything is sent: a template's variables match the
    template, and a WhatsApp send outside the 24-hour window is an approved template. The variables as
    the JSON Twilio takes, for a template send.

    Raises:
        InputError: variables missing or unknown, free-form outside the window, template not approved.
        UpstreamError: the template or the message list could not be read.
    """
    values = None
    if content_sid:
        template = await services.twilio.content.fetch(content_sid)
        values = content.check_send_variables(template, content_variables or {})
    if is_whatsapp(to_address):
        window = await session_window(services, to_address, sender)
        if not window.open and not content_sid:
            raise template_required(to_address)
        if not window.open and content_sid:
            approval = await services.twilio.content.whatsapp_approval(content_sid)
            if approval is None or approval.status != "approved":
                raise template_not_approved(content_sid, approval)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")) if values else None


async def send_message(
    services: Services,
    *,
    to: str,
    body: str | None,
    from_: str | None,
    messaging_service_sid: str | None,
    media_urls: list[str] | None = None,
    status_callback: str | None = None,
    validity_period: int | None = None,
    send_at: datetime | None = None,
    idempotency_key: str | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, Any] | None = None,
) -> SentMessage:
    """Send (or schedule) one message after the local checks; a repeated idempotency key replays.

    Raises:
        InputError: bad or missing arguments, invalid numbers, a template's variables not matching it,
            free-form WhatsApp outside the 24-hour window, or a reused key with other arguments.
        PolicyError: policy.opted_out; nothing was sent.
        UpstreamError: Twilio refused the message.
    """
    media = list(media_urls or [])
    to_address, sender = check_send(
        services,
        to=to,
        body=body,
        from_=from_,
        messaging_service_sid=messaging_service_sid,
        media_urls=media,
        send_at=send_at,
        status_callback=status_callback,
        content_sid=content_sid,
        content_variables=content_variables,
    )
    scheduled_for = as_utc(send_at) if send_at is not None else None
    request = {
        "to": to_address,
        "from": sender,
        "messaging_service_sid": messaging_service_sid,
        "body": body,
        "media_urls": media,
        "status_callback": status_callback,
        "validity_period": validity_period,
        "send_at": scheduled_for.isoformat() if scheduled_for else None,
        "content_sid": content_sid,
        "content_variables": content_variables,
    }

    async def create() -> Message:
        # Checked here, after an idempotency key's replay but before the send: a replay stays one.
        variables_json = await check_channel_rules(services, to_address, sender, content_sid, content_variables)
        return await services.twilio.messages.create(
            to=to_address,
            body=body,
            from_=sender,
            messaging_service_sid=messaging_service_sid,
            media_url=media or None,
            status_callback=status_callback,
            validity_period=validity_period,
            send_at=scheduled_for,
            schedule_type="fixed" if scheduled_for else None,
            content_sid=content_sid,
            content_variables=variables_json,
        )

    if not idempotency_key:
        return SentMessage(**(await create()).model_dump(), replayed=False)
    key = SendKey(key=idempotency_key, tool=SEND_TOOL, profile=services.profile, digest=_digest(request))
    message, replayed = await send_once(services, key, request, create)
    return SentMessage(**message.model_dump(), replayed=replayed)


async def get_message(services: Services, sid: str) -> MessageReport:
    """One message; a failed or undelivered one comes with its error explained.

    Raises:
        UpstreamError: twilio.20404 when there is no such message.
    """
    message = await services.twilio.messages.fetch(sid)
    code = message.error_code
    failed = message.status in FAILED_STATUSES and code
    error = brief(code, services.settings, message.error_message) if failed and code else None
    return MessageReport(**message.model_dump(), error=error)


async def list_messages(
    services: Services,
    *,
    to: str | None,
    from_: str | None,
    status: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Message]:
    """Messages, newest first. to/from/dates filter at Twilio; a status is matched here, over at most
    STATUS_SCAN messages per call (the page says how many it scanned and whether more are left).

    Raises:
        InputError: a filter number is not valid, or the cursor is not one of ours.
    """
    region = services.settings.default_region
    return await services.twilio.messages.list(
        to=phones.normalize_address(to, region=region, field="to") if to else None,
        from_=phones.normalize_sender(from_, region=region) if from_ else None,
        date_sent_after=as_utc(after) if after else None,
        date_sent_before=as_utc(before) if before else None,
        limit=limit,
        cursor=cursor,
        keep=(lambda message: message.status == status) if status is not None else None,
        scan=STATUS_SCAN,
        kept_by={"status": status},
    )


async def cancel_message(services: Services, sid: str) -> Message:
    """Cancel a scheduled message before it goes out.

    Raises:
        UpstreamError: twilio.30409 when the message is not scheduled (any more).
    """
    return await services.twilio.messages.cancel(sid)


def preview_message(body: str) -> BodyPreview:
    """Encoding, segment count and size of a body, computed locally; nothing is sent."""
    info = analyze(body)
    return BodyPreview(
        encoding=info.encoding,
        segments=info.segments,
        length=info.units,
        unit=info.unit_name,
        characters=info.characters,
        per_segment=info.per_segment,
        single_segment_limit=info.single_limit,
        ucs2_characters=list(info.ucs2_characters),
        too_long=info.characters > MAX_BODY_CHARACTERS,
    )


async def preview_cost(services: Services, preview: BodyPreview, to: str) -> Estimate:
    """The estimated cost of sending a previewed body to `to`: its segments at the destination's price.

    Raises:
        InputError: `to` is not a valid phone number.
        NotFoundError: not_found.price when Twilio lists no SMS price for its country.
        UpstreamError: the Pricing API failed.
    """
    return await pricing.message_price(services, to, segments=max(preview.segments, 1))
