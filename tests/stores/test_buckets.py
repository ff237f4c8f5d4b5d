"""The shared token buckets, on both backends: the bucket arithmetic through the store, and store sets
on separate connections taking from one bucket at once never taking more than it holds."""

from __future__ import annotations

import threading

import pytest

from skill.ports.clock import ManualClock
from tests.stores.conftest import Backend
from tests.stores.test_backends import together

START = 1_800_000_000.0  # clock readings are large floats, as the upstream clock's are
SENDER = "+18005550123"


def test_taking_tokens_through_the_store_refills_at_the_rate_and_answers_the_wait(backend: Backend) -> None:
    buckets = backend.open().buckets
    assert buckets.read(SENDER) is None
    assert buckets.take(SENDER, 3.0, 3, START) == 0.0  # created full: one second's burst
    assert buckets.take(SENDER, 3.0, 1, START) == pytest.approx(1 / 3)
    assert buckets.take(SENDER, 3.0, 2, START) == pytest.approx(2 / 3)
    assert buckets.take(SENDER, 3.0, 2, START + 2 / 3) == 0.0
    assert buckets.take(SENDER, 3.0, 1, START + 2 / 3) == pytest.approx(1 / 3)
    # A message longer than the burst waits for a full bucket only.
    assert buckets.take(SENDER, 3.0, 10, START + 2 / 3) == pytest.approx(1.0)
    assert buckets.take(SENDER, 3.0, 10, START + 5 / 3) == 0.0
    stored = buckets.read(SENDER)
    assert stored is not None and stored.tokens == pytest.approx(0.0) and stored.last == START + 5 / 3
    assert buckets.read("+14155550100") is None  # one row per sender


def test_a_slowdown_and_a_retry_after_block_in_one_process_hold_in_another(backend: Backend) -> None:
    first, second = backend.open().buckets, backend.open().buckets
    assert first.take(SENDER, 4.0, 1, START) == 0.0
    first.slow_down(SENDER, 4.0, START)
    first.slow_down(SENDER, 4.0, START)
    seen = second.read(SENDER)
    assert seen is not None and seen.rate == 1.0 and seen.configured == 4.0
    # The slowdown emptied the burst: the other connection waits at the halved-twice rate.
    assert second.take(SENDER, 4.0, 1, START) == pytest.approx(1.0)
    first.block(SENDER, 4.0, START + 30, START)
    assert second.take(SENDER, 4.0, 1, START + 10) == pytest.approx(20.0)
    assert second.take(SENDER, 4.0, 1, START + 30) == 0.0
    for _ in range(30):
        second.speed_up(SENDER, 4.0, START + 30)
    recovered = first.read(SENDER)
    assert recovered is not None and recovered.rate == 4.0


def test_a_changed_configured_rate_keeps_the_slowed_share_and_fits_the_burst(backend: Backend) -> None:
    buckets = backend.open().buckets
    assert buckets.take(SENDER, 10.0, 1, START) == 0.0
    buckets.slow_down(SENDER, 10.0, START)  # 5 of 10
    assert buckets.take(SENDER, 2.0, 2, START + 100) == 0.0  # refilled to the new, smaller burst
    stored = buckets.read(SENDER)
    assert stored is not None and (stored.configured, stored.rate, stored.tokens) == (2.0, 1.0, 0.0)


def test_a_clock_set_back_moves_the_bucket_back_with_it_instead_of_stalling_it(backend: Backend) -> None:
    buckets = backend.open().buckets
    later = START + 3600  # the bucket was last used on a clock an hour ahead (a sandbox since restarted)
    assert buckets.take(SENDER, 3.0, 3, later) == 0.0
    buckets.block(SENDER, 3.0, later + 5, later)
    wait = buckets.take(SENDER, 3.0, 1, START)
    assert wait == pytest.approx(5.0)  # the Retry-After still holds, as long as it had left
    assert buckets.take(SENDER, 3.0, 1, START + wait) == 0.0
    assert buckets.take(SENDER, 3.0, 3, START + wait + 10) == 0.0
    # A reading only a moment behind (another worker's) refills nothing and takes nothing extra.
    assert buckets.take(SENDER, 3.0, 1, START + wait + 9.5) == pytest.approx(1 / 3)


@pytest.mark.parametrize("segments", [1, 3])
def test_two_store_sets_taking_at_once_never_take_more_than_the_burst_plus_the_rate(
    backend: Backend, segments: int
) -> None:
    rate, step, attempts = 5.0, 0.01, 400
    sets = [backend.open(), backend.open()]
    clock, moving = ManualClock(START), threading.Lock()

    def take_all(n: int) -> int:
        taken = 0
        for _ in range(attempts):
            with moving:
                clock.advance(step)  # time passes for both at once: each attempt moves the shared clock
                now = clock.now()
            if sets[n].buckets.take(SENDER, rate, segments, now) == 0.0:
                taken += segments
        return taken

    taken = together(2, take_all)
    elapsed = clock.now() - START
    assert all(taken), "both connections took tokens"
    assert sum(taken) <= max(rate, 1.0) + rate * elapsed + 1e-6
    assert sum(taken) >= rate * elapsed * 0.9, "and the bucket was used at about its rate"
