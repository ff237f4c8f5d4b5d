"""The bulk worker against the sandbox on fake clocks: Retry-After waited out, full sender queues retried,
and sends to one country capped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.bulk_jobs import BulkRequest, create_job
from skill.core.bulk_worker import BulkWorker, WorkerOptions
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.records.bulk import OutboxRow
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.wiring import build_services
from tests.bulk_jobs import SENDER, bucket, create, drain, people, sent_to, worker
from tests.conftest import Elapse, call

pytestmark = pytest.mark.anyio
RETRY_AFTER = 30  # longer than the gateway's own retries wait for, so the worker must honour it


def record_claims(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, OutboxRow]]:
    """Every row claimed from the outbox, with the wall-clock time of its claim."""
    claims: list[tuple[float, OutboxRow]] = []
    claim = services.stores.outbox.claim

    def recording(*args: Any, **kwargs: Any) -> list[OutboxRow]:
        rows = claim(*args, **kwargs)
        claims.extend((services.clock.now(), row) for row in rows)
        return rows

    monkeypatch.setattr(services.stores.outbox, "claim", recording)
    return claims


async def test_a_429_with_retry_after_keeps_the_sender_quiet_until_the_wait_is_over(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await create(client, 4)
    claims = record_claims(services, monkeypatch)
    sandbox.faults.retry_after = RETRY_AFTER
    sandbox.faults.queue = ["429"]
    refused_at, twilio_refused_at = services.clock.now(), sandbox.clock.now()
    engine = worker(services, elapse, batch=1)
    assert await engine.run_once() == 1
    slowed = bucket(services)
    assert not sandbox.state.messages and slowed.rate == slowed.configured / 2
    status = (await call(client, "bulk_status", {"sid": first["sid"]})).data
    assert "Retry-After" in status["held"] and status["counts"]["queued"] == 4
    # A second job from the same sender is claimed, but its rows wait for the sender's bucket too.
    second = await create(client, 3, recipients=people(3, start=50))
    await drain(services, elapse, engine)  # the same worker: its bucket for the sender is blocked
    assert sent_to(sandbox).total() == 7 and max(sent_to(sandbox).values()) == 1
    assert min(m["created"] for m in sandbox.state.messages.values()) >= twilio_refused_at + RETRY_AFTER
    later = [when for when, row in claims if row.job_id == first["sid"]][1:]
    assert later and min(later) >= refused_at + RETRY_AFTER
    assert (await call(client, "bulk_status", {"sid": second["sid"]})).data["counts"]["sent"] == 3
    assert (await call(client, "bulk_status", {"sid": first["sid"]})).data.get("held") is None  # cleared


async def test_a_503_on_a_send_is_reconciled_only_after_its_retry_after(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = await create(client, 1)
    claims = record_claims(services, monkeypatch)
    sandbox.faults.retry_after = RETRY_AFTER
    sandbox.faults.queue = ["503"]
    refused_at = services.clock.now()
    engine = worker(services, elapse)
    await engine.run_once()
    row = services.stores.outbox.rows(job["sid"])[0]
    assert row.state == "unknown" and row.not_before >= refused_at + RETRY_AFTER  # never resent blindly
    assert bucket(services).rate < bucket(services).configured
    await drain(services, elapse, engine)
    assert [when for when, _ in claims][1] >= refused_at + RETRY_AFTER
    assert sent_to(sandbox).total() == 1
    assert (await call(client, "bulk_status", {"sid": job["sid"]})).data["counts"]["sent"] == 1


@pytest.fixture
def tuned(tmp_path: Path, settings: Settings, sandbox: Sandbox, wall_clock: ManualClock) -> Iterator[Services]:
    """Services whose policy lets the toll-free sender go at 30 per second, two sends per country at once."""
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[bulk]\ncountry_concurrency = 2\nrates = {{ "{SENDER}" = 30 }}\n')
    services = build_services(settings.with_overrides(policy_path=policy), sandbox=sandbox, clock=wall_clock)
    yield services
    services.stores.close()


async def queue_job(services: Services, recipients: list[str]) -> str:
    request = BulkRequest(body="Hi", recipients=tuple((phone, {}) for phone in recipients), sender=SENDER)
    job, _ = await create_job(services, request, approved=True, dry_run=False)
    assert job is not None
    return job.sid


async def test_sends_to_one_destination_country_never_exceed_its_concurrency_cap(
    tuned: Services, elapse: Elapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    us = [f"+1212555{index:04d}" for index in range(10)]
    canada = [f"+1416555{index:04d}" for index in range(10)]
    job = await queue_job(tuned, [phone for pair in zip(us, canada, strict=True) for phone in pair])
    in_flight: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    create = tuned.twilio.messages.create

    async def slow_create(**kwargs: Any) -> Any:
        country = "CA" if kwargs["to"].startswith("+1416") else "US"
        in_flight[country] += 1
        peak[country] = max(peak[country], in_flight[country])
        peak["both"] = max(peak["both"], in_flight["US"] + in_flight["CA"])
        try:
            # Held until six are in flight (more than the caps allow) or briefly, so that sends overlap.
            with anyio.move_on_after(0.1):
                while in_flight["US"] + in_flight["CA"] < 6:
                    await anyio.sleep(0.005)
            return await create(**kwargs)
        finally:
            in_flight[country] -= 1

    monkeypatch.setattr(tuned.twilio.messages, "create", slow_create)
    await drain(tuned, elapse, worker(tuned, elapse))
    assert (peak["US"], peak["CA"]) == (2, 2) and peak["both"] > 2  # capped per country, not overall
    assert tuned.stores.outbox.counts(job)["sent"] == 20


async def test_a_full_sender_queue_21611_slows_the_sender_and_is_retried_not_failed(
    settings: Settings, tmp_path: Path, wall_clock: ManualClock
) -> None:
    sandbox = Sandbox(clock=SandboxClock(frozen=True, start=wall_clock.now()), throughput=True)
    sandbox.sender_queues.max_queue_seconds = 2  # the toll-free sender holds 2 seconds of traffic (3 a second)
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[bulk]\nrates = {{ "{SENDER}" = 30 }}\n')  # ten times what the sender can take
    services = build_services(settings.with_overrides(policy_path=policy), sandbox=sandbox, clock=wall_clock)
    elapse = Elapse(wall_clock, sandbox.clock)
    try:
        job = await queue_job(services, [f"+1212555{index:04d}" for index in range(30)])
        engine = worker(services, elapse)
        await engine.run_once()
        assert bucket(services).rate < bucket(services).configured
        await drain(services, elapse, engine)
        counts = services.stores.outbox.counts(job)
        assert (counts["sent"], counts.get("failed", 0)) == (30, 0) and max(sent_to(sandbox).values()) == 1
    finally:
        services.stores.close()


class VirtualTime:
    """Shared fake time for workers running side by side: a sleep waits until the clocks reach its
    deadline, and the driver moves them to the earliest deadline asked for, so waits overlap as they
    would in real time instead of adding up."""

    def __init__(self, elapse: Elapse, clock: ManualClock) -> None:
        self.elapse, self.clock = elapse, clock
        self.waiting: list[tuple[float, anyio.Event]] = []

    async def sleep(self, seconds: float) -> None:
        woken = anyio.Event()
        self.waiting.append((self.clock.now() + max(seconds, 0.0), woken))
        await woken.wait()

    async def drive(self, finished: anyio.Event) -> None:
        while not finished.is_set():
            await anyio.sleep(0.002)  # real time, for the workers to run until they wait again
            if not self.waiting:
                continue
            due = min(deadline for deadline, _ in self.waiting)
            self.elapse(max(due - self.clock.now(), 0.0))
            for entry in [entry for entry in self.waiting if entry[0] <= self.clock.now()]:
                self.waiting.remove(entry)
                entry[1].set()


async def test_two_workers_on_one_store_send_for_one_sender_at_its_rate_together(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, elapse: Elapse
) -> None:
    count, rate = 60, 3.0  # the toll-free sender's published 3 segments per second
    sets = [build_services(settings, sandbox=sandbox, clock=wall_clock) for _ in range(2)]  # two connections
    time = VirtualTime(elapse, wall_clock)
    sends: Counter[int] = Counter()
    try:
        job = await queue_job(sets[0], [f"+1212555{index:04d}" for index in range(count)])
        engines = []
        for n, services in enumerate(sets):
            create_message = services.twilio.messages.create

            async def counted(n: int = n, create_message: Any = create_message, **kwargs: Any) -> Any:
                sends[n] += 1
                return await create_message(**kwargs)

            services.twilio.messages.create = counted  # type: ignore[method-assign]
            engines.append(BulkWorker(services, sleep=time.sleep, options=WorkerOptions(batch=5)))
        finished, done = anyio.Event(), []

        async def work(engine: BulkWorker) -> None:
            while engine.outbox.counts(job).get("sent", 0) < count:
                if not await engine.run_once():
                    await time.sleep(0.5)
            done.append(engine)
            if len(done) == len(engines):
                finished.set()  # time keeps moving till both are done: the other may still be waiting

        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                group.start_soon(time.drive, finished)
                for engine in engines:
                    group.start_soon(work, engine)
    finally:
        for services in sets:
            services.stores.close()
    created = sorted(message["created"] for message in sandbox.state.messages.values())
    span = created[-1] - created[0]
    assert len(created) == count and max(sent_to(sandbox).values()) == 1
    assert sends[0] and sends[1], "both workers sent"
    assert count <= rate + rate * span + 1e-6, "one burst and the sender's rate, not one per worker"
    assert count >= rate * span * 0.5
