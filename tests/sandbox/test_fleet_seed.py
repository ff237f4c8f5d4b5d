"""The sandbox's fleet follows Twilio's credential rule: a parent's credentials reach its subaccounts'
API v2010 resources; a subaccount's credentials reach neither its parent's nor its siblings'; the
product APIs answer for the account whose credentials call them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from skill.sandbox.seed_fleet import FLEET, key_secret, key_sid, subaccount_sid

pytestmark = pytest.mark.anyio
PARENT = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
PROD, STAGING = subaccount_sid("prod"), subaccount_sid("staging")


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox.test") as client:
        yield client


def numbers_of(sid: str) -> str:
    return f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json"


async def test_each_environment_has_its_own_numbers_reachable_with_the_parents_credentials(
    http: httpx.AsyncClient,
) -> None:
    seen: dict[str, set[str]] = {}
    for name in FLEET:
        response = await http.get(numbers_of(subaccount_sid(name)), auth=PARENT)
        assert response.status_code == 200, response.text
        seen[name] = {n["phone_number"] for n in response.json()["incoming_phone_numbers"]}
        assert seen[name]
    assert not (seen["prod"] & seen["staging"]) and not (seen["staging"] & seen["dev"])


@pytest.mark.parametrize("target", [SANDBOX_ACCOUNT_SID, STAGING])
async def test_a_subaccounts_own_key_reaches_neither_its_parent_nor_a_sibling(
    http: httpx.AsyncClient, target: str
) -> None:
    response = await http.get(numbers_of(target), auth=(key_sid("prod"), key_secret("prod")))
    assert response.status_code == 401
    assert response.json()["code"] == 20003


async def test_product_apis_answer_for_the_account_whose_credentials_call_them(http: httpx.AsyncClient) -> None:
    async def names(auth: tuple[str, str]) -> set[str]:
        response = await http.get("/v1/Services", headers={"X-Twilio-Host": "messaging.twilio.com"}, auth=auth)
        assert response.status_code == 200, response.text
        return {s["friendly_name"] for s in response.json()["services"]}

    assert await names((key_sid("prod"), key_secret("prod"))) == {"Notifications"}
    assert await names((key_sid("staging"), key_secret("staging"))) == {"Notifications", "Campaigns"}
    assert await names(PARENT) == {"Sandbox notifications", "Sandbox promotions"}
