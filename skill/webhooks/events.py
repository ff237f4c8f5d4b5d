"""From a verified callback to the events stored for it, each with the key that deduplicates it.

Twilio's I-Twilio-Idempotency-Token is the same on every retry of one delivery, so it wins when
present; otherwise the key is built from what makes a callback unique: MessageSid:MessageStatus,
CallSid:CallStatus:SequenceNumber, or SendGrid's sg_event_id. The write itself is
SqliteWebhookEventStore.record, one transaction, committed before the receiver answers 2xx.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from skill.core.values import int_or_none
from skill.stores.webhook_events import NewEvent, SqliteWebhookEventStore

SMS_STATUS = "sms_status"
SMS_INBOUND = "sms_inbound"
VOICE_STATUS = "voice_status"
EMAIL_EVENT = "email_event"
EMAIL_INBOUND = "email_inbound"
KINDS = (SMS_STATUS, SMS_INBOUND, VOICE_STATUS, EMAIL_EVENT, EMAIL_INBOUND)


def _single(params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """One value per name (the first), and a list where Twilio repeated a name."""
    return {name: values[0] if len(values) == 1 else list(values) for name, values in params.items() if values}


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def twilio_event(
    kind: str, params: Mapping[str, Sequence[str]], *, idempotency_token: str | None, raw_body: bytes
) -> NewEvent:
    """The event for one Twilio callback (form or JSON fields already flattened into params)."""
    payload = _single(params)
    sid: str | None
    status: str | None
    if kind == VOICE_STATUS:
        sid, status = payload.get("CallSid"), payload.get("CallStatus")
        natural = f"{sid}:{status}:{payload.get('SequenceNumber', '')}" if sid and status else None
    else:
        sid = payload.get("MessageSid") or payload.get("SmsSid")
        status = payload.get("MessageStatus") or payload.get("SmsStatus")
        if kind == SMS_INBOUND:
            status = status or "received"
            natural = f"{sid}:inbound" if sid else None
        else:
            natural = f"{sid}:{status}" if sid and status else None
    # The token is the same on every retry of one delivery; without it, the callback's own identity.
    key = f"token:{idempotency_token}" if idempotency_token else natural or f"{kind}:body:{_digest(raw_body)}"
    return NewEvent(
        dedupe_key=key,
        kind=kind,
        sid=str(sid) if sid else None,
        status=str(status) if status else None,
        account_sid=payload.get("AccountSid"),
        error_code=int_or_none(payload.get("ErrorCode")),
        payload=payload,
    )


def sendgrid_events(raw_body: bytes) -> list[NewEvent]:
    """The events of one SendGrid Event Webhook post (a JSON array).

    Raises:
        ValueError: the body is not a JSON array of objects.
    """
    data = json.loads(raw_body)
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("expected a JSON array of event objects")
    events: list[NewEvent] = []
    for item in data:
        event_id = item.get("sg_event_id")
        canonical = json.dumps(item, sort_keys=True, separators=(",", ":")).encode()
        events.append(
            NewEvent(
                dedupe_key=f"sendgrid:{event_id}" if event_id else f"sendgrid:body:{_digest(canonical)}",
                kind=EMAIL_EVENT,
                sid=item.get("sg_message_id"),
                status=item.get("event"),
                account_sid=None,
                error_code=None,
                payload=item,
            )
        )
    return events


# Inbound Parse fields worth keeping; the raw MIME and attachments are not stored.
PARSE_FIELDS = ("from", "to", "cc", "subject", "text", "html", "envelope", "spam_score", "SPF", "dkim", "sender_ip")


def inbound_parse_event(fields: Mapping[str, str], raw_body: bytes) -> NewEvent:
    """The event for one SendGrid Inbound Parse post; a redelivery of the same post has the same key."""
    payload: dict[str, Any] = {name: fields[name] for name in PARSE_FIELDS if name in fields}
    payload["attachments"] = int_or_none(fields.get("attachments")) or 0
    return NewEvent(
        dedupe_key=f"parse:{_digest(raw_body)}",
        kind=EMAIL_INBOUND,
        sid=None,
        status="received",
        account_sid=None,
        error_code=None,
        payload=payload,
    )


def store_events(store: SqliteWebhookEventStore, events: Sequence[NewEvent]) -> list[bool]:
    """Write events durably (one transaction); True for each that was new."""
    return store.record(events) if events else []
