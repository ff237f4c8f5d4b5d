from __future__ import annotations

import pytest
from mcp import Client
from twilio.base.exceptions import TwilioRestException

from skill.core.context import Services
from skill.gateways.http import RetryPolicy
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio
HOST = "verify.twilio.com"
SERVICE = make_sid("VA", "seed", "verify")
PHONE = "+14155550100"
ROUTES = {
    ("GET", "/v2/Services"),
    ("POST", "/v2/Services"),
    ("GET", "/v2/Services/{Sid}"),
    ("POST", "/v2/Services/{Sid}"),
    ("POST", "/v2/Services/{ServiceSid}/Verifications"),
    ("POST", "/v2/Services/{ServiceSid}/VerificationCheck"),
}


async def test_verify_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    services.twilio.http.retry = RetryPolicy(attempts=1)
    with contract(sandbox, routes=ROUTES, statuses={200, 201, 400, 404}, errors="twilio") as served:
        await call(client, "verify_services_list")
        created = await call(client, "verify_service_create", {"friendly_name": "Contract", "lookup_enabled": True})
        await call(client, "verification_start", {"service_sid": SERVICE, "to": PHONE})
        await call(client, "verification_start", {"service_sid": SERVICE, "to": "a@example.com", "channel": "email"})
        await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": "0000"})
        code = sandbox.state.verify_codes[0]["code"]
        await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": code})
        await call(client, "verification_check", {"service_sid": SERVICE, "to": PHONE, "code": code})  # 404 now
        assert created.data["lookup_enabled"] is True
        # Paging and the sandbox's own refusals are not reached through a tool (its inputs are checked
        # first); drive them through the SDK the gateway uses.
        verify = services.twilio.client().verify.v2.services
        paged = await verify.list_async(page_size=1, limit=5)
        assert len(paged) == 2
        fetched = await verify(SERVICE).fetch_async()
        assert fetched.friendly_name == "Sandbox login"
        with pytest.raises(TwilioRestException) as refused:
            await verify.create_async(friendly_name="Too long codes", code_length=12)
        assert refused.value.code == 60200
        updated = await services.twilio.verify.update_service(SERVICE, code_length=8, lookup_enabled=True)
        assert (updated.code_length, updated.lookup_enabled) == (8, True)
        with pytest.raises(TwilioRestException) as refused_update:
            await verify(SERVICE).update_async(code_length=3)
        assert refused_update.value.code == 60200
        assert (await verify(SERVICE).fetch_async()).code_length == 8

    assert {(method, path) for host, method, path in sandbox.route_table() if host == HOST} == ROUTES
    pages = [body["meta"] for body in served.bodies("GET", "/v2/Services")]
    assert any(m["next_page_url"] for m in pages) and any(m["previous_page_url"] for m in pages)
    assert all(m["key"] == "services" and m["url"].startswith("https://verify.twilio.com/") for m in pages)
