"""Group commit: the events of concurrent requests written in one transaction.

A commit costs more than the rows in it, so under load the receiver batches: the first request to
arrive writes every event waiting at that moment in one transaction (in a worker thread, so the
event loop keeps reading other requests), and the requests that arrive meanwhile wait for the
next batch, led by the first of them. Every request still answers only after the transaction that
holds its own events has committed: durable before 2xx, exactly as with one commit per request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio

from skill.stores.webhook_events import NewEvent

Write = Callable[[list[NewEvent]], list[bool]]


@dataclass
class _Slot:
    events: list[NewEvent]
    wake: anyio.Event = field(default_factory=anyio.Event)
    fresh: list[bool] | None = None
    error: BaseException | None = None


class GroupCommit:
    """Batches concurrent writes; `record` returns, per event, True when it was new."""

    def __init__(self, write: Write) -> None:
        self.write = write
        self._waiting: list[_Slot] = []
        self._busy = False

    async def record(self, events: Sequence[NewEvent]) -> list[bool]:
        """Write `events` durably (batched with concurrent callers); True for each that was new.

        Raises:
            sqlite3.Error, psycopg.Error: the batch holding these events could not be committed.
        """
        slot = _Slot(list(events))
        self._waiting.append(slot)
        if self._busy:
            try:
                await slot.wake.wait()
            except BaseException:
                if slot.wake.is_set() and slot.fresh is None and slot.error is None:
                    self._promote_next()  # this caller was to lead the next batch; pass it on
                raise
            if slot.fresh is not None or slot.error is not None:
                return self._outcome(slot)
        # This caller leads: write everything waiting now, itself included.
        self._busy = True
        try:
            batch, self._waiting = self._waiting, []
            await self._flush(batch)
        finally:
            self._promote_next()
        return self._outcome(slot)

    def _promote_next(self) -> None:
        if self._waiting:
            self._waiting[0].wake.set()  # woken without a result: it leads the next batch
        else:
            self._busy = False

    async def _flush(self, batch: list[_Slot]) -> None:
        flat = [event for slot in batch for event in slot.events]
        try:
            fresh = await anyio.to_thread.run_sync(self.write, flat)
        except Exception as exc:
            for slot in batch:
                slot.error = exc
                slot.wake.set()
            return
        start = 0
        for slot in batch:
            slot.fresh = fresh[start : start + len(slot.events)]
            start += len(slot.events)
            slot.wake.set()

    @staticmethod
    def _outcome(slot: _Slot) -> list[bool]:
        if slot.error is not None:
            raise slot.error
        assert slot.fresh is not None
        return slot.fresh
