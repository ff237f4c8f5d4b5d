"""The policy's [bulk] section: sender rates and concurrency of bulk sends.

[bulk]
rates = { "+18005550123" = 3, "MG0123..." = 30 }   # segments per second of a sender or service
long_code = 1                 # default rates by kind of sender, Twilio's published figures
toll_free = 3
short_code = 100
country_concurrency = 8       # most requests in flight at once to one destination country
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skill.errors import ConfigError

MAX_RATE = 10_000.0


def _rate(value: object, where: str) -> float:
    """Raises:
    ConfigError: not a positive number of segments per second.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < float(value) <= MAX_RATE:
        raise ConfigError(
            f"Policy {where} must be a number of segments per second above 0, not {value!r}.",
            code="config.policy_invalid",
            remediation=[f"Write e.g. {where.split('.')[-1]} = 3 (at most {MAX_RATE:g})."],
        )
    return float(value)


@dataclass(frozen=True)
class BulkSettings:
    rates: dict[str, float] = field(default_factory=dict)  # per sender or messaging service
    long_code: float = 1.0
    toll_free: float = 3.0
    short_code: float = 100.0
    country_concurrency: int = 8


def parse_bulk(section: dict[str, Any]) -> BulkSettings:
    """Raises:
    ConfigError: a rate or the concurrency is not a positive number.
    """
    rates = section.get("rates") or {}
    if not isinstance(rates, dict):
        raise ConfigError("Policy [bulk].rates must be a table of sender = rate.", code="config.policy_invalid")
    concurrency = section.get("country_concurrency", 8)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 1000:
        raise ConfigError(
            f"Policy [bulk].country_concurrency must be a whole number from 1 to 1000, not {concurrency!r}.",
            code="config.policy_invalid",
        )
    defaults = BulkSettings()
    return BulkSettings(
        rates={str(sender): _rate(value, f"[bulk].rates.{sender}") for sender, value in rates.items()},
        long_code=_rate(section.get("long_code", defaults.long_code), "[bulk].long_code"),
        toll_free=_rate(section.get("toll_free", defaults.toll_free), "[bulk].toll_free"),
        short_code=_rate(section.get("short_code", defaults.short_code), "[bulk].short_code"),
        country_concurrency=concurrency,
    )
