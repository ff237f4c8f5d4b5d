from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from skill.config import Settings
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
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
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    # Webhooks may point at example.com here without an operator, so the create runs at once.
    policy = tmp_path / "hooks.toml"
    policy.write_text('[webhooks]\nallowed_hosts = ["example.com"]\n')
    trusted = settings.with_overrides(policy_path=policy)
    services = build_services(trusted, sandbox=sandbox)
    async with Client(build_server(trusted, services)) as client:
        with contract(sandbox, host=HOST, routes=ROUTES, statuses={200, 201, 204, 404, 409}, errors="twilio") as served:
            created = await call(
                client,
                "messaging_service_create",
                {"friendly_name": "contract", "status_callback": "https://example.com/status"},
            )
            sid = created.data["sid"]
            await call(client, "messaging_services_list")
            await call(client, "messaging_service_update", {"sid": sid, "sticky_sender": False, "validity_period": 600})
            number = make_sid("PN", "seed", "+15005550006")
            await call(client, "messaging_service_sender_add", {"service_sid": sid, "phone_number_sid": number})
            await call(client, "messaging_service_sender_add", {"service_sid": sid, "phone_number_sid": number})
            await call(client, "messaging_service_sender_remove", {"service_sid": sid, "phone_number_sid": number})
            await call(client, "messaging_service_get", {"sid": "MG" + "0" * 32})
            await call(client, "compliance_status")
            listed = await call(client, "messaging_services_list", {"limit": 1})
            assert not (await call(client, "messaging_services_list", {"cursor": listed.data["next_cursor"]})).is_error
            paged = await services.twilio.client().messaging.v1.services.list_async(page_size=1, limit=3)
            assert len(paged) == 3
    await services.aclose()

    assert {(method, path) for host, method, path in sandbox.route_table() if host == HOST} == ROUTES
    pages = served.bodies("GET", "/v1/Services")
    assert any(p["meta"]["next_page_url"] for p in pages) and any(p["meta"]["previous_page_url"] for p in pages)
