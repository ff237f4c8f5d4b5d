"""WhatsApp's 24-hour customer-service window: free text (and media) reaches a WhatsApp user only
within 24 hours of their last message to the business; outside it, only an approved template does.

The last inbound message is looked for in two places, the cheaper first:
1. the webhook receiver's stored inbound events (kind "sms_inbound"; WhatsApp posts there too), by
   the time we received them, over at most LOCAL_SCAN events of the last 24 hours;
2. Twilio's list of messages from that address (to our sender, when one is given), asked from the
   start of the day 24 hours back and checked by Twilio's own date_sent on the clock of whatever
   answers as Twilio.
The window is open when either finds one less than 24 hours old. The window belongs to a sender and a
user: when the send names its sender ('from'), only messages to that sender count; through a
Messaging Service the sender is not known beforehand, so a message to any sender counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from skill.core.context import Services
from skill.errors import InputError, twilio_docs_url
from skill.records.content import WhatsAppApproval
from skill.records.messages import Message

WINDOW_SECONDS = 24 * 3600
INBOUND_KIND = "sms_inbound"  # the webhook receiver's kind for inbound messages (skill.webhooks.events)
LOCAL_SCAN = 1000  # stored inbound events of the last 24 hours looked through
TWILIO_SCAN = 20  # Twilio messages from the user looked through
OUTSIDE_WINDOW_CODE = 63016  # Twilio's error for free-form WhatsApp outside the window


def is_whatsapp(address: str) -> bool:
    return address.startswith("whatsapp:")


@dataclass(frozen=True)
class SessionWindow:
    open: bool
    source: str | None = None  # "webhook" or "twilio": where the last inbound message was found


def _sent_at(message: Message) -> float | None:
    raw = message.date_sent or message.date_created
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).timestamp()


async def session_window(services: Services, user: str, sender: str | None) -> SessionWindow:
    """Whether `user` (whatsapp:+E.164) wrote to us (to `sender`, if given) in the last 24 hours.

    Raises:
        UpstreamError: Twilio's message list could not be read.
    """
    since = services.clock.now() - WINDOW_SECONDS
    for event in services.stores.webhook_events.list(kind=INBOUND_KIND, since=since, limit=LOCAL_SCAN):
        payload = event.payload
        if payload.get("From") == user and (sender is None or payload.get("To") == sender):
            return SessionWindow(open=True, source="webhook")
    upstream_since = services.upstream_clock.now() - WINDOW_SECONDS
    # Twilio's DateSent filter is documented by the day: ask from that day's start, check the hours here.
    day_start = datetime.fromtimestamp(upstream_since, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    recent = await services.twilio.messages.list(from_=user, to=sender, date_sent_after=day_start, limit=TWILIO_SCAN)
    for message in recent.items:
        sent_at = _sent_at(message)
        if (message.direction or "").startswith("inbound") and sent_at is not None and sent_at >= upstream_since:
            return SessionWindow(open=True, source="twilio")
    return SessionWindow(open=False)


def template_required(to: str) -> InputError:
    return InputError(
        f"{to} has not written to you in the last 24 hours, so WhatsApp takes no free-form message "
        "(body or media) there. Nothing was sent.",
        code="input.whatsapp_template_required",
        twilio_code=OUTSIDE_WINDOW_CODE,
        docs_url=twilio_docs_url(OUTSIDE_WINDOW_CODE),
        remediation=[
            "Send an approved template instead: message_send with content_sid (HX...) and content_variables.",
            "content_templates_list shows each template's WhatsApp approval status.",
            "Free text is allowed again for 24 hours after the user's next message to you.",
        ],
    )


def template_not_approved(sid: str, approval: WhatsAppApproval | None) -> InputError:
    status = (approval.status if approval else None) or "unsubmitted"
    reason = f" ({approval.rejection_reason})" if approval and approval.rejection_reason else ""
    return InputError(
        f"Template {sid} is '{status}'{reason} with WhatsApp, and the recipient has not written to you in the "
        "last 24 hours: only an approved template reaches them. Nothing was sent.",
        code="input.whatsapp_template_not_approved",
        twilio_code=OUTSIDE_WINDOW_CODE,
        docs_url=twilio_docs_url(OUTSIDE_WINDOW_CODE),
        remediation=[
            "Use a template whose WhatsApp status is 'approved' (content_templates_list shows them).",
            "Or submit this one (content_template_create with whatsapp_category) and wait for approval.",
        ],
    )
