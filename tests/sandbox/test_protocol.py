"""The sandbox speaks Twilio's protocol: Basic auth, error JSON, list envelopes with paging, product hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox

pytestmark = pytest.mark.anyio
BASE = "http://sandbox.test"


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE, auth=auth) as client:
        yield client


async def test_wrong_credentials_get_twilio_error_json_20003(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE, auth=("ACbad", "nope")) as client:
        response = await client.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")
    assert response.status_code == 401
    body = response.json()
    assert body == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


async def test_an_unknown_account_is_a_20404(http: httpx.AsyncClient) -> None:
    response = await http.get("/2010-04-01/Accounts/AC" + "0" * 32 + ".json")
    assert response.status_code == 404
    assert response.json()["code"] == 20404


async def test_lists_page_with_page_size_and_next_page_uri(http: httpx.AsyncClient) -> None:
    seen: list[str] = []
    url: str | None = "/2010-04-01/Accounts.json?PageSize=1"
    pages = 0
    while url:
        body = (await http.get(url)).json()
        seen.extend(account["sid"] for account in body["accounts"])
        assert body["page_size"] == 1
        url = body["next_page_uri"]
        pages += 1
        assert pages < 10
    assert pages == 4  # the parent and its three subaccounts
    assert len(set(seen)) == 4


async def test_dates_are_rfc_2822(http: httpx.AsyncClient) -> None:
    body = (await http.get(f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}.json")).json()
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(body["date_created"]).tzinfo is not None
    assert body["date_created"].endswith("+0000")


async def test_requests_are_form_encoded_like_the_sdk_sends_them(http: httpx.AsyncClient) -> None:
    response = await http.post("/2010-04-01/Accounts.json", data={"FriendlyName": "form"})
    assert response.status_code == 201
    assert response.json()["friendly_name"] == "form"


async def test_the_sandbox_inspection_clock_can_be_driven(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    before = sandbox.clock.now()
    response = await http.post("/_sandbox/clock/advance?seconds=5")
    assert response.status_code == 200
    assert sandbox.clock.now() == pytest.approx(before + 5)


async def test_the_official_sdk_follows_pages_through_the_gateway(sandbox: Sandbox) -> None:
    from twilio.rest import Client

    from skill.gateways.http import SkillHttpClient

    http_client = SkillHttpClient(transport=sandbox.transport(), rewrite_base=BASE)
    client = Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, http_client=http_client)
    accounts = await client.api.v2010.accounts.list_async(page_size=1, limit=10)
    assert len(accounts) == 4  # the parent and its three subaccounts
    await http_client.aclose()
