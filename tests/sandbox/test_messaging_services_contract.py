from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import call
from tests.contract import assert_matches

pytestmark = pytest.mark.anyio
SPEC = "twilio-oai/twilio_messaging_v1.json"
HOST = "messaging.twilio.com"


async def test_messaging_routes_answer_with_the_published_schemas(
    settings: Settings, sandbox: Sandbox, tmp_path: Path
) -> None:
    policy = tmp_path / "hooks.toml"
    policy.write_text('[webhooks]\nallowed_hosts = ["example.com"]\n')
    trusted = settings.with_overrides(policy_path=policy)
    services = build_services(trusted, sandbox=sandbox)
    async with Client(build_server(trusted, services)) as client:
        await drive_every_route(client, services, sandbox)
    await services.aclose()
    check_served(sandbox)


async def drive_every_route(client: Client, services: Services, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
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
    # Paging is not reached through a tool; drive it through the SDK the gateway uses.
    paged = await services.twilio.client().messaging.v1.services.list_async(page_size=1, limit=3)
    assert len(paged) == 3
    listed = await call(client, "messaging_services_list", {"limit": 1})
    assert not (await call(client, "messaging_services_list", {"cursor": listed.data["next_cursor"]})).is_error


def check_served(sandbox: Sandbox) -> None:
    served = [r for r in sandbox.served if r["host"] == HOST]
    routes = {(method, path) for host, method, path in sandbox.route_table() if host == HOST}
    assert routes == {
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
    assert routes <= {(r["method"], r["path"]) for r in served}
    pages = [json.loads(r["body"]) for r in served if (r["method"], r["path"]) == ("GET", "/v1/Services")]
    assert any(p["meta"]["next_page_url"] for p in pages) and any(p["meta"]["previous_page_url"] for p in pages)
    for response in served:
        if response["status"] >= 400:
            error = json.loads(response["body"])
            assert set(error) == {"code", "message", "more_info", "status"}
            assert error["status"] == response["status"] and str(error["code"]) in error["more_info"]
            continue
        assert_matches(SPEC, response["method"], response["path"], response["status"], response["body"])
    assert {r["status"] for r in served} >= {200, 201, 204, 404, 409}
