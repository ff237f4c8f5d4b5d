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

    http = services.twilio.http  # type: ignore[attr-defined]
    http._client, http._exchange = httpx.AsyncClient(transport=httpx.MockTransport(refuse)), None
    result = await call(client, "account_get")
    assert result.error["code"] == "upstream.unreachable"
    assert result.error["retryable"] is True


def test_a_retry_after_header_is_read_as_seconds_or_a_date_and_bounded() -> None:
    from skill.gateways.http import MAX_RETRY_AFTER, retry_after_seconds

    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480.0) == 30.0
    assert retry_after_seconds("-5") == 0.0 and retry_after_seconds("1e9") == MAX_RETRY_AFTER
    assert retry_after_seconds("soon") is None and retry_after_seconds("nan") is None
    assert retry_after_seconds(None) is None


async def test_a_429_asking_for_a_long_wait_carries_its_retry_after_on_the_error_and_nothing_else(
    services: object, sandbox: Sandbox
) -> None:
    from skill.errors import UpstreamError

    sandbox.faults.retry_after = 45  # over the gateway's cap: given up at once, the wait left to the caller
    sandbox.faults.queue = ["429"]
    with pytest.raises(UpstreamError) as raised:
        await services.twilio.messages.create(  # type: ignore[attr-defined]
            to="+14155550100", body="Hi", from_="+18005550123", messaging_service_sid=None,
            media_url=None, status_callback=None, validity_period=None,
        )  # fmt: skip
    assert raised.value.twilio_code == 20429 and raised.value.retry_after == 45.0
    assert "Retry-After" not in str(raised.value.to_dict()) and sandbox.faults.queue == []


async def test_a_503_on_a_write_is_an_unknown_outcome_with_its_status_and_retry_after(
    services: object, sandbox: Sandbox
) -> None:
    from skill.errors import UpstreamError

    sandbox.faults.retry_after = 7
    sandbox.faults.queue = ["503"]
    with pytest.raises(UpstreamError) as raised:
        await services.twilio.messages.create(  # type: ignore[attr-defined]
            to="+14155550100", body="Hi", from_="+18005550123", messaging_service_sid=None,
            media_url=None, status_callback=None, validity_period=None,
        )  # fmt: skip
    error = raised.value
    assert (error.code, error.http_status, error.retry_after) == ("upstream.outcome_unknown", 503, 7.0)
    assert not sandbox.state.messages


async def test_the_accounts_api_concurrency_limit_answers_429_with_a_retry_after(sandbox: Sandbox) -> None:
    import httpx

    sandbox.api_concurrency.limit = 0  # every request finds the account at its limit
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
        answer = await http.get("/2010-04-01/Accounts.json", headers={"X-Twilio-Host": "api.twilio.com"})
    assert answer.status_code == 429 and answer.json()["code"] == 20429
    assert answer.headers["Retry-After"] == "0" and sandbox.api_concurrency.refused == 1
