"""Time, as a port. Two clocks matter and must not be confused:

- the wall clock, for everything an operator or an auditor reads: approvals and their expiry, the
  audit log, daily counters, our own cooldowns; real time in every mode;
- the upstream clock, the time of whatever answers as Twilio: the embedded sandbox's clock (which
  tests freeze and may run faster than real time) or, live, the wall clock. Windows over Twilio's
  data ("the last 24 hours of alerts") are measured on it.

Tests give a `ManualClock` for either and move it instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock a test or a simulation moves: frozen at `start`, or running at `rate` times real time
    from it; `advance` jumps ahead either way."""

    def __init__(self, start: float | None = None, *, frozen: bool = True, rate: float = 1.0) -> None:
        self._start = time.time() if start is None else start
        self._real_start = time.monotonic()
        self._frozen = frozen
        self._rate = rate
        self._offset = 0.0

    def now(self) -> float:
        if self._frozen:
            return self._start + self._offset
        return self._start + (time.monotonic() - self._real_start) * self._rate + self._offset

    @property
    def rate(self) -> float:
        """Clock seconds per real second (0 while frozen)."""
        return 0.0 if self._frozen else self._rate

    def advance(self, seconds: float) -> None:
        self._offset += seconds


def utc(clock: Clock) -> datetime:
    """The clock's time as an aware datetime in UTC."""
    return datetime.fromtimestamp(clock.now(), UTC)
