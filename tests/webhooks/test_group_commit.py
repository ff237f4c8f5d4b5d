"""Group commit: concurrent writers share transactions, and each learns the fate of its own events."""

from __future__ import annotations

import anyio
import pytest

from skill.stores.webhook_events import NewEvent
from skill.webhooks.group_commit import GroupCommit

pytestmark = pytest.mark.anyio


def event(key: str) -> NewEvent:
    return NewEvent(
        dedupe_key=key, kind="sms_status", sid=None, status=None, account_sid=None, error_code=None, payload={}
    )


async def test_concurrent_writers_are_batched_and_duplicates_reported_per_caller() -> None:
    seen: set[str] = set()
    batches: list[int] = []

    def write(batch: list[NewEvent]) -> list[bool]:
        batches.append(len(batch))
        fresh = []
        for item in batch:
            fresh.append(item.dedupe_key not in seen)
            seen.add(item.dedupe_key)
        return fresh

    commit = GroupCommit(write)
    results: dict[int, list[bool]] = {}

    async def writer(n: int) -> None:
        results[n] = await commit.record([event(f"k{n % 30}")])

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            for n in range(60):
                group.start_soon(writer, n)
    assert sum(batches) == 60 and len(batches) < 60
    assert sum(fresh for (fresh,) in results.values()) == 30


async def test_a_failed_batch_fails_its_callers_and_the_next_batch_still_commits() -> None:
    calls = 0

    def write(batch: list[NewEvent]) -> list[bool]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")
        return [True] * len(batch)

    commit = GroupCommit(write)
    with anyio.fail_after(10):
        with pytest.raises(RuntimeError):
            await commit.record([event("a")])
        assert await commit.record([event("b")]) == [True]
