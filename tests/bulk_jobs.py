"""Helpers for bulk tests: recipients, a worker on the fake clocks, and draining a job."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import anyio
from mcp import Client

from skill.core.bulk_worker import BulkWorker, WorkerOptions
from skill.core.context import Services
from skill.ports.stores import BucketState
from skill.sandbox.app import Sandbox
from tests.conftest import Elapse, call

SENDER = "+18005550123"  # the sandbox's toll-free number: 3 segments per second


def people(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"phone_number": f"+1415{2000000 + start + index:07d}", "variables": json.dumps({"first_name": f"P{index}"})}
        for index in range(count)
    ]


def worker(services: Services, elapse: Elapse, batch: int = 20) -> BulkWorker:
    async def sleep(seconds: float) -> None:
        elapse(seconds)  # time passes for the worker, the sandbox and the store at once

    return BulkWorker(services, sleep=sleep, rng=random.Random(7), options=WorkerOptions(batch=batch))


async def drain(services: Services, elapse: Elapse, bulk_worker: BulkWorker | None = None, rounds: int = 200) -> None:
    """Run the worker until nothing is left to send, jumping the clocks over idle waits."""
    engine = bulk_worker or worker(services, elapse)
    with anyio.fail_after(20):
        for _ in range(rounds):
            if await engine.run_once():
                continue
            due = services.stores.outbox.next_due()
            if due is None:
                return
            elapse(max(due - services.clock.now(), 0.0) + 0.01)


def bucket(services: Services, key: str = SENDER) -> BucketState:
    """The sender's token bucket as the store holds it (shared by every worker)."""
    found = services.stores.buckets.read(key)
    assert found is not None, f"no bucket for {key}"
    return found


def sent_to(sandbox: Sandbox) -> Counter[str]:
    return Counter(message["to"] for message in sandbox.state.messages.values())


async def create(client: Client, count: int = 3, **extra: Any) -> dict[str, Any]:
    args = {"body": "Hi {first_name}", "from": SENDER, "recipients": people(count), **extra}
    result = await call(client, "bulk_send_create", args)
    assert not result.is_error, result
    return result.data
