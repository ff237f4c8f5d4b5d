"""How fast a bulk send may go: a token bucket per sender counted in message segments, slowed down
on 429s and sped up again on successes (AIMD), and the backoff between retries.

Twilio's published sender rates are the defaults (long code 1 segment per second, toll-free 3, short
code 100); the policy's [bulk] section overrides them per kind or per sender. A Messaging Service
sends as fast as its senders together; its US long codes, when the service has a verified A2P 10DLC
campaign whose carriers report a throughput, send together at the campaign's (the lowest figure any
carrier reports: `mps`, or `tpm` / 60). Daily caps (T-Mobile's brand tiers) bound volume, not pace,
so they are not made into a rate. The bucket arithmetic is skill.core.token_bucket; the buckets
themselves are rows of the store, shared by every worker.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from skill.core.phones import SHORT_CODE
from skill.core.spend import NORTH_AMERICA_TOLL_FREE
from skill.core.token_bucket import TokenBucket as TokenBucket  # the arithmetic, re-exported
from skill.errors import UpstreamError
from skill.policy.bulk_settings import MAX_RATE, BulkSettings

if TYPE_CHECKING:
    from skill.core.context import Services

BACKOFF_BASE = 0.5
BACKOFF_CAP = 60.0
CARRIER_FIGURES = {"mps": 1.0, "tpm": 1 / 60}  # a carrier's throughput figure, to segments per second
MAX_CARRIERS = 20  # more carriers than this in a campaign's rate_limits are not read


def kind_rate(sender: str, settings: BulkSettings) -> float:
    """The published (or configured) rate of one sender, in segments per second."""
    if sender in settings.rates:
        return settings.rates[sender]
    if SHORT_CODE.match(sender):
        return settings.short_code
    if sender.startswith(NORTH_AMERICA_TOLL_FREE):
        return settings.toll_free
    return settings.long_code


def campaign_rate(rate_limits: object) -> float | None:
    """A 10DLC campaign's throughput in segments per second from its `rate_limits` (per carrier, as
    Twilio reports them): the lowest `mps` or `tpm` / 60 of any carrier; None when none gives one."""
    if not isinstance(rate_limits, dict):
        return None
    figures: list[float] = []
    for carrier in list(rate_limits.values())[:MAX_CARRIERS]:
        if not isinstance(carrier, dict):
            continue
        for key, factor in CARRIER_FIGURES.items():
            value = carrier.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            rate = float(value) * factor
            if math.isfinite(rate) and 0 < rate <= MAX_RATE:
                figures.append(rate)
    return min(figures) if figures else None


async def service_campaign_rate(services: Services, service_sid: str) -> float | None:
    """The throughput of a service's verified A2P 10DLC campaign, None without one (or unreadable)."""
    try:
        campaigns = await services.twilio.messaging_services.campaigns(service_sid)
    except UpstreamError:
        return None  # each long code then counts at its published rate, the cautious figure
    rates = [
        campaign_rate(campaign.rate_limits)
        for campaign in campaigns
        if (campaign.campaign_status or "").upper() == "VERIFIED"
    ]
    known = [rate for rate in rates if rate is not None]
    return min(known) if known else None


def _us_long_code(number: str) -> bool:
    return number.startswith("+1") and not number.startswith(NORTH_AMERICA_TOLL_FREE)


async def sender_rate(services: Services, *, sender: str | None, service_sid: str | None) -> float:
    """Segments per second a job's sender may send: the sender's own, or the sum of a Messaging
    Service's senders' (its US long codes together at its 10DLC campaign's rate when Twilio reports
    one; a configured rate for the service or for one of its senders wins).

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
    numbers = [member.phone_number for member in senders if member.phone_number]
    campaigned = [number for number in numbers if number not in settings.rates and _us_long_code(number)]
    others = sum(kind_rate(number, settings) for number in numbers if number not in campaigned)
    campaign = await service_campaign_rate(services, service_sid) if campaigned else None
    long_codes = campaign if campaign is not None else settings.long_code * len(campaigned)
    return (others + long_codes) or settings.long_code


def backoff(attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1-based): full jitter over an exponential ceiling, and at
    least what the server asked for in Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempt - 1, 0)))
    delay = (rng or random).uniform(0, ceiling)
    return max(delay, retry_after or 0.0)


def seconds_for(segments: int, rate: float) -> int:
    """Whole seconds to send `segments` at `rate` segments per second."""
    return math.ceil(segments / rate) if rate > 0 else 0
