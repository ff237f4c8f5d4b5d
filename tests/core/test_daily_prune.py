"""The bulk worker applies the policy's [retention] on its first round and once a day after, by the wall
clock, on either backend; opt-outs are never pruned. The worker's own loop runs with a rest that moves
the clock instead of sleeping, so two days pass in no time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import anyio
import pytest

from skill.config import ALL_TOOLSETS, Settings
from skill.core.bulk_worker import BulkWorker, WorkerOptions
from skill.core.context import Services
from skill.core.daily_prune import DAY, RETRY_SECONDS, DailyPrune
from skill.policy.retention import Retention
from skill.ports.clock import ManualClock
from skill.records.audit import AuditFilter
from skill.records.events import NewEvent

pytestmark = pytest.mark.anyio

HOUR = 3600.0
OPTED_OUT = "+14155550123"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, home: Path, tmp_path: Path) -> Settings:
    policy = tmp_path / "policy.toml"
    policy.write_text("[retention]\naudit_days = 1\nwebhook_event_days = 1\nmessage_body_days = 1\n")
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    return Settings(home=home, toolsets=ALL_TOOLSETS, policy_path=policy, database_url=url)


async def run_rounds(
    services: Services, clock: ManualClock, count: int, each_round: Callable[[int], None], rest: float = HOUR
) -> None:
    """The worker's loop for `count` rounds; each rest calls each_round(round) then moves the clock `rest`."""
    rounds = 0

    async def resting(seconds: float) -> None:
        nonlocal rounds
        each_round(rounds)
        clock.advance(seconds)
        rounds += 1
        if rounds == count:
            group.cancel_scope.cancel()
        await anyio.sleep(0)

    worker = BulkWorker(services, options=WorkerOptions(idle_seconds=rest), sleep=resting)
    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            group.start_soon(worker.run)
    assert rounds == count


def age(services: Services, table: str, column: str, days: float) -> None:
    services.stores.db.execute(f"UPDATE {table} SET {column} = {column} - ?", (days * DAY,))  # type: ignore[attr-defined]


def hour_entries(services: Services) -> int:
    return len(services.stores.audit.search(AuditFilter(event="test.hour"), limit=1000))


def seed_old_records(services: Services) -> None:
    """An opt-out years old, an audit entry and a processed event with a body, three days old."""
    stores = services.stores
    stores.suppressions.add(OPTED_OUT, source="inbound_stop")
    age(services, "suppressions", "created_at", 1000)
    stores.audit.record("test.old", outcome="ok", detail={"body": "three days old"})
    age(services, "audit", "ts", 3)
    stores.webhook_events.record([NewEvent("old", "sms_inbound", "SM1", "received", "AC1", None, {"Body": "STOP"})])
    stores.webhook_events.process_pending(lambda conn, event: None)
    age(services, "webhook_events", "received_at", 3)


async def test_the_worker_prunes_on_its_first_round_then_once_a_day_and_keeps_opt_outs(
    services: Services, wall_clock: ManualClock
) -> None:
    seed_old_records(services)
    seen: list[int] = []

    def each_hour(hour: int) -> None:
        seen.append(hour_entries(services))
        services.stores.audit.record("test.hour", outcome="ok", detail={"hour": hour})

    await run_rounds(services, wall_clock, 50, each_hour)
    # Pruned at hours 0, 24 and 48: the day-old cut-off first reaches an hourly entry at hour 48, taking
    # hours 0-23 at once. A prune every round would have taken hour 0 at hour 25.
    assert seen == [*range(48), 24, 25]
    assert services.stores.suppressions.is_suppressed(OPTED_OUT), "opt-outs are never pruned"
    assert services.stores.webhook_events.list(limit=10) == []
    assert services.stores.audit.search(AuditFilter(event="test.old")) == []
    # Each prune that removed something says so; the first one's entry aged out with the rest.
    prunes = services.stores.audit.search(AuditFilter(event="retention.prune"))
    assert [entry.detail["removed"]["audit_entries"] for entry in prunes] == [25]


async def test_with_no_retention_in_the_policy_the_worker_prunes_nothing(
    services: Services, wall_clock: ManualClock
) -> None:
    kept = replace(services, policy=replace(services.policy, retention=Retention()))
    seed_old_records(kept)
    await run_rounds(kept, wall_clock, 30, lambda hour: None)
    assert kept.stores.audit.search(AuditFilter(event="test.old"))
    assert len(kept.stores.webhook_events.list(limit=10)) == 1
    assert DailyPrune(kept).run_if_due() is None


async def test_a_prune_that_fails_is_tried_again_within_the_hour_and_the_worker_keeps_working(
    services: Services, wall_clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_old_records(services)
    store = services.stores.retention
    working = store.prune
    failures = 0

    def failing(*args: object, **kwargs: object) -> dict[str, int]:
        nonlocal failures
        failures += 1
        raise OSError("database unreachable")

    monkeypatch.setattr(store, "prune", failing)
    await run_rounds(services, wall_clock, 7, lambda round: None, rest=HOUR / 3)
    # Seven rounds twenty minutes apart: tried at 0, 60 and 120 minutes, not every round nor once a day.
    assert failures == 3
    daily = DailyPrune(services)
    with pytest.raises(OSError):
        daily.run_if_due()
    wall_clock.advance(RETRY_SECONDS - 60)
    assert daily.run_if_due() is None
    monkeypatch.setattr(store, "prune", working)
    wall_clock.advance(60)
    assert daily.run_if_due() == {"audit_entries": 1, "webhook_events": 1, "webhook_event_bodies": 0, "audit_bodies": 0}
    assert daily.run_if_due() is None
