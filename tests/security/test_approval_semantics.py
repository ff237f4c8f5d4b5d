"""What an approval means, held against a client that repeats, races and retries.

One pending request per distinct call (however its number was written); an approval runs its call
once, even under twenty concurrent repeats; a call that surely changed nothing gives its approval
back for another try until it expires; a call whose outcome is unknown keeps it used, and says so.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.approvals import ApprovalRequest, ApprovalService
from skill.core.context import Services
from skill.errors import PolicyError
from skill.gateways.http import RetryPolicy
from skill.ports.clock import ManualClock
from skill.sandbox.app import Sandbox
from skill.server.app import build_server
from skill.stores.sqlite import Stores
from skill.wiring import build_services
from tests.conftest import Called, Elapse, approve, call
from tests.security.calls import assert_structured, calls_of, events_of, seeded_number, send_args

pytestmark = pytest.mark.anyio

MISSING_NUMBER = "PN" + "f" * 32


@pytest.fixture
async def capped(
    settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[tuple[Client, Services]]:
    """A server whose daily cap for sends is 0: every send needs an operator's approval."""
    policy = tmp_path / "policy.toml"
    policy.write_text("[limits]\nsends_per_day = 0\n")
    capped_settings = settings.with_overrides(policy_path=policy)
    services = build_services(capped_settings, sandbox=sandbox, clock=wall_clock)
    services.twilio.http.retry = RetryPolicy(attempts=1)
    async with Client(build_server(capped_settings, services)) as client:
        yield client, services
    await services.aclose()


def approval_of(result: Called) -> dict[str, Any]:
    block = result.error.get("approval")
    assert isinstance(block, dict), result
    return block


# One request per distinct call


@pytest.mark.parametrize(
    "written", ["+14155550100", "(415) 555-0100", "415.555.0100", "+1 415 555 0100", "1-415-555-0100"]
)
async def test_a_repeated_send_while_pending_finds_the_same_request_however_the_number_is_written(
    capped: tuple[Client, Services], sandbox: Sandbox, written: str
) -> None:
    client, services = capped
    first = await call(client, "message_send", send_args())
    again = await call(client, "message_send", send_args(to=written))
    assert first.error["code"] == again.error["code"] == "policy.approval_required"
    assert approval_of(again)["id"] == approval_of(first)["id"]
    pending = services.approvals.list(status="pending")
    assert [request.id for request in pending] == [approval_of(first)["id"]]
    assert '"to":"+14155550100"' in pending[0].args_json  # the operator sees the number as it will be dialled
    assert events_of(services, pending[0].id) == ["approval.requested"]
    assert sandbox.state.messages == {}


