from __future__ import annotations

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio
HOST = "lookups.twilio.com"
ROUTE = "/v2/PhoneNumbers/{PhoneNumber}"


async def test_the_lookup_route_answers_with_the_published_schema_for_every_line_type(
    client: Client, sandbox: Sandbox
) -> None:
    with contract(sandbox, host=HOST, routes={("GET", ROUTE)}) as served:
        both = ["line_type_intelligence", "caller_name"]
        for phone in ("+14155550140", "+14155550144", "+14155550146", "+14155550147", "+18005550199", "+16135550143"):
            result = await call(client, "number_lookup", {"phone_number": phone, "fields": both})
            assert not result.is_error, result
        await call(client, "number_lookup", {"phone_number": "+15005550006", "fields": ["caller_name"]})
        # Twilio answers an invalid number with 200 and valid=false; the tool never sends one, a raw request can.
        await lookup_invalid_number(sandbox)

    assert served.routes == {("GET", ROUTE)}
    assert {host_route for host_route in sandbox.route_table() if host_route[0] == HOST} == {(HOST, "GET", ROUTE)}
    bodies = served.bodies("GET", ROUTE)
    assert {b["line_type_intelligence"]["type"] for b in bodies if b["line_type_intelligence"]} == {
        "mobile",
        "landline",
        "fixedVoip",
        "nonFixedVoip",
        "tollFree",
    }
    assert any(b["valid"] is False for b in bodies)


async def lookup_invalid_number(sandbox: Sandbox) -> None:
    """An invalid number, straight through the sandbox's HTTP interface."""
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        response = await http.get(
            "/v2/PhoneNumbers/+141599299600",
            params={"Fields": "line_type_intelligence"},
            headers={"X-Twilio-Host": HOST},
            auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
        )
    assert response.status_code == 200
    assert response.json()["validation_errors"] == ["TOO_LONG"]
