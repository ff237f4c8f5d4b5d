"""Group commit: concurrent writers share transactions, and each learns the fate of its own events."""

from __future__ import annotations

import threading

import anyio
import pytest

from skill.core.group_commit import GroupCommit, run_each
from skill.stores.webhook_events import NewEvent

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


async def test_a_writer_cancelled_while_it_waits_still_has_its_items_written_and_nobody_behind_it_hangs() -> None:
    first_started, first_done = threading.Event(), threading.Event()
    written: list[str] = []

    def write(batch: list[str]) -> list[str]:
        if not written:
            first_started.set()
            first_done.wait(5)
        written.extend(batch)
        return [item.upper() for item in batch]

    commit: GroupCommit[str, str] = GroupCommit(write)
    results: dict[str, list[str]] = {}
    gone = anyio.CancelScope()

    async def writer(name: str, scope: anyio.CancelScope | None = None) -> None:
        with scope or anyio.CancelScope():
            results[name] = await commit.record([name])

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(writer, "x")
            await anyio.to_thread.run_sync(first_started.wait, 5)
            group.start_soon(writer, "a", gone)  # first in line: it is to lead the next batch
            await anyio.wait_all_tasks_blocked()
            group.start_soon(writer, "b")
            await anyio.wait_all_tasks_blocked()
            gone.cancel()  # its client went away while it waited
            await anyio.wait_all_tasks_blocked()
            first_done.set()
    assert written == ["x", "a", "b"]
    assert results["b"] == ["B"]


def test_run_each_runs_every_write_and_gives_a_failure_as_that_writes_result() -> None:
    done: list[int] = []

    def fail() -> None:
        raise OSError("disk I/O error")

    results = run_each([lambda: done.append(1) or 1, fail, lambda: done.append(3) or 3])
    assert results[0] == 1 and results[2] == 3 and done == [1, 3]
    assert isinstance(results[1], OSError)


async def test_a_cancelled_writer_is_told_of_its_cancellation_only_once_its_items_are_written() -> None:
    started, release = threading.Event(), threading.Event()
    written: list[str] = []

    def write(batch: list[str]) -> list[str]:
        if not written:
            started.set()
            release.wait(5)
        written.extend(batch)
        return batch

    commit: GroupCommit[str, str] = GroupCommit(write)
    seen_at_cancellation: list[str] = []
    gone = anyio.CancelScope()

    async def cancelled_writer() -> None:
        with gone:
            try:
                await commit.record(["a"])
            except anyio.get_cancelled_exc_class():
                seen_at_cancellation.extend(written)
                raise

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(commit.record, ["x"])
            await anyio.to_thread.run_sync(started.wait, 5)
            group.start_soon(cancelled_writer)
            await anyio.wait_all_tasks_blocked()
            gone.cancel()
            await anyio.wait_all_tasks_blocked()
            assert seen_at_cancellation == []  # still waiting: its batch has not been written
            release.set()
    assert seen_at_cancellation == ["x", "a"]
    assert await commit.record(["b"]) == ["b"]


async def test_a_batch_is_written_at_once_when_it_can_be_and_in_a_worker_thread_when_not() -> None:
    loop_thread = threading.get_ident()
    declining = False
    written_by: list[tuple[str, bool]] = []

    def write(batch: list[str]) -> list[str]:
        written_by.extend((item, threading.get_ident() == loop_thread) for item in batch)
        return [item.upper() for item in batch]

    def write_now(batch: list[str]) -> list[str] | None:
        return None if declining else write(batch)

    commit: GroupCommit[str, str] = GroupCommit(write, write_now)
    results: dict[str, list[str]] = {}

    async def writer(name: str) -> None:
        results[name] = await commit.record([name])

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            for n in range(20):
                group.start_soon(writer, f"a{n}")
        declining = True
        assert await commit.record(["b"]) == ["B"]
    assert results == {f"a{n}": [f"A{n}"] for n in range(20)}
    assert len({item for item, _ in written_by}) == 21
    assert all(at_once for item, at_once in written_by if item != "b")
    assert ("b", False) in written_by


async def test_writers_ready_together_share_one_batch_written_at_once_and_a_failure_fails_them_all() -> None:
    batches: list[list[str]] = []

    def write_now(batch: list[str]) -> list[str]:
        batches.append(batch)
        if "bad" in batch:
            raise ValueError("constraint failed")
        return batch

    commit: GroupCommit[str, str] = GroupCommit(lambda batch: batch, write_now)
    outcomes: dict[str, str] = {}

    async def writer(name: str) -> None:
        try:
            await commit.record([name])
            outcomes[name] = "written"
        except ValueError:
            outcomes[name] = "failed"

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            for name in ("a", "b", "bad", "c"):
                group.start_soon(writer, name)
    assert batches == [["a", "b", "bad", "c"]]
    assert outcomes == {"a": "failed", "b": "failed", "bad": "failed", "c": "failed"}
    assert await commit.record(["d"]) == ["d"]
