"""The sandbox clock: real time plus an offset tests can move, or frozen."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self, *, frozen: bool = False, start: float | None = None) -> None:
        self._frozen = frozen
        self._base = start if start is not None else time.time()
        self._offset = 0.0

    def now(self) -> float:
        if self._frozen:
            return self._base + self._offset
        return time.time() + self._offset

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def advance(self, seconds: float) -> None:
        self._offset += seconds


def rfc2822(ts: float) -> str:
    """Twilio's date format: 'Fri, 24 May 2019 17:18:27 +0000'."""
    return datetime.fromtimestamp(ts, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def iso8601(ts: float) -> str:
    """The date format of Twilio's v1/v2 APIs: '2019-05-24T17:18:27Z'."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
