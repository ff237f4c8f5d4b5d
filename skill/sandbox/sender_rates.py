"""Sender throughput as Twilio enforces it: each sender sends so many segments per second, and what it
is handed faster waits in its queue, up to 4 hours of traffic; past that Twilio answers 21611. The
account's API takes so many requests at once; more get 429 with code 20429.

Rates are Twilio's published defaults by kind of sender (long code 1 segment per second, toll-free 3,
short code 100) unless the sandbox is given others; the US long codes of a service with a verified
10DLC campaign share one queue at the campaign's throughput. Measured on the sandbox clock, so a sandbox
running faster than real time drains its queues faster too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skill.core.phones import SHORT_CODE
from skill.ports.clock import Clock
from skill.sandbox.http import bad_request

MAX_QUEUE_SECONDS = 4 * 3600.0
KIND_RATES = {"local": 1.0, "mobile": 1.0, "toll_free": 3.0, "short_code": 100.0}
API_CONCURRENCY = 100


@dataclass
class SenderStats:
    messages: int = 0
    segments: int = 0
    first: float | None = None  # when its first message left the queue
    last: float | None = None  # when its last one will have left
    deepest: float = 0.0  # the longest wait in its queue so far, in seconds


@dataclass
class SenderQueues:
    clock: Clock
    rates: dict[str, float] = field(default_factory=dict)  # per sender, over the kind's default
    max_queue_seconds: float = MAX_QUEUE_SECONDS
    enforced: bool = True  # False: messages leave at once and nothing is refused (statistics still kept)
    free_at: dict[str, float] = field(default_factory=dict)
    stats: dict[str, SenderStats] = field(default_factory=dict)

    def rate_of(self, sender: str, kind: str | None) -> float:
        if sender in self.rates:
            return self.rates[sender]
        if SHORT_CODE.match(sender):
            return KIND_RATES["short_code"]
        return KIND_RATES.get(kind or "local", 1.0)

    def next_start(self, sender: str, lane: tuple[str, float] | None = None) -> float:
        """When a message handed to `sender` now would leave its queue."""
        now = self.clock.now()
        key = lane[0] if lane and sender not in self.rates else sender
        return max(now, self.free_at.get(key, now))

    def admit(self, sender: str, kind: str | None, segments: int, lane: tuple[str, float] | None = None) -> float:
        """Queue a message of `segments` behind the sender's others (or, with a `lane` of (key, rate),
        behind those of everyone in it: a 10DLC campaign's numbers); when it leaves the queue.

        Raises:
            TwilioHTTPError: 21611 when the queue already holds more than 4 hours of traffic.
        """
        key, rate = lane if lane and sender not in self.rates else (sender, self.rate_of(sender, kind))
        now = self.clock.now()
        start = max(now, self.free_at.get(key, now)) if self.enforced else now
        if start - now > self.max_queue_seconds:
            raise bad_request(21611, "This 'From' number has exceeded the maximum number of queued messages")
        self.free_at[key] = start + segments / rate
        stats = self.stats.setdefault(key, SenderStats())
        stats.messages += 1
        stats.segments += segments
        stats.first = start if stats.first is None else min(stats.first, start)
        stats.last = self.free_at[key]
        stats.deepest = max(stats.deepest, start - now)
        return start

    def describe(self) -> dict[str, dict[str, float | int | None]]:
        return {
            sender: {
                "messages": stats.messages,
                "segments": stats.segments,
                "first": stats.first,
                "last": stats.last,
                "deepest_queue_seconds": round(stats.deepest, 3),
            }
            for sender, stats in self.stats.items()
        }


@dataclass
class ApiConcurrency:
    """Requests in progress for the account; over the limit a request is refused at once."""

    limit: int = API_CONCURRENCY
    in_flight: int = 0
    refused: int = 0

    def enter(self) -> bool:
        if self.in_flight >= self.limit:
            self.refused += 1
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1
