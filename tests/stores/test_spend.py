"""The spend counter: atomic reservations against daily and monthly caps, release, reconciliation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

from skill.ports.clock import ManualClock
from skill.stores.sqlite import Stores
from tests.stores.conftest import Backend

MID_MAY = datetime(2026, 5, 15, 12, tzinfo=UTC).timestamp()
DAY = 86400


def open_stores(backend: Backend, clock: ManualClock) -> Stores:
    return backend.open(clock=clock)


def test_a_reservation_that_would_cross_a_cap_is_refused_and_reaching_it_is_not(backend: Backend) -> None:
    stores = open_stores(backend, ManualClock(MID_MAY))
    cap = Decimal("0.0249")
    for _ in range(3):
        counted, _ = stores.spend.try_reserve("p", Decimal("0.0083"), per_day=cap, per_month=None)
        assert counted
    counted, before = stores.spend.try_reserve("p", Decimal("0.0083"), per_day=cap, per_month=None)
    assert not counted
    assert (before.day, before.today, before.month) == ("2026-05-15", Decimal("0.0249"), Decimal("0.0249"))
    assert stores.spend.totals("p").today == Decimal("0.0249")
    assert stores.spend.totals("other").today == 0  # per profile


def test_the_month_counts_every_day_of_the_month_and_no_other(backend: Backend) -> None:
    clock = ManualClock(MID_MAY)
    stores = open_stores(backend, clock)
    stores.spend.add("p", Decimal("1.00"))
    clock.advance(DAY)
    stores.spend.add("p", Decimal("2.00"))
    clock.advance(20 * DAY)  # June 5th
    stores.spend.add("p", Decimal("4.00"))
    assert stores.spend.totals("p").month == Decimal("4.00")
    assert stores.spend.totals("p", "2026-05-16").month == Decimal("3.00")
    counted, _ = stores.spend.try_reserve("p", Decimal("1.01"), per_day=None, per_month=Decimal("5.00"))
    assert not counted


def test_a_release_gives_back_spend_on_the_day_it_was_counted(backend: Backend) -> None:
    clock = ManualClock(MID_MAY)
    stores = open_stores(backend, clock)
    counted, before = stores.spend.try_reserve("p", Decimal("0.50"), per_day=Decimal(1), per_month=None)
    assert counted
    clock.advance(DAY)  # the call failed after midnight
    stores.spend.release("p", Decimal("0.50"), before.day)
    assert stores.spend.totals("p", before.day).today == 0
    stores.spend.release("p", Decimal("0.50"), before.day)
    assert stores.spend.totals("p", before.day).today == 0  # never below zero


def test_a_reconciled_day_counts_what_twilio_billed_instead_of_the_estimate(backend: Backend) -> None:
    clock = ManualClock(MID_MAY)
    stores = open_stores(backend, clock)
    stores.spend.add("p", Decimal("0.30"))
    assert stores.spend.reconcile("p", "2026-05-15", Decimal("0.7649")) == Decimal("0.30")
    assert stores.spend.totals("p", "2026-05-15").today == Decimal("0.7649")
    assert stores.spend.reconcile("p", "2026-05-10", Decimal("2.00")) == 0  # a day with no estimate
    assert stores.spend.totals("p").month == Decimal("2.7649")


def test_amounts_are_counted_in_millionths_rounded_up(backend: Backend) -> None:
    stores = open_stores(backend, ManualClock(MID_MAY))
    stores.spend.add("p", Decimal("0.0000001"))
    assert stores.spend.totals("p").today == Decimal("0.000001")


def test_parallel_reservations_from_two_connections_cannot_pass_the_cap_together(backend: Backend) -> None:
    clock = ManualClock(MID_MAY)
    first, second = open_stores(backend, clock), open_stores(backend, clock)
    results: list[bool] = []
    lock = threading.Lock()

    def reserve(stores: Stores) -> None:
        counted, _ = stores.spend.try_reserve("p", Decimal(1), per_day=Decimal(3), per_month=None)
        with lock:
            results.append(counted)

    threads = [threading.Thread(target=reserve, args=(first if n % 2 else second,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == [False] * 5 + [True] * 3
    assert first.spend.totals("p").today == Decimal(3)
