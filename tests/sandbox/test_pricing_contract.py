from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from skill.sandbox.magic import VALID
from skill.sandbox.pricing import COUNTRIES
from tests.conftest import call
from tests.contract import assert_matches

pytestmark = pytest.mark.anyio
HOST = "pricing.twilio.com"


async def get(sandbox: Sandbox, path: str, **params: str) -> httpx.Response:
    """GET a Pricing path the way the SDK would (the tools read only some of them)."""
    token = base64.b64encode(f"{SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN}".encode()).decode()
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        return await http.get(
            path, params=params, headers={"Authorization": f"Basic {token}", "X-Twilio-Host": HOST}, timeout=10
        )


def spec_of(path: str) -> str:
    return f"twilio-oai/twilio_pricing_{path.split('/')[1]}.json"


async def test_pricing_routes_answer_with_the_published_schemas(client: Client, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    for iso in COUNTRIES:
        result = await call(client, "pricing_get", {"country": iso})
        assert not result.is_error, result
    preview = await call(client, "message_preview", {"body": "hello", "to": VALID})
    assert not preview.is_error, preview
    for listing in (
        "/v1/Messaging/Countries",
        "/v1/PhoneNumbers/Countries",
        "/v1/Voice/Countries",
        "/v2/Voice/Countries",
    ):
        assert (await get(sandbox, listing, PageSize="2")).status_code == 200
    assert (await get(sandbox, "/v1/Voice/Countries/GB")).status_code == 200
    assert (await get(sandbox, f"/v1/Voice/Numbers/{VALID}")).status_code == 200
    v2 = await get(sandbox, "/v2/Voice/Numbers/+447400123456", OriginationNumber=VALID)
    assert v2.status_code == 200
    assert v2.json()["outbound_call_prices"][0]["current_price"] == "0.0395"  # the mobile prefix, not the country's
    served = {(r["host"], r["method"], r["path"]) for r in sandbox.served}
    routes = {route for route in sandbox.route_table() if route[0] == HOST}
    assert routes <= served, routes - served  # every Pricing route was exercised
    for response in sandbox.served:
        if response["host"] == HOST:
            assert response["status"] == 200, response
            assert_matches(spec_of(response["path"]), "GET", response["path"], 200, response["body"])


async def test_a_country_without_prices_answers_twilios_not_found(sandbox: Sandbox) -> None:
    answer = await get(sandbox, "/v1/Messaging/Countries/ZZ")
    body: dict[str, Any] = answer.json()
    assert answer.status_code == 404
    assert body["code"] == 20404 and body["status"] == 404 and set(body) >= {"message", "more_info"}
    assert (await get(sandbox, "/v2/Voice/Numbers/+1234")).status_code == 404  # not a valid number


async def test_prices_are_decimal_strings_as_twilio_sends_them(sandbox: Sandbox) -> None:
    body = (await get(sandbox, "/v1/Messaging/Countries/US")).json()
    prices = [price for carrier in body["outbound_sms_prices"] for price in carrier["prices"]]
    assert prices and all(isinstance(p["current_price"], str) for p in prices)
    assert body["price_unit"] == "USD"
