from __future__ import annotations

import json

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from tests.conftest import approve, call
from tests.contract import contract

pytestmark = pytest.mark.anyio
NUMBERS = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers"
AVAILABLE = "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}"
ROUTES = {
    ("GET", f"{NUMBERS}.json"),
    ("POST", f"{NUMBERS}.json"),
    ("GET", f"{NUMBERS}/{{Sid}}.json"),
    ("POST", f"{NUMBERS}/{{Sid}}.json"),
    ("DELETE", f"{NUMBERS}/{{Sid}}.json"),
    ("GET", f"{AVAILABLE}/Local.json"),
    ("GET", f"{AVAILABLE}/Mobile.json"),
    ("GET", f"{AVAILABLE}/TollFree.json"),
}


async def gated(client: Client, services: Services, tool: str, args: dict[str, object]) -> None:
    first = await call(client, tool, args)
    done = await call(client, tool, {**args, "approval_id": await approve(services, first)})
    assert not done.is_error, done


async def test_number_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, routes=ROUTES | {("GET", "/v1/Services/{ServiceSid}/PhoneNumbers")}) as served:
        await call(client, "numbers_list", {"phone_number": "+14155550142"})
        found = await call(client, "number_search", {"area_code": 415, "contains": "42", "limit": 3})
        await call(client, "number_search", {"country": "GB", "kind": "mobile", "limit": 2})
        await call(client, "number_search", {"kind": "toll_free", "mms": True, "limit": 2})
        bought = found.data["available"][0]["phone_number"]
        await gated(client, services, "number_buy", {"phone_number": bought})
        sid = (await call(client, "numbers_list", {"phone_number": bought})).data["items"][0]["sid"]
        await gated(
            client,
            services,
            "number_configure",
            {"sid": sid, "voice_url": "https://example.com/v", "voice_method": "GET"},
        )
        await gated(client, services, "number_release", {"sid": sid})
    # The approvals' impact also read the Messaging Services that send from the number (Messaging v1)
    # and the number's monthly price (Pricing).
    assert {r["host"] for r in served.responses} == {"api.twilio.com", "messaging.twilio.com", "pricing.twilio.com"}
    assert all(r["status"] < 400 for r in served.responses)


async def test_number_route_errors_use_twilio_error_bodies(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, statuses={400, 404}, errors="twilio") as served:
        first = await call(client, "number_buy", {"phone_number": "+15005550000"})
        approval_id = await approve(services, first)
        await call(client, "number_buy", {"phone_number": "+15005550000", "approval_id": approval_id})
        await call(client, "number_search", {"country": "US", "kind": "mobile"})
    # The spec declares no error responses; Twilio's error body is {code, message, more_info, status}.
    errors = {r["status"]: json.loads(r["body"]) for r in served.responses if r["status"] >= 400}
    assert errors[400]["code"] == 21422 and errors[404]["code"] == 20404
    for body in errors.values():
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
