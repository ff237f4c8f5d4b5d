from __future__ import annotations

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from tests.conftest import call
from tests.contract import assert_matches

pytestmark = pytest.mark.anyio
SPEC = "twilio-oai/twilio_api_v2010.json"


async def test_account_routes_answer_with_the_published_schemas(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    await call(client, "account_get")
    await call(client, "subaccounts_list")
    created = await call(client, "subaccount_create", {"friendly_name": "contract"})
    sandbox.state.accounts[created.data["sid"]]["status"] = "active"
    served = {(r["method"], r["path"]) for r in sandbox.served}
    assert ("GET", "/2010-04-01/Accounts/{Sid}.json") in served
    assert ("GET", "/2010-04-01/Accounts/{AccountSid}/Balance.json") in served
    assert ("GET", "/2010-04-01/Accounts.json") in served
    assert ("POST", "/2010-04-01/Accounts.json") in served
    for response in sandbox.served:
        assert_matches(SPEC, response["method"], response["path"], response["status"], response["body"])
