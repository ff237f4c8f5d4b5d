from __future__ import annotations

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio
HOST = "messaging.twilio.com"
ROUTES = {
    ("GET", "/v1/Services"),
    ("POST", "/v1/Services"),
    ("GET", "/v1/Services/{Sid}"),
    ("POST", "/v1/Services/{Sid}"),
    ("GET", "/v1/Services/{ServiceSid}/PhoneNumbers"),
    ("POST", "/v1/Services/{ServiceSid}/PhoneNumbers"),
    ("DELETE", "/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}"),
    ("GET", "/v1/Services/{MessagingServiceSid}/Compliance/Usa2p"),
    ("GET", "/v1/a2p/BrandRegistrations/{Sid}"),
    ("GET", "/v1/Tollfree/Verifications"),
}


async def test_messaging_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, host=HOST, routes=ROUTES, statuses={200, 201, 204, 404, 409}, errors="twilio") as served:
        created = await call(
            client,
            "messaging_service_create",
            {"friendly_name": "contract", "status_callback": "https://example.com/status", "validity_period": 600},
        )
        sid = created.data["service"]["sid"]
        await call(client, "messaging_services_list")
        await call(client, "messaging_service_update", {"sid": sid, "sticky_sender": False})
        number = make_sid("PN", "seed", "+15005550006")
        await call(client, "messaging_service_sender_add", {"service_sid": sid, "phone_number_sid": number})
        await call(client, "messaging_service_sender_add", {"service_sid": sid, "phone_number_sid": number})
        await call(client, "messaging_service_sender_remove", {"service_sid": sid, "phone_number_sid": number})
        await call(client, "messaging_service_get", {"sid": "MG" + "0" * 32})
        await call(client, "compliance_status")
        # Paging is not reached through a tool; drive it through the SDK the gateway uses.
        paged = await services.twilio.client().messaging.v1.services.list_async(page_size=1, limit=3)
        assert len(paged) == 3

    assert {(method, path) for host, method, path in sandbox.route_table() if host == HOST} == ROUTES
    pages = served.bodies("GET", "/v1/Services")
    assert any(p["meta"]["next_page_url"] for p in pages) and any(p["meta"]["previous_page_url"] for p in pages)
