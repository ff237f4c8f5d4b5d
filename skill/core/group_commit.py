"""Group commit: the writes of concurrent requests done together, in one trip to a worker thread.

A commit (and a hop to a worker thread) costs more than the rows in it, so under load writers are
batched: the first to arrive writes every item waiting at that moment in one call of `write` (in a
worker thread, so the event loop keeps serving), and the writers that arrive meanwhile wait for the
next batch, led by the first of them. Every writer still returns only after the batch holding its
own items is written: durable before the answer, exactly as with one write per request. The
webhook receiver commits each batch of events in one transaction; the tool dispatch writes a batch
of audit entries in one thread hop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Slot(Generic[Item, Result]):
    items: list[Item]
    wake: anyio.Event = field(default_factory=anyio.Event)
    results: list[Result] | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Batches concurrent writes; `record` returns the results of the caller's own items, in order.

    `write` takes a batch and returns one result per item, in the batch's order.
    """

    def __init__(self, write: Callable[[list[Item]], list[Result]]) -> None:
        self.write = write
        self._waiting: list[_Slot[Item, Result]] = []
        self._busy = False

    async def record(self, items: Sequence[Item]) -> list[Result]:
        """Write `items` (batched with concurrent callers); their results.

        A caller cancelled meanwhile (its client went away) still sees its items written, and a batch
        it was to lead still led, before the cancellation reaches it: as with one write in a worker
        thread, and so that nobody behind it waits for a leader that is gone.

        Raises:
            Exception: whatever `write` raised for the batch holding these items (sqlite3.Error,
                psycopg.Error for a store).
        """
        with anyio.CancelScope(shield=True):
            results = await self._record(items)
        return results

    async def _record(self, items: Sequence[Item]) -> list[Result]:
        slot: _Slot[Item, Result] = _Slot(list(items))
        self._waiting.append(slot)
        if self._busy:
            await slot.wake.wait()
            if slot.results is not None or slot.error is not None:
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

    async def _flush(self, batch: list[_Slot[Item, Result]]) -> None:
        flat = [item for slot in batch for item in slot.items]
        try:
            results = await anyio.to_thread.run_sync(self.write, flat)
        except Exception as exc:
            for slot in batch:
                slot.error = exc
                slot.wake.set()
            return
        start = 0
        for slot in batch:
            slot.results = results[start : start + len(slot.items)]
            start += len(slot.items)
            slot.wake.set()

    @staticmethod
    def _outcome(slot: _Slot[Item, Result]) -> list[Result]:
        if slot.error is not None:
            raise slot.error
        assert slot.results is not None
        return slot.results


StoreWrite = Callable[[], Any]


def run_each(batch: list[StoreWrite]) -> list[Any]:
    """Run each write in turn; a write that raises gives its exception as its result, and the rest still
    run (each is its own transaction, as it would be alone)."""
    results: list[Any] = []
    for write in batch:
        try:
            results.append(write())
        except Exception as exc:
            results.append(exc)
    return results
