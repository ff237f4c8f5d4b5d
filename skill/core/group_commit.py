"""Group commit: the writes of concurrent requests done together, in one trip to a worker thread.

A commit (and a hop to a worker thread) costs more than the rows in it, so under load writers are
batched: the first to arrive writes every item waiting at that moment in one call of `write` (in a
worker thread, so the event loop keeps serving), and the writers that arrive meanwhile wait for the
next batch, led by the first of them. Every writer still returns only after the batch holding its
own items is written: durable before the answer, exactly as with one write per request. The
webhook receiver commits each batch of events in one transaction; the tool dispatch writes a batch
of audit entries in one thread hop. Where a batch can be written without waiting (SQLite with no
other writer: a page-cache write, cheaper than the hop to a thread), `write_now` writes it on the
event loop's own thread, after letting the writers ready at that moment join it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import anyio

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Slot(Generic[Item, Result]):
    __slots__ = ("items", "results", "error")

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.results: list[Result] | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    """Batches concurrent writes; `record` returns the results of the caller's own items, in order.

    `write` takes a batch and returns one result per item, in the batch's order. `write_now`, when
    given, is tried first on the event loop's thread: it writes the batch only if it can without
    waiting, else returns None and `write` writes it in a worker thread.
    """

    def __init__(
        self,
        write: Callable[[list[Item]], list[Result]],
        write_now: Callable[[list[Item]], list[Result] | None] | None = None,
    ) -> None:
        self.write = write
        self.write_now = write_now
        self._waiting: list[_Slot[Item, Result]] = []
        self._busy = False
        self._written: anyio.Event | None = None  # set when the batch being written is done

    async def record(self, items: Sequence[Item]) -> list[Result]:
        """Write `items` (batched with concurrent callers); their results.

        A caller cancelled meanwhile (its client went away) still sees its items written, and a batch
        it was to lead still led, before the cancellation reaches it: as with one write in a worker
        thread, and so that nobody behind it waits for a leader that is gone.

        Raises:
            Exception: whatever `write` raised for the batch holding these items (sqlite3.Error,
                psycopg.Error for a store).
        """
        slot: _Slot[Item, Result] = _Slot(list(items))
        self._waiting.append(slot)
        try:
            await self._see_through(slot)
        except anyio.get_cancelled_exc_class():
            # Shielded only once cancelled: a scope per call would cost more than the rest of the call.
            with anyio.CancelScope(shield=True):
                await self._see_through(slot)
            raise
        if slot.error is not None:
            raise slot.error
        assert slot.results is not None
        return slot.results

    async def _see_through(self, slot: _Slot[Item, Result]) -> None:
        """Wait while another caller writes; lead the next batch when nobody is writing; until `slot` is done."""
        while slot.results is None and slot.error is None:
            if not self._busy:
                await self._lead()
                continue
            if self._written is None:
                self._written = anyio.Event()
            # Every waiter wakes when a batch is done: those in it return, the first of the rest leads.
            await self._written.wait()

    async def _lead(self) -> None:
        """Write everything waiting now in one call: of `write_now` on this thread when it takes the batch,
        else of `write` in a worker thread, shielded."""
        self._busy = True
        if self.write_now is not None:
            # Writers ready to run join this batch first (the write below would not let them in).
            await anyio.lowlevel.cancel_shielded_checkpoint()
        batch, self._waiting = self._waiting, []
        items = [item for slot in batch for item in slot.items]
        try:
            now = self.write_now(items) if self.write_now is not None else None
            if now is not None:
                results = now
            else:
                with anyio.CancelScope(shield=True):
                    results = await anyio.to_thread.run_sync(self.write, items)
        except BaseException as exc:
            for slot in batch:
                slot.error = exc
            if not isinstance(exc, Exception):
                raise
        else:
            start = 0
            for slot in batch:
                slot.results = results[start : start + len(slot.items)]
                start += len(slot.items)
        finally:
            self._busy = False
            written, self._written = self._written, None
            if written is not None:
                written.set()


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
