"""After-write work, off the request path: opt-out changes and counters.

A worker started in the receiver's lifespan reads unprocessed events from the store and applies
their effects in the same transaction that marks them processed. Whatever was acknowledged before
a crash is still unprocessed in the store, so the next start processes it, once.

An inbound message acts once per MessageSid. The receiver stores each MessageSid once, but rows
written under other keys (by an earlier version, which keyed on the unsigned idempotency token) can
hold the same message again; such a row changes nothing, whatever order rows arrive or are processed
in, so a replayed old START cannot undo a later STOP.
"""

from __future__ import annotations

import logging

import anyio

from skill.config import Settings
from skill.core.phones import bare_number
from skill.stores.database import store_errors
from skill.stores.sqlite import Stores
from skill.stores.webhook_events import EventBatch, StoredEvent
from skill.webhooks.events import SMS_INBOUND, SMS_STATUS
from skill.webhooks.inbound import keyword_of, optout_scope

log = logging.getLogger("twilio_skill.webhooks")

BATCH_SIZE = 200
IDLE_POLL_SECONDS = 1.0
# After a wake-up, events arriving within this long join one batch: a transaction per few events instead of
# per event keeps the worker thread (and its hold on the interpreter) out of the receiver's way under load.
GATHER_SECONDS = 0.05


class EventProcessor:
    """Applies each stored event's effects exactly once."""

    def __init__(self, settings: Settings, stores: Stores) -> None:
        self.settings = settings
        self.stores = stores
        self._wake = anyio.Event()

    def notify(self) -> None:
        """Tell the worker new events are stored (called after each write that stored something)."""
        self._wake.set()

    def effect(self, batch: EventBatch, event: StoredEvent) -> None:
        """One event's effects, inside the transaction that marks it processed."""
        if event.kind == SMS_INBOUND and batch.processed_before(event):
            log.info("skipped an inbound message already processed under another row (%s)", event.sid)
            return
        batch.count(event)
        if event.kind == SMS_STATUS and event.sid and event.status:
            # A bulk message's status: its job counts delivered and undelivered (a no-op for others).
            batch.gather(self.stores.outbox.record_deliveries, (event.sid, event.status))
        if event.kind != SMS_INBOUND:
            return
        keyword = keyword_of(str(event.payload.get("Body") or ""))
        sender = event.payload.get("From")
        if keyword not in ("stop", "start") or not isinstance(sender, str) or not sender:
            return
        scope = optout_scope(
            self.settings.optout_scope,
            to=event.payload.get("To"),
            messaging_service_sid=event.payload.get("MessagingServiceSid"),
            account_sid=event.payload.get("AccountSid"),
        )
        phone = bare_number(sender)
        # The suppression store writes through this thread's open transaction, so its write joins it.
        if keyword == "stop":
            self.stores.suppressions.add(phone, source="inbound_stop", scope=scope)
        else:
            self.stores.suppressions.remove(phone, scope=scope)

    def process_once(self) -> int:
        """Process one batch; the number of events processed."""
        return self.stores.webhook_events.process_pending(self.effect, limit=BATCH_SIZE)

    def drain(self) -> int:
        """Process until nothing is pending; the number processed."""
        total = 0
        while done := self.process_once():
            total += done
        return total

    async def run(self) -> None:
        """Process forever: GATHER_SECONDS after a notification, else every IDLE_POLL_SECONDS (other writers)."""
        while True:
            self._wake = anyio.Event()
            try:
                done = await anyio.to_thread.run_sync(self.drain)
                if done:
                    log.debug("processed %d webhook events", done)
            except store_errors():
                # A locked or busy database is retried on the next round; the events stay pending.
                log.warning("webhook event processing failed; will retry", exc_info=True)
            with anyio.move_on_after(IDLE_POLL_SECONDS):
                await self._wake.wait()
                await anyio.sleep(GATHER_SECONDS)
