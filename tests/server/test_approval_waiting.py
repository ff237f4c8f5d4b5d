"""Waiting on an approval request from the agent's side: approval_status with wait_seconds, and
subscriptions to twilio://approvals/{id}, with the decision made on another connection to the store."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.server.app import build_server
from skill.stores.sqlite import Stores
from tests import approvals
from tests.conftest import call

pytestmark = pytest.mark.anyio

TEST_TIMEOUT = 20
PROMPT_SECONDS = 1.0  # a decision is seen within this long by a waiting call or a subscriber
SLACK_SECONDS = 10.0  # far below wait_seconds = 25, far above a loaded machine's scheduling delays


def decide_elsewhere(settings: Settings, approval_id: str, *, approve: bool = True) -> float:
    """Decide on a connection of its own to the store, as the CLI or console of another process does;
    returns the monotonic time the decision was written."""
    stores = Stores.open(settings.database)
    try:
        approvals.decide(stores, approval_id, approve=approve)
        return time.monotonic()
    finally:
        stores.close()


class Progress:
    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []
        self.first = anyio.Event()

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))
        self.first.set()


async def wait_for_decision(
    client: Client, settings: Settings, approval_id: str, *, approve: bool = True
) -> tuple[dict[str, Any], float, Progress]:
    """approval_status(wait_seconds=10) while another connection decides once the call is waiting."""
    progress = Progress()
    outcome: dict[str, Any] = {}

    async def wait() -> None:
        result = await client.call_tool(
            "approval_status", {"approval_id": approval_id, "wait_seconds": 10}, progress_callback=progress
        )
        outcome["returned"] = time.monotonic()
        outcome["result"] = result

    with anyio.fail_after(TEST_TIMEOUT):
        async with anyio.create_task_group() as group:
            group.start_soon(wait)
            await progress.first.wait()
            decided = await anyio.to_thread.run_sync(lambda: decide_elsewhere(settings, approval_id, approve=approve))
    result = outcome["result"]
    assert not result.is_error, result
    assert result.structured_content is not None
    return dict(result.structured_content), outcome["returned"] - decided, progress


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_waiting_approval_status_returns_within_a_second_of_a_decision_made_elsewhere(
    settings: Settings, services: Services, mode: str
) -> None:
    pending = approvals.open_request(services.stores, summary="Release +14155550100")
    async with Client(build_server(settings, services), mode=mode) as client:
        data, lag, progress = await wait_for_decision(client, settings, pending.id)
    assert lag < PROMPT_SECONDS
    assert data["status"] == "approved"
    assert data["decided_by"] == "test-operator"
    assert data["id"] == pending.id
    assert "approval_id" in data["next_step"]
    assert progress.seen and all(total == 10 for _, total, _ in progress.seen)
    assert progress.seen[-1][2] == "request is approved"


async def test_a_denial_made_elsewhere_ends_the_wait_with_the_reason(
    settings: Settings, services: Services, client: Client
) -> None:
    pending = approvals.open_request(services.stores)
    data, lag, _ = await wait_for_decision(client, settings, pending.id, approve=False)
    assert lag < PROMPT_SECONDS
    assert (data["status"], data["reason"]) == ("denied", "not now")


async def test_a_request_already_decided_is_answered_at_once_without_waiting(
    services: Services, client: Client
) -> None:
    pending = approvals.open_request(services.stores)
    approvals.decide(services.stores, pending.id)
    started = time.monotonic()
    result = await call(client, "approval_status", {"approval_id": pending.id, "wait_seconds": 25})
    assert time.monotonic() - started < SLACK_SECONDS
    assert result.data["status"] == "approved"


async def test_a_wait_with_no_decision_ends_at_wait_seconds_still_pending(services: Services, client: Client) -> None:
    pending = approvals.open_request(services.stores)
    started = time.monotonic()
    result = await call(client, "approval_status", {"approval_id": pending.id, "wait_seconds": 1})
    assert 1.0 <= time.monotonic() - started < 1.0 + SLACK_SECONDS
    assert result.data["status"] == "pending"


async def test_a_request_that_expires_while_waited_on_ends_the_wait_as_expired(
    services: Services, client: Client, wall_clock: ManualClock
) -> None:
    pending = approvals.open_request(services.stores, ttl=60, clock=wall_clock)
    progress = Progress()
    with anyio.fail_after(TEST_TIMEOUT):
        async with anyio.create_task_group() as group:
            outcome: dict[str, Any] = {}

            async def wait() -> None:
                outcome["result"] = await client.call_tool(
                    "approval_status", {"approval_id": pending.id, "wait_seconds": 10}, progress_callback=progress
                )

            group.start_soon(wait)
            await progress.first.wait()
            wall_clock.advance(61)
    assert outcome["result"].structured_content["status"] == "expired"


@pytest.mark.parametrize("seconds", [-1, 26])
async def test_wait_seconds_outside_0_to_25_is_refused(services: Services, client: Client, seconds: int) -> None:
    pending = approvals.open_request(services.stores)
    result = await call(client, "approval_status", {"approval_id": pending.id, "wait_seconds": seconds})
    assert result.error["code"] == "input.invalid"
