from __future__ import annotations

import pytest
from mcp import Client

from skill.sandbox.app import Sandbox
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio
ROUTES = {
    ("GET", "/2010-04-01/Accounts/{Sid}.json"),
    ("GET", "/2010-04-01/Accounts/{AccountSid}/Balance.json"),
    ("GET", "/2010-04-01/Accounts.json"),
    ("POST", "/2010-04-01/Accounts.json"),
}


async def test_account_routes_answer_with_the_published_schemas(client: Client, sandbox: Sandbox) -> None:
    with contract(sandbox, routes=ROUTES):
        await call(client, "account_get")
        await call(client, "subaccounts_list")
        created = await call(client, "subaccount_create", {"friendly_name": "contract"})
        sandbox.state.accounts[created.data["sid"]]["status"] = "active"