async def test_the_approval_granted_for_one_writing_of_a_number_runs_the_same_call_written_another_way(
    capped: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = capped
    approval_id = await approve(services, await call(client, "message_send", send_args(to="(415) 555-0100")))
    done = await call(client, "message_send", {**send_args(to="+1 415 555 0100"), "approval_id": approval_id})
    assert not done.is_error, done
    assert [m["to"] for m in sandbox.state.messages.values()] == ["+14155550100"]


async def test_different_calls_open_different_requests_and_a_channel_is_a_different_call(
    capped: tuple[Client, Services],
) -> None:
    client, services = capped
    ids = {
        approval_of(await call(client, "message_send", args))["id"]
        for args in (
            send_args(),
            send_args(body="Another text."),
            send_args(to="+14155550111"),
            send_args(to="whatsapp:+14155550100", **{"from": "whatsapp:+15005550006"}),
        )
    }
    assert len(ids) == 4
    assert len(services.approvals.list(status="pending")) == 4


async def test_a_repeated_destructive_call_while_pending_finds_the_same_request(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    sid = seeded_number(sandbox)
    ids = [approval_of(await call(client, "number_release", {"sid": sid}))["id"] for _ in range(5)]
    assert len(set(ids)) == 1
    assert [request.id for request in services.approvals.list(status="pending")] == ids[:1]
    assert sid in sandbox.state.numbers


# Used once


async def test_twenty_concurrent_repeats_of_one_approved_call_run_it_exactly_once(
    capped: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = capped
    args = send_args()
    approval_id = await approve(services, await call(client, "message_send", args))
    results: list[Called] = []

    async def repeat() -> None:
        results.append(await call(client, "message_send", {**args, "approval_id": approval_id}))

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(repeat)
    ran = [result for result in results if not result.is_error]
    refused = [assert_structured(result)["code"] for result in results if result.is_error]
    assert len(ran) == 1 and refused == ["policy.approval_used"] * 19
    assert len(sandbox.state.messages) == 1
    assert services.stores.send_counter.count(services.profile, "message_send") == 1
    assert events_of(services, approval_id).count("approval.used") == 1


def test_twenty_connections_consuming_one_approval_at_once_use_it_exactly_once(tmp_path: Path) -> None:
    clock = ManualClock(1_800_000_000.0)
    path = tmp_path / "state.db"
    opened = [Stores.open(path, clock=clock) for _ in range(20)]
    services = [ApprovalService(store=s.approvals, audit=s.audit, clock=clock) for s in opened]
    asked = ApprovalRequest(
        tool="number_release", args_json="{}", args_sha256="d" * 64, profile="p", summary="s", reason="r"
    )
    request, _ = services[0].request(asked)
    services[0].decide(request.id, approve=True, operator="ops")
    start = threading.Barrier(20, timeout=30)
    outcomes: list[str] = []
    lock = threading.Lock()

    def consume(service: ApprovalService) -> None:
        start.wait()
        try:
            service.consume(request.id, tool="number_release", args_sha256="d" * 64, profile="p")
            outcome = "used"
        except PolicyError as exc:
            outcome = exc.code
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=consume, args=(service,)) for service in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for stores in opened:
        stores.close()
    assert sorted(outcomes) == ["policy.approval_used"] * 19 + ["used"]


# Given back when nothing changed


async def test_a_release_twilio_refuses_gives_the_approval_back_for_another_try_until_it_expires(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    args = {"sid": MISSING_NUMBER}
    # The number exists while the operator judges the request, and is gone when the call runs.
    template = sandbox.state.numbers[seeded_number(sandbox)]
    sandbox.state.numbers[MISSING_NUMBER] = {**template, "sid": MISSING_NUMBER}
    approval_id = await approve(services, await call(client, "number_release", args))
    del sandbox.state.numbers[MISSING_NUMBER]
    for _ in range(2):
        refused = await call(client, "number_release", {**args, "approval_id": approval_id})
        error = assert_structured(refused)
        assert error["http_status"] == 404
        block = approval_of(refused)
        assert (block["id"], block["status"]) == (approval_id, "approved")
        assert "not used up" in block["note"]
        assert services.approvals.get(approval_id).status == "approved"
    # The cause fixed (the number exists again), the same approval runs the same call, once.
    sandbox.state.numbers[MISSING_NUMBER] = {**template, "sid": MISSING_NUMBER}
    done = await call(client, "number_release", {**args, "approval_id": approval_id})
    assert not done.is_error, done
    assert MISSING_NUMBER not in sandbox.state.numbers
    assert services.approvals.get(approval_id).status == "used"
    assert events_of(services, approval_id).count("approval.released") == 2
    assert [entry.outcome for entry in calls_of(services, "number_release")] == ["error", "error", "ok"]


async def test_a_given_back_approval_lapses_when_it_expires(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    args = {"sid": MISSING_NUMBER}
    sandbox.state.numbers[MISSING_NUMBER] = {**sandbox.state.numbers[seeded_number(sandbox)], "sid": MISSING_NUMBER}
    approval_id = await approve(services, await call(client, "number_release", args))
    del sandbox.state.numbers[MISSING_NUMBER]
    refused = await call(client, "number_release", {**args, "approval_id": approval_id})
    assert approval_of(refused)["status"] == "approved"
    elapse(services.settings.approval_ttl_seconds + 1)
    late = await call(client, "number_release", {**args, "approval_id": approval_id})
    assert assert_structured(late)["code"] == "policy.approval_expired"


async def test_a_message_twilio_refuses_gives_back_its_approval_and_its_daily_send(
    capped: tuple[Client, Services], sandbox: Sandbox
) -> None:
    client, services = capped
    args = send_args(to="+15005550001")
    approval_id = await approve(services, await call(client, "message_send", args))
    for _ in range(2):
        refused = await call(client, "message_send", {**args, "approval_id": approval_id})
        assert assert_structured(refused)["code"] == "twilio.21211"
        block = approval_of(refused)
        assert block["status"] == "approved" and "not used up" in block["note"]
        assert services.stores.send_counter.count(services.profile, "message_send") == 0
    assert sandbox.state.messages == {}


# Kept used when the outcome is unknown


@pytest.mark.parametrize("fault", ["500", "drop"])
async def test_a_release_whose_answer_never_came_keeps_its_approval_used_and_says_so(
    client: Client, services: Services, sandbox: Sandbox, fault: str
) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=1)
    args = {"sid": seeded_number(sandbox)}
    approval_id = await approve(services, await call(client, "number_release", args))
    sandbox.faults.queue = ["", fault]  # the number is fetched, then its DELETE gets no clear answer
    unknown = await call(client, "number_release", {**args, "approval_id": approval_id})
    assert assert_structured(unknown)["code"] == "upstream.outcome_unknown"
    block = approval_of(unknown)
    assert block["status"] == "used" and "used up" in block["note"]
    assert services.approvals.get(approval_id).status == "used"
    assert calls_of(services, "number_release")[-1].outcome == "unknown"
    again = await call(client, "number_release", {**args, "approval_id": approval_id})
    assert assert_structured(again)["code"] == "policy.approval_used"


@pytest.mark.parametrize("fault", ["500", "drop"])
async def test_a_send_whose_answer_never_came_keeps_its_approval_used_and_its_count(
    capped: tuple[Client, Services], sandbox: Sandbox, fault: str
) -> None:
    client, services = capped
    args = send_args()
    approval_id = await approve(services, await call(client, "message_send", args))
    sandbox.faults.queue = [fault]
    unknown = await call(client, "message_send", {**args, "approval_id": approval_id})
    assert assert_structured(unknown)["code"] == "upstream.outcome_unknown"
    assert approval_of(unknown)["status"] == "used"
    assert services.stores.send_counter.count(services.profile, "message_send") == 1
    assert len(sandbox.state.messages) == (1 if fault == "drop" else 0)
