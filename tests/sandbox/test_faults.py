"""Injected dropped connections: the request is processed, the answer never comes. A write is then
reported as an unknown outcome and not sent again; a read is retried."""

from __future__ import annotations

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.context import Services
from skill.errors import ConfigError
from skill.gateways.http import RetryPolicy
from skill.sandbox.app import Sandbox
from skill.sandbox.faults import Faults
from tests.conftest import call

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def quick_retries(services: Services) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=4, base=0.001, cap=0.01, budget=5.0)


def test_drop_is_a_fault_the_spec_can_name() -> None:
    assert Faults.parse("drop=0.25,seed=3").rate_drop == 0.25
    always = Faults.parse("drop=1")
    assert {always.pick() for _ in range(20)} == {"drop"}
    with pytest.raises(ConfigError):
        Faults.parse("drop=often")


async def test_a_dropped_answer_reaches_an_httpx_client_as_a_protocol_error(sandbox: Sandbox) -> None:
    sandbox.faults.queue = ["drop"]
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox", auth=auth) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
        assert (await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")).status_code == 200


async def test_a_dropped_write_is_an_unknown_outcome_and_is_not_sent_again(client: Client, sandbox: Sandbox) -> None:
    before = len(sandbox.state.accounts)
    sandbox.faults.queue = ["drop", ""]
    result = await call(client, "subaccount_create", {"friendly_name": "maybe-made"})
    assert result.error["code"] == "upstream.outcome_unknown"
    assert result.error["retryable"] is False
    # It was made once (the answer was lost, not the request), and nothing was resent.
    names = [account["friendly_name"] for account in sandbox.state.accounts.values()]
    assert names.count("maybe-made") == 1 and len(sandbox.state.accounts) == before + 1
    assert sandbox.faults.queue == [""]


async def test_a_dropped_read_is_retried_and_succeeds(client: Client, sandbox: Sandbox) -> None:
    sandbox.faults.queue = ["drop"]
    result = await call(client, "account_get")
    assert not result.is_error, result
    assert result.data["sid"] == SANDBOX_ACCOUNT_SID
    assert sandbox.faults.queue == []
