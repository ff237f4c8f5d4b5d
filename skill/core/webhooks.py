"""What the webhook receiver stored, seen from the agent's side: events paged newest first, and a
message's callback history beside the message itself. Signature checks are skill.core.signature_check,
test requests skill.core.probe."""

from __future__ import annotations

from datetime import datetime

from skill.catalog import brief
from skill.core.context import Services
from skill.core.messaging import get_message
from skill.core.timeutil import as_utc, check_window, iso_timestamp
from skill.errors import InputError
from skill.records.events import StoredEvent
from skill.records.page import CursorError, Page, Position, decode_cursor, encode_cursor, filters_digest
from skill.records.webhooks import Callback, MessageTimeline, WebhookEvent

# A message's callbacks read for its timeline: a handful in practice, bounded all the same.
TIMELINE_CALLBACKS = 1000


def _event(stored: StoredEvent) -> WebhookEvent:
    return WebhookEvent(
        id=stored.id,
        kind=stored.kind,
        resource_sid=stored.sid,
        status=stored.status,
        account_sid=stored.account_sid,
        error_code=stored.error_code,
        received_at=iso_timestamp(stored.received_at),
        processed_at=iso_timestamp(stored.processed_at) if stored.processed_at is not None else None,
        payload=stored.payload,
    )


def _invalid_cursor() -> InputError:
    return InputError(
        "The cursor cannot be used: it is not one webhook_events_list gave out for these filters.",
        code="input.invalid_cursor",
        remediation=[
            "Pass next_cursor exactly as the previous page returned it, with the same filters.",
            "Or leave cursor out to start from the newest event.",
        ],
    )


def list_events(
    services: Services,
    *,
    resource_sid: str | None,
    kind: str | None,
    status: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[WebhookEvent]:
    """Stored webhook events, newest first, filtered by every argument given; a page goes on from
    the id where the previous one ended, so events stored meanwhile never shift it.

    Raises:
        InputError: the window is reversed, or the cursor is not one of ours for these filters.
    """
    check_window(after, before)
    filters = {"resource_sid": resource_sid, "kind": kind, "status": status, "after": after, "before": before}
    shown = {name: str(value) for name, value in filters.items() if value is not None}
    below_id = None
    if cursor:
        try:
            key = decode_cursor(cursor, shown).key
        except CursorError:
            raise _invalid_cursor() from None
        if not isinstance(key, int) or isinstance(key, bool):
            raise _invalid_cursor()
        below_id = key
    rows = services.stores.webhook_events.list(
        sid=resource_sid,
        kind=kind,
        status=status,
        since=as_utc(after).timestamp() if after else None,
        until=as_utc(before).timestamp() if before else None,
        below_id=below_id,
        limit=limit + 1,
    )
    shown_rows = rows[:limit]
    more = len(rows) > limit
    next_cursor = None
    if more:
        next_cursor = encode_cursor(Position(key=shown_rows[-1].id, filters=filters_digest(shown)))
    return Page(items=[_event(row) for row in shown_rows], has_more=more, next_cursor=next_cursor)


async def message_timeline(services: Services, sid: str) -> MessageTimeline:
    """The message as Twilio reports it, and every status callback received for it, oldest first.

    Raises:
        UpstreamError: twilio.20404 when Twilio has no such message.
    """
    message = await get_message(services, sid)
    callbacks = []
    for stored in services.stores.webhook_events.list(sid=sid, limit=TIMELINE_CALLBACKS, oldest_first=True):
        reported = stored.payload.get("ErrorMessage")
        error = (
            brief(stored.error_code, services.settings, reported if isinstance(reported, str) else None)
            if stored.error_code
            else None
        )
        callbacks.append(Callback(**_event(stored).model_dump(), error=error))
    return MessageTimeline(message=message, callbacks=callbacks)
