"""The bulk worker against the sandbox on fake clocks: Twilio's Retry-After is waited out."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from skill.core.context import Services
from skill.records.bulk import OutboxRow
from skill.sandbox.app import Sandbox
from tests.bulk_jobs import SENDER, create, drain, people, sent_to, worker
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
    bucket = engine.buckets[SENDER]
    assert not sandbox.state.messages and bucket.rate == bucket.configured / 2
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
    assert engine.buckets[SENDER].rate < engine.buckets[SENDER].configured
    await drain(services, elapse, engine)
    assert [when for when, _ in claims][1] >= refused_at + RETRY_AFTER
    assert sent_to(sandbox).total() == 1
    assert (await call(client, "bulk_status", {"sid": job["sid"]})).data["counts"]["sent"] == 1
