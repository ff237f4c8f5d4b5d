from __future__ import annotations

import pytest
from mcp import Client

from skill.gateways.http import RetryPolicy
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.sandbox.faults import Faults
from tests.conftest import call

pytestmark = pytest.mark.anyio


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(clock=SandboxClock(frozen=True), faults=Faults(retry_after=0))


@pytest.fixture(autouse=True)
def quick_retries(services: object) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=4, base=0.001, cap=0.01, budget=5.0)  # type: ignore[attr-defined]


def test_retry_after_is_honoured_up_to_the_cap_and_jitter_stays_within_the_backoff() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0)
    assert policy.delay(0, "2") == 2.0
    assert policy.delay(0, "30") is None  # longer than the cap: report it instead of retrying early
    assert all(0 <= policy.delay(3, None) <= 4.0 for _ in range(200))
    assert all(0 <= policy.delay(0, "soon") <= 0.5 for _ in range(200))


async def test_a_429_is_retried_and_the_call_succeeds(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    sandbox.faults.queue = ["429", "429"]
    result = await call(client, "subaccount_create", {"friendly_name": "after-throttle"})
    assert not result.is_error, result
    names = [a["friendly_name"] for a in sandbox.state.accounts.values()]
    assert names.count("after-throttle") == 1


async def test_persistent_429_ends_as_a_retryable_20429(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.queue = ["429"] * 10
    result = await call(client, "account_get")
    assert result.error["code"] == "twilio.20429"
    assert result.error["retryable"] is True
    assert result.error["http_status"] == 429
    assert result.error["remediation"]


async def test_a_500_on_a_write_is_not_retried_and_reported_as_unknown_outcome(
    client: Client, sandbox: Sandbox
) -> None:
    before = len(sandbox.state.accounts)
    sandbox.faults.queue = ["500", ""]
    result = await call(client, "subaccount_create", {"friendly_name": "maybe"})
    assert result.error["code"] == "upstream.outcome_unknown"
    assert result.error["retryable"] is False
    assert any("before" in step or "Check" in step for step in result.error["remediation"])
    # The fault was answered before the route ran, and the request was not sent again.
    assert len(sandbox.state.accounts) == before
    assert sandbox.faults.queue == [""]


async def test_a_500_on_a_read_is_retried(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.queue = ["500"]
    result = await call(client, "account_get")
    assert not result.is_error, result
    assert sandbox.faults.queue == []


async def test_an_unreachable_sandbox_is_reported_as_nothing_sent(client: Client, services: object) -> None:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    services.twilio.http._client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))  # type: ignore[attr-defined]
    result = await call(client, "account_get")
    assert result.error["code"] == "upstream.unreachable"
    assert result.error["retryable"] is True
