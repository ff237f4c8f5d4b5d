"""The bulk toolset through the MCP client, against the sandbox, with the worker driven on fake clocks."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.ports.clock import ManualClock
from skill.records.events import NewEvent
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.webhooks.processing import EventProcessor
from skill.wiring import build_services
from tests.bulk_jobs import SENDER, bucket, create, drain, people, sent_to, worker
from tests.conftest import Elapse, approve, call

pytestmark = pytest.mark.anyio


async def test_the_dry_run_report_counts_exactly_what_the_job_then_sends(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    recipients = [
        *people(4),
        {"phone_number": "not a number"},
        {"phone_number": "+14152000001", "variables": json.dumps({"first_name": "again"})},  # a repeat
        {"phone_number": "+14152000009"},  # no first_name
        {"phone_number": "+14152000010", "variables": json.dumps({"first_name": "Zoë" * 30})},  # UCS-2, 2 segments
        {"phone_number": "+14152000011", "variables": json.dumps({"first_name": "Out"})},
    ]
    assert not (await call(client, "optout_add", {"phone_number": "+14152000011"})).is_error
    args = {"body": "Hi {first_name}", "from": SENDER, "recipients": recipients}
    dry = await call(client, "bulk_send_create", {**args, "dry_run": True})
    report = dry.data["report"]
    assert dry.data.get("sid") is None and services.stores.outbox.jobs(services.profile, limit=5) == []
    assert (report["valid"], report["invalid"], report["duplicate"], report["opted_out"]) == (5, 2, 1, 1)
    assert report["segments"] == 6 and report["seconds"] == 2 and report["countries"] == ["US"]
    assert report["cost"]["currency"] == "USD" and float(report["cost"]["amount"]) > 0
    created = await call(client, "bulk_send_create", args)
    assert created.data["report"] == report and created.data["total"] == 5
    await drain(services, elapse)
    status = await call(client, "bulk_status", {"sid": created.data["sid"]})
    assert status.data["status"] == "completed" and status.data["counts"]["sent"] == report["valid"]
    messages = list(sandbox.state.messages.values())
    assert len(messages) == report["valid"] and max(sent_to(sandbox).values()) == 1
    assert sum(message["num_segments"] for message in messages) == report["segments"]
    assert sorted(m["body"] for m in messages)[0] == "Hi P0"


async def test_a_recipient_who_opts_out_after_the_job_is_created_is_skipped(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    job = await create(client, 3)
    assert not (await call(client, "optout_add", {"phone_number": "+14152000001"})).is_error
    await drain(services, elapse)
    status = (await call(client, "bulk_status", {"sid": job["sid"]})).data
    assert status["counts"]["sent"] == 2 and status["counts"]["skipped"] == 1
    assert "+14152000001" not in sent_to(sandbox)
    assert "opted out" in status["last_errors"][0]["error"]["meaning"]


async def test_pause_stops_sending_resume_continues_and_cancel_skips_what_was_not_sent(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    job = await create(client, 6)
    paused = await call(client, "bulk_pause", {"sid": job["sid"]})
    assert paused.data["status"] == "paused"
    assert await worker(services, elapse).run_once() == 0 and not sandbox.state.messages
    assert (await call(client, "bulk_resume", {"sid": job["sid"]})).data["status"] == "running"
    engine = worker(services, elapse)
    services.stores.outbox.claim("other", limit=3, lease_seconds=30)  # another worker holds three rows
    await engine.run_once()
    assert len(sandbox.state.messages) == 3
    canceled = await call(client, "bulk_cancel", {"sid": job["sid"]})
    assert canceled.data["status"] == "canceled" and canceled.data["skipped"] == 3
    elapse(60)  # the other worker's lease runs out: its rows were never handed to Twilio
    await drain(services, elapse)
    assert len(sandbox.state.messages) == 3
    again = await call(client, "bulk_resume", {"sid": job["sid"]})
    assert again.error["code"] == "policy.bulk_state"
    missing = await call(client, "bulk_status", {"sid": "BJ" + "0" * 32})
    assert missing.error["code"] == "not_found.bulk_job"


async def test_429s_slow_the_sender_down_and_the_rate_recovers(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    job = await create(client, 30)
    sandbox.faults.retry_after = 0  # the gateway's own retries pass at once: the worker sees the 429s
    sandbox.faults.queue = ["429"] * 8  # two sends refused after the gateway's retries
    engine = worker(services, elapse, batch=2)
    await engine.run_once()
    slowed = bucket(services)
    assert slowed.rate == slowed.configured / 4  # halved twice
    assert not sandbox.state.messages
    await drain(services, elapse, engine)
    assert bucket(services).rate == slowed.configured
    status = (await call(client, "bulk_status", {"sid": job["sid"]})).data
    assert status["counts"]["sent"] == 30 and max(sent_to(sandbox).values()) == 1


async def test_an_unknown_outcome_is_reconciled_and_never_sent_twice(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    job = await create(client, 2)
    sandbox.faults.queue = ["drop", "500"]  # created then cut off; refused with a 5xx on a write
    await drain(services, elapse)
    status = (await call(client, "bulk_status", {"sid": job["sid"]})).data
    assert status["counts"]["sent"] == 2
    assert sent_to(sandbox) == Counter({"+14152000000": 1, "+14152000001": 1})
    rows = services.stores.outbox.rows(job["sid"])
    assert all(row.sid and row.sid in sandbox.state.messages for row in rows)


@pytest.fixture
def capped(tmp_path: Path, settings: Settings, sandbox: Sandbox, wall_clock: ManualClock) -> Services:
    policy = tmp_path / "policy.toml"
    policy.write_text("[limits]\nsends_per_day = 2\nbulk_recipients = 3\n")
    return build_services(settings.with_overrides(policy_path=policy), sandbox=sandbox, clock=wall_clock)


@pytest.fixture
async def capped_client(settings: Settings, capped: Services) -> AsyncIterator[Client]:
    async with Client(build_server(settings.with_overrides(policy_path=None), capped)) as connected:
        yield connected
    capped.stores.close()


async def test_a_job_without_approval_stops_at_the_daily_cap_and_keeps_the_rest_queued(
    capped_client: Client, capped: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    job = await create(capped_client, 3)
    engine = worker(capped, elapse)
    assert await engine.run_once() == 3
    assert await engine.run_once() == 0  # held: the last row waits until the cap may allow it
    status = (await call(capped_client, "bulk_status", {"sid": job["sid"]})).data
    assert status["counts"]["sent"] == 2 and status["counts"]["queued"] == 1
    assert "daily limit of 2 messages" in status["held"]
    assert capped.stores.send_counter.count(capped.profile, "message_send") == 2


async def test_over_the_bulk_limit_an_operator_approves_the_report_and_the_job_runs_past_the_cap(
    capped_client: Client, capped: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    args = {"body": "Hi {first_name}", "from": SENDER, "recipients": people(4)}
    held = await call(capped_client, "bulk_send_create", args)
    approval = held.error["approval"]
    assert held.error["code"] == "policy.approval_required" and not capped.stores.outbox.jobs(capped.profile, limit=1)
    facts = {fact["label"]: fact["value"] for fact in approval["impact"]["facts"]}
    assert facts["recipients"] == "4 to send of 4 given" and approval["impact"]["cost"]["currency"] == "USD"
    approval_id = await approve(capped, held)
    job = await call(capped_client, "bulk_send_create", {**args, "approval_id": approval_id})
    assert job.data["approved"] is True
    await drain(capped, elapse)
    assert len(sandbox.state.messages) == 4
    assert capped.stores.send_counter.count(capped.profile, "message_send") == 4  # still counted


async def test_send_windows_follow_each_recipients_time_zone(settings: Settings, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from skill.sandbox.clock import SandboxClock

    start = datetime(2026, 6, 1, 14, 0, tzinfo=UTC).timestamp()  # 10:00 in New York, 07:00 in Los Angeles
    wall, upstream = ManualClock(start), SandboxClock(frozen=True, start=start)
    sandbox = Sandbox(clock=upstream)
    services = build_services(settings, sandbox=sandbox, clock=wall)
    elapse = Elapse(wall, upstream)
    try:
        async with Client(build_server(settings, services)) as client:
            recipients = [{"phone_number": "+12125550100"}, {"phone_number": "+14155550100"}]
            args = {"body": "Store opens soon", "from": SENDER, "recipients": recipients, "send_window": "09:00-20:00"}
            job = (await call(client, "bulk_send_create", args)).data
            await worker(services, elapse).run_once()
            assert sent_to(sandbox) == Counter({"+12125550100": 1})
            await drain(services, elapse)
            assert (await call(client, "bulk_status", {"sid": job["sid"]})).data["counts"]["sent"] == 2
            la = next(m for m in sandbox.state.messages.values() if m["to"] == "+14155550100")
            assert la["created"] >= datetime(2026, 6, 1, 16, 0, tzinfo=UTC).timestamp()  # 09:00 in Los Angeles
    finally:
        services.stores.close()


async def test_status_callbacks_of_bulk_messages_count_deliveries(
    client: Client, services: Services, settings: Settings, elapse: Elapse
) -> None:
    job = await create(client, 2)
    await drain(services, elapse)
    first, second = services.stores.outbox.rows(job["sid"])
    events = [
        NewEvent(f"{first.sid}:delivered", "sms_status", first.sid, "delivered", None, None, {}),
        NewEvent(f"{second.sid}:undelivered", "sms_status", second.sid, "undelivered", None, 30003, {}),
    ]
    services.stores.webhook_events.record(events)
    EventProcessor(settings, services.stores).drain()  # type: ignore[arg-type]
    counts = (await call(client, "bulk_status", {"sid": job["sid"]})).data["counts"]
    assert (counts["delivered"], counts["undelivered"]) == (1, 1)


async def test_waiting_on_a_job_reports_progress_to_the_client(
    client: Client, services: Services, elapse: Elapse
) -> None:
    job = await create(client, 3)
    await drain(services, elapse)
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    with anyio.fail_after(10):
        result = await client.call_tool(
            "bulk_status", {"sid": job["sid"], "wait_seconds": 5}, progress_callback=progress
        )
    assert not result.is_error and seen and seen[-1][:2] == (3.0, 3.0)
    assert seen[-1][2] is not None and seen[-1][2].startswith("3 sent")


@pytest.mark.parametrize("name", ["../sandbox.db", "/etc/passwd", "imports/x.csv", "missing.csv"])
async def test_a_recipients_file_outside_the_imports_folder_is_refused(
    client: Client, services: Services, name: str
) -> None:
    result = await call(client, "bulk_send_create", {"body": "Hi", "from": SENDER, "csv_file": name})
    assert result.error["code"] == "input.invalid_file"
    assert services.stores.outbox.jobs(services.profile, limit=1) == []


async def test_a_csv_from_the_imports_folder_is_queued_row_by_row(
    client: Client, services: Services, settings: Settings, sandbox: Sandbox, elapse: Elapse
) -> None:
    folder = settings.home / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spring.csv").write_text("phone_number,first_name\n+14152000000,Ana\n+14152000001,\nbad,Bo\n")
    result = await call(
        client, "bulk_send_create", {"body": "Hi {first_name}", "from": SENDER, "csv_file": "spring.csv"}
    )
    assert result.data["report"]["valid"] == 1 and result.data["report"]["invalid"] == 2
    await drain(services, elapse)
    assert [m["body"] for m in sandbox.state.messages.values()] == ["Hi Ana"]
    listed = await call(client, "bulk_list", {"limit": 1})
    assert listed.data["items"][0]["sid"] == result.data["sid"]


async def test_creating_a_job_and_waiting_reports_progress_while_the_worker_sends(
    client: Client, services: Services, elapse: Elapse, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skill.core.bulk_status

    monkeypatch.setattr(skill.core.bulk_status, "POLL_SECONDS", 0.01)
    seen: list[tuple[float, float | None, str | None]] = []
    created: dict[str, Any] = {}

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    async def create_and_wait() -> None:
        args = {"body": "Hi {first_name}", "from": SENDER, "recipients": people(6), "wait_seconds": 30}
        result = await client.call_tool("bulk_send_create", args, progress_callback=progress)
        created.update(result.structured_content or {})

    async def work_once_queued() -> None:
        while not seen:
            await anyio.sleep(0.01)  # the job exists and its first progress was reported
        await drain(services, elapse)

    with anyio.fail_after(20):
        async with anyio.create_task_group() as group:
            group.start_soon(create_and_wait)
            group.start_soon(work_once_queued)
    assert seen[0][:2] == (0.0, 6.0) and seen[-1][:2] == (6.0, 6.0)
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert seen[-1][2] is not None and seen[-1][2].startswith("6 sent")
    assert created["progress"]["counts"]["sent"] == 6 and created["sid"] == created["progress"]["sid"]
