"""Injected faults: a share of requests answered 429, 500, slowly, or not at all.

Configured as a comma list, e.g. "429=0.2,500=0.1,drop=0.05,slow=0.3,delay=1.5,seed=7"
(TWILIO_SKILL_SANDBOX_FAULTS or `twilio-skill sandbox --faults`). A dropped request is processed,
then its connection closes before the answer: the case where a client cannot know whether its write
happened. In process the client sees httpx.RemoteProtocolError; over HTTP the connection closes
after the status line, mid-response.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from skill.errors import ConfigError


class ConnectionDropped(Exception):
    """Raised through the ASGI app to close a request's connection without an answer."""


@dataclass
class Faults:
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_drop: float = 0.0
    rate_slow: float = 0.0
    delay_seconds: float = 1.0
    retry_after: int = 1
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)
    queue: list[str] = field(default_factory=list)  # faults served first, in order ("" for none; "503" only here)
    hosts: tuple[str, ...] = ()  # product hosts the faults hit (a scenario's storm on one API); empty: all

    def applies(self, host: str) -> bool:
        return not self.hosts or host in self.hosts

    def __post_init__(self) -> None:
        if self.seed is not None:
            self.rng.seed(self.seed)

    @classmethod
    def parse(cls, spec: str | None) -> Faults:
        """Raises:
        ConfigError: an entry is not name=number or names an unknown fault.
        """
        if not spec:
            return cls()
        names = {
            "429": "rate_429",
            "500": "rate_500",
            "drop": "rate_drop",
            "slow": "rate_slow",
            "delay": "delay_seconds",
            "retry_after": "retry_after",
            "seed": "seed",
        }
        values: dict[str, float | int] = {}
        for part in spec.split(","):
            if not part.strip():
                continue
            key, _, raw = part.partition("=")
            key = key.strip()
            if key not in names:
                raise ConfigError(
                    f"Unknown sandbox fault {key!r}.",
                    code="config.sandbox_faults",
                    remediation=[f"Use entries like 429=0.2 with names: {', '.join(names)}."],
                )
            try:
                number = float(raw)
            except ValueError as exc:
                raise ConfigError(
                    f"Sandbox fault {key} needs a number, got {raw!r}.", code="config.sandbox_faults"
                ) from exc
            values[names[key]] = int(number) if key in ("seed", "retry_after") else number
        return cls(**values)  # type: ignore[arg-type]

    def pick(self) -> str | None:
        """Which fault, if any, this request gets."""
        if self.queue:
            return self.queue.pop(0) or None
        roll = self.rng.random()
        if roll < self.rate_429:
            return "429"
        if roll < self.rate_429 + self.rate_500:
            return "500"
        if roll < self.rate_429 + self.rate_500 + self.rate_drop:
            return "drop"
        if self.rng.random() < self.rate_slow:
            return "slow"
        return None
