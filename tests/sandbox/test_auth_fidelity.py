"""Authentication answers as Twilio's do: 401 with 20003 for a subaccount reaching its parent, for a
suspended or closed account's own credentials, for a standard API key on the Accounts and Keys
resources, and for a subaccount creating subaccounts; the main account's auth token may do all."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
BASE = "http://sandbox.test"
STAGING = make_sid("AC", "sub", "staging")
SEEDED_KEY = make_sid("SK", "seed", "deploy")


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE) as client:
        yield client


def as_account(sandbox: Sandbox, sid: str) -> tuple[str, str]:
    return sid, str(sandbox.state.auth_token(sid))


def as_key(sandbox: Sandbox, sid: str = SEEDED_KEY) -> tuple[str, str]:
    return sid, str(sandbox.state.keys[sid]["secret"])


def refused(response: httpx.Response) -> str:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["code"] == 20003 and body["status"] == 401
    return str(body["message"])


async def test_a_subaccount_reaching_its_parent_is_refused_with_401(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    staging = as_account(sandbox, STAGING)
    parent_account = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json", auth=staging)
    refused(parent_account)
    refused(await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json", auth=staging))
    own = await http.get(f"/2010-04-01/Accounts/{STAGING}/IncomingPhoneNumbers.json", auth=staging)
    assert own.status_code == 200


@pytest.mark.parametrize("status", ["suspended", "closed"])
async def test_an_inactive_accounts_own_credentials_are_refused(
    http: httpx.AsyncClient, sandbox: Sandbox, status: str
) -> None:
    sandbox.state.accounts[STAGING]["status"] = status
    refused(
        await http.get(f"/2010-04-01/Accounts/{STAGING}/IncomingPhoneNumbers.json", auth=as_account(sandbox, STAGING))
    )
    # The parent still sees it, and may reactivate a suspended one.
    parent = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    fetched = await http.get(f"/2010-04-01/Accounts/{STAGING}.json", auth=parent)
    assert fetched.json()["status"] == status


async def test_a_standard_key_may_not_list_create_or_read_accounts_but_the_auth_token_may(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    key = as_key(sandbox)
    before = len(sandbox.state.accounts)
    refused(await http.get("/2010-04-01/Accounts.json", auth=key))
    refused(await http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "by key"}, auth=key))
    refused(await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json", auth=key))
    refused(await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Keys.json", auth=key))
    assert len(sandbox.state.accounts) == before
    # What the gateway's key check does still works with a key.
    numbers = await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers.json", auth=key)
    assert numbers.status_code == 200
    token = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    assert (await http.get("/2010-04-01/Accounts.json", auth=token)).status_code == 200
    created = await http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "by token"}, auth=token)
    assert created.status_code == 201


async def test_a_subaccount_creating_a_subaccount_is_refused_with_20003_not_the_test_credentials_code(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    before = len(sandbox.state.accounts)
    response = await http.post(
        "/2010-04-01/Accounts.json", data={"FriendlyName": "grandchild"}, auth=as_account(sandbox, STAGING)
    )
    assert "Subaccounts cannot create subaccounts" in refused(response)
    assert len(sandbox.state.accounts) == before


async def test_a_new_key_verifies_by_listing_numbers_though_it_may_not_read_the_account(
    client: Client, http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    created = await call(client, "apikey_create", {"friendly_name": "rotated"})
    assert not created.is_error, created
    assert created.data["verified"] is True
    refused(
        await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json", auth=as_key(sandbox, created.data["sid"]))
    )
