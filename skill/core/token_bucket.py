"""A token bucket counted in message segments, slowed down on 429s and sped up again on successes
(AIMD), as pure arithmetic on a clock reading: the bucket store keeps one per sender as a row and
runs it inside a transaction, so every worker on the database shares it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EPSILON = 1e-6  # tokens this close to enough are enough (clock readings are floats near 1.8e9)
FLOOR_SHARE = 0.05  # a bucket never slows below this share of its configured rate
INCREASE_SHARE = 0.05  # each success gives back this share of the configured rate
# A reading this far behind the bucket's last is a clock set back (a restarted sandbox), not a worker
# that read the clock a moment before another: the bucket moves back with it instead of stalling.
SET_BACK_SECONDS = 60.0


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

    @classmethod
    def restore(
        cls, *, configured: float, was: float, rate: float, tokens: float, last: float, blocked_until: float
    ) -> TokenBucket:
        """A bucket as it was stored under the configured rate `was`, now under `configured` (the
        policy may have changed it): a slowed rate keeps its share of the new one, tokens fit the
        new capacity."""
        scaled = rate if was == configured else rate / was * configured if was > 0 else configured
        bucket = cls(configured=configured, now=last, rate=min(configured, max(scaled, 0.0)) or configured)
        bucket.tokens = min(tokens, bucket.capacity)
        bucket.blocked_until = blocked_until
        return bucket

    def _refill(self, now: float) -> None:
        if now < self.last - SET_BACK_SECONDS:
            shift = self.last - now
            self.last, self.blocked_until = now, max(self.blocked_until - shift, 0.0)
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

    def take_or_wait(self, segments: int, now: float) -> float:
        """Take the tokens of one message: 0 when taken, else the seconds to wait (more than 0)."""
        if self.take(segments, now):
            return 0.0
        return max(self.wait(segments, now), EPSILON)

    def block(self, until: float) -> None:
        """Take nothing before `until`: the server asked to wait (Retry-After)."""
        self.blocked_until = max(self.blocked_until, until)

    def speed_up(self) -> None:
        """Additive increase after a success, back up to the configured rate."""
        self.rate = min(self.configured, self.rate + self.configured * INCREASE_SHARE)
