"""How fast a bulk send may go: a token bucket per sender counted in message segments, slowed down
on 429s and sped up again on successes (AIMD), and the backoff between retries.

Twilio's published sender rates are the defaults (long code 1 segment per second, toll-free 3, short
code 100); the policy's [bulk] section overrides them per kind or per sender. A Messaging Service
sends as fast as its senders together.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from skill.core.phones import SHORT_CODE
from skill.core.spend import NORTH_AMERICA_TOLL_FREE
from skill.policy.bulk_settings import BulkSettings

if TYPE_CHECKING:
    from skill.core.context import Services

EPSILON = 1e-6  # tokens this close to enough are enough (clock readings are floats near 1.8e9)
FLOOR_SHARE = 0.05  # a bucket never slows below this share of its configured rate
INCREASE_SHARE = 0.05  # each success gives back this share of the configured rate
BACKOFF_BASE = 0.5
BACKOFF_CAP = 60.0


def kind_rate(sender: str, settings: BulkSettings) -> float:
    """The published (or configured) rate of one sender, in segments per second."""
    if sender in settings.rates:
        return settings.rates[sender]
    if SHORT_CODE.match(sender):
        return settings.short_code
    if sender.startswith(NORTH_AMERICA_TOLL_FREE):
        return settings.toll_free
    return settings.long_code


async def sender_rate(services: Services, *, sender: str | None, service_sid: str | None) -> float:
    """Segments per second a job's sender may send: the sender's own, or the sum of a Messaging
    Service's senders' (a configured rate for the service wins).

    Raises:
        UpstreamError: the service's senders could not be read.
    """
    settings = services.policy.bulk
    if sender:
        return kind_rate(sender, settings)
    assert service_sid is not None
    if service_sid in settings.rates:
        return settings.rates[service_sid]
    senders = await services.twilio.messaging_services.senders(service_sid)
    numbers = [member.phone_number or "" for member in senders]
    return sum(kind_rate(number, settings) for number in numbers if number) or settings.long_code


@dataclass
class TokenBucket:
    """Tokens are segments; `rate` refills per second up to `capacity` (one second's worth, at least the
    largest message). The rate falls by half on a 429 and climbs back by small steps on successes."""

    configured: float
    now: float
    rate: float = 0.0
    tokens: float = 0.0
    capacity: float = 0.0
    last: float = field(default=0.0)
    blocked_until: float = 0.0  # nothing is taken before this time (a Retry-After)

    def __post_init__(self) -> None:
        self.rate = self.rate or self.configured
        self.capacity = self.capacity or max(self.configured, 1.0)
        self.tokens = self.capacity  # one second's burst at the start
        self.last = self.now

    def _refill(self, now: float) -> None:
        if now > self.last:
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now

    def wait(self, segments: int, now: float) -> float:
        """Seconds until `segments` tokens are there (0 when they are now)."""
        self._refill(now)
        needed = min(float(segments), self.capacity)
        blocked = max(self.blocked_until - now, 0.0)
        if self.tokens + EPSILON >= needed:
            return blocked
        return max((needed - self.tokens) / self.rate, blocked, EPSILON)

    def take(self, segments: int, now: float) -> bool:
        """Take the tokens of one message if they are there."""
        self._refill(now)
        needed = min(float(segments), self.capacity)
        if now < self.blocked_until or self.tokens + EPSILON < needed:
            return False
        self.tokens -= needed
        return True

    def slow_down(self, now: float) -> None:
        """Multiplicative decrease after a 429: half the rate, and no burst left."""
        self._refill(now)
        self.rate = max(self.configured * FLOOR_SHARE, self.rate / 2)
        self.tokens = min(self.tokens, 0.0)

    def block(self, until: float) -> None:
        """Take nothing before `until`: the server asked to wait (Retry-After)."""
        self.blocked_until = max(self.blocked_until, until)

    def speed_up(self) -> None:
        """Additive increase after a success, back up to the configured rate."""
        self.rate = min(self.configured, self.rate + self.configured * INCREASE_SHARE)


def backoff(attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1-based): full jitter over an exponential ceiling, and at
    least what the server asked for in Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempt - 1, 0)))
    delay = (rng or random).uniform(0, ceiling)
    return max(delay, retry_after or 0.0)


def seconds_for(segments: int, rate: float) -> int:
    """Whole seconds to send `segments` at `rate` segments per second."""
    return math.ceil(segments / rate) if rate > 0 else 0
