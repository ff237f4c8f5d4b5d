"""Token buckets counted in segments, AIMD, backoff and the published sender rates."""

from __future__ import annotations

import random

import pytest

from skill.core.bulk_rates import TokenBucket, backoff, kind_rate, seconds_for
from skill.policy.bulk_settings import BulkSettings


def test_a_bucket_spends_one_token_per_segment_and_refills_at_its_rate() -> None:
    bucket = TokenBucket(configured=3.0, now=0.0)
    assert bucket.take(3, 0.0)  # a three-segment message takes the whole second's burst
    assert not bucket.take(1, 0.0)
    assert bucket.wait(1, 0.0) == pytest.approx(1 / 3)
    assert bucket.wait(2, 0.0) == pytest.approx(2 / 3)
    assert bucket.take(2, 2 / 3)
    assert bucket.wait(1, 2 / 3) == pytest.approx(1 / 3)


def test_a_message_longer_than_the_burst_waits_for_a_full_bucket_only() -> None:
    bucket = TokenBucket(configured=1.0, now=0.0)
    assert bucket.take(1, 0.0)
    # Ten segments at 1 per second: it never needs more than the bucket holds.
    assert bucket.wait(10, 0.0) == pytest.approx(1.0)
    assert bucket.take(10, 1.0)


def test_segments_sent_over_time_never_exceed_the_rate_plus_one_burst() -> None:
    bucket = TokenBucket(configured=3.0, now=0.0)
    now, sent = 0.0, 0
    while now < 100.0:
        wait = bucket.wait(2, now)
        now += wait
        assert bucket.take(2, now)
        sent += 2
    assert sent <= 3.0 * now + 3.0 + 2


def test_a_429_halves_the_rate_and_successes_bring_it_back() -> None:
    bucket = TokenBucket(configured=4.0, now=0.0)
    bucket.slow_down(0.0)
    assert bucket.rate == pytest.approx(2.0)
    bucket.slow_down(0.0)
    assert bucket.rate == pytest.approx(1.0)
    for _ in range(200):
        bucket.slow_down(0.0)
    assert bucket.rate == pytest.approx(4.0 * 0.05)  # a floor, never zero
    successes = 0
    while bucket.rate < 4.0:
        bucket.speed_up()
        successes += 1
    assert bucket.rate == 4.0 and successes == 19
    bucket.speed_up()
    assert bucket.rate == 4.0


def test_backoff_is_full_jitter_under_an_exponential_ceiling_and_honours_retry_after() -> None:
    rng = random.Random(3)
    delays = [backoff(attempt, None, rng) for attempt in (1, 2, 3, 4) for _ in range(50)]
    assert all(0 <= delay <= 4.0 for delay in delays)
    assert max(backoff(1, None, rng) for _ in range(50)) <= 0.5
    assert min(backoff(10, None, rng) for _ in range(50)) < 30  # jittered, not fixed at the cap
    assert backoff(1, 7.0, rng) >= 7.0


def test_published_rates_by_kind_and_policy_overrides() -> None:
    defaults = BulkSettings()
    assert kind_rate("+14155550100", defaults) == 1.0
    assert kind_rate("+18005550123", defaults) == 3.0
    assert kind_rate("12345", defaults) == 100.0
    tuned = BulkSettings(rates={"+14155550100": 10.0}, toll_free=25.0)
    assert kind_rate("+14155550100", tuned) == 10.0
    assert kind_rate("+18885550100", tuned) == 25.0
    assert seconds_for(10, 3.0) == 4


def test_a_campaigns_throughput_is_the_lowest_per_second_figure_any_carrier_reports() -> None:
    from skill.core.bulk_rates import campaign_rate

    assert campaign_rate({"att": {"tpm": 4500, "msg_class": "A"}, "tmobile": {"brand_tier": "TOP"}}) == 75.0
    assert campaign_rate({"att": {"mps": 600}, "verizon": {"tpm": 120}}) == 2.0
    assert campaign_rate({"tmobile": {"brand_tier": "LOW"}}) is None  # a daily cap is not a pace
    hostile = {
        "a": {"mps": "9"},
        "b": {"mps": True},
        "c": {"tpm": -60},
        "d": {"mps": float("inf")},
        "e": {"mps": 1e9},
        "f": ["mps", 1],
        "g": {"mps": float("nan")},
    }
    assert campaign_rate(hostile) is None and campaign_rate(None) is None and campaign_rate([1, 2]) is None
