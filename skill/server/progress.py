"""Progress of the tool call being served, for handlers that wait (approval_status with wait_seconds).

A handler receives only the services and its arguments; the server sets the call's reporter here
for the length of the call, and `report_progress` sends through it (a no-op when the client asked
for no progress, or outside a call).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Reporter = Callable[[float, float | None, str | None], Awaitable[None]]
_reporter: ContextVar[Reporter | None] = ContextVar("twilio_skill_progress", default=None)


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


async def report_progress(progress: float, total: float | None = None, message: str | None = None) -> None:
    reporter = _reporter.get()
    if reporter is not None:
        await reporter(progress, total, message)
