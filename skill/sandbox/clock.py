"""The sandbox clock, and the date formats Twilio's APIs answer in."""

from __future__ import annotations

from datetime import UTC, datetime

from skill.ports.clock import ManualClock


class SandboxClock(ManualClock):
    """The simulated Twilio's clock: real time by default, frozen for tests, or `rate` times faster for
    drills and benchmarks."""

    def __init__(self, *, frozen: bool = False, start: float | None = None, rate: float = 1.0) -> None:
        super().__init__(start, frozen=frozen, rate=rate)

    def now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)


def rfc2822(ts: float) -> str:
    """Twilio's date format: 'Fri, 24 May 2019 17:18:27 +0000'."""
    return datetime.fromtimestamp(ts, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def iso8601(ts: float) -> str:
    """The date format of Twilio's v1/v2 APIs: '2019-05-24T17:18:27Z'."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
