"""From a verified callback to the events stored for it, each with the key that deduplicates it.

The key is built from signed content only, from what makes a callback unique: MessageSid:MessageStatus,
CallSid:CallStatus:SequenceNumber, the inbound MessageSid, SendGrid's sg_event_id, else a hash of
the signed body. Twilio's I-Twilio-Idempotency-Token is not covered by the signature, so it never
takes part: a captured callback replayed with a new token must still be a duplicate, and a token
copied onto a replay must not make a later genuine callback look like one. Every retry the token
marks carries the same signed content, so the content alone already deduplicates them. The write
itself is SqliteWebhookEventStore.record, one transaction, committed before the receiver answers 2xx.
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


def _text(value: Any) -> str | None:
    """A value fit for a text column: a non-empty string, else None (a repeated or nested field is not one)."""
    return value if isinstance(value, str) and value else None


def _error_code(value: Any) -> int | None:
    """Twilio's error code when it is one (five digits or so); anything that would not fit a column is None."""
    code = int_or_none(value) if isinstance(value, str) and len(value) <= 9 else None
    return code if code is not None and code >= 0 else None


def twilio_event(kind: str, params: Mapping[str, Sequence[str]], *, raw_body: bytes) -> NewEvent:
    """The event for one verified Twilio callback (form or JSON fields already flattened into params)."""
    payload = _single(params)
    sid: str | None
    status: str | None
    if kind == VOICE_STATUS:
        sid, status = _text(payload.get("CallSid")), _text(payload.get("CallStatus"))
        sequence = payload.get("SequenceNumber", "")
        natural = f"{sid}:{status}:{sequence}" if sid and status and isinstance(sequence, str) else None
    else:
        sid = _text(payload.get("MessageSid")) or _text(payload.get("SmsSid"))
        status = _text(payload.get("MessageStatus")) or _text(payload.get("SmsStatus"))
        if kind == SMS_INBOUND:
            status = status or "received"
            natural = f"{sid}:inbound" if sid else None
        else:
            natural = f"{sid}:{status}" if sid and status else None
    key = natural or f"{kind}:body:{_digest(raw_body)}"
    return NewEvent(
        dedupe_key=key,
        kind=kind,
        sid=sid,
        status=status,
        account_sid=_text(payload.get("AccountSid")),
        error_code=_error_code(payload.get("ErrorCode")),
        payload=payload,
    )


def sendgrid_events(data: Any) -> list[NewEvent]:
    """The events of one SendGrid Event Webhook post (its JSON body, already parsed within bounds).

    Raises:
        ValueError: the body is not a JSON array of objects.
    """
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("expected a JSON array of event objects")
    events: list[NewEvent] = []
    for item in data:
        event_id = _text(item.get("sg_event_id"))
        canonical = json.dumps(item, sort_keys=True, separators=(",", ":")).encode()
        events.append(
            NewEvent(
                dedupe_key=f"sendgrid:{event_id}" if event_id else f"sendgrid:body:{_digest(canonical)}",
                kind=EMAIL_EVENT,
                sid=_text(item.get("sg_message_id")),
                status=_text(item.get("event")),
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


def store_events_now(store: SqliteWebhookEventStore, events: Sequence[NewEvent]) -> list[bool] | None:
    """As store_events, when the store can be written without waiting; None when it cannot (nothing written)."""
    return store.record_now(events) if events else []
