from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_SENDGRID_KEY, Settings
from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.sendgrid import sendgrid_state
from skill.sandbox.sendgrid_state import RESTRICTED_KEY
from skill.server.app import build_server
from skill.wiring import build_services
from tests.conftest import approve, call
from tests.contract import assert_matches, contract

pytestmark = pytest.mark.anyio
HOST = "api.sendgrid.com"
SUPPRESSIONS = "sendgrid-oai/tsg_suppressions_v3.json"
ROUTES = {
    ("POST", "/v3/mail/send"),
    ("GET", "/v3/templates"),
    ("GET", "/v3/templates/{template_id}"),
    ("GET", "/v3/suppression/unsubscribes"),
    ("DELETE", "/v3/asm/suppressions/global/{email}"),
    *(
        (method, f"/v3/suppression/{kind}{suffix}")
        for kind in ("bounces", "blocks", "spam_reports", "invalid_emails")
        for method, suffix in (("GET", ""), ("GET", "/{email}"), ("DELETE", "/{email}"))
    ),
}


@pytest.fixture(autouse=True)
async def close_sendgrid(services: Services) -> AsyncIterator[None]:
    yield
    await services.sendgrid.aclose()


async def test_every_sendgrid_route_answers_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, routes=ROUTES, errors="spec") as served:
        mail = {"to": ["ana@example.com"], "from": "team@example.com", "subject": "Hi", "text": "Hello"}
        assert not (await call(client, "email_send", mail)).is_error
        listed = await call(client, "email_templates_list", {"limit": 1})
        following = {"limit": 1, "cursor": listed.data["next_cursor"]}
        assert not (await call(client, "email_templates_list", following)).is_error
        await call(client, "email_template_get", {"sid": listed.data["items"][0]["sid"]})
        for kind in ("bounces", "blocks", "spam_reports", "invalid_emails", "global_unsubscribes"):
            dated = {"kind": kind, "after": "2020-01-01T00:00:00Z"}
            assert not (await call(client, "email_suppressions_list", dated)).is_error
        await call(client, "email_suppression_remove", {"kind": "bounces", "email": "bounced@example.com"})
        await call(client, "email_suppression_remove", {"kind": "blocks", "email": "blocked@example.net"})
        await call(client, "email_suppression_remove", {"kind": "invalid_emails", "email": "typo@exampel.com"})
        for kind, email in (("spam_reports", "complained@example.com"), ("global_unsubscribes", "left@example.org")):
            gated = await call(client, "email_suppression_remove", {"kind": kind, "email": email})
            approval_id = await approve(services, gated)
            done = await call(
                client, "email_suppression_remove", {"kind": kind, "email": email, "approval_id": approval_id}
            )
            assert not done.is_error, done
    assert {r["host"] for r in served.responses} == {HOST}


async def direct(sandbox: Sandbox, method: str, path: str, key: str, body: Any = None) -> httpx.Response:
    """A request straight to the sandbox app, as any SendGrid client would send it."""
    headers = {"X-Twilio-Host": HOST, "Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox") as http:
        return await http.request(method, path, headers=headers, json=body)


async def test_global_suppression_lookup_answers_with_the_published_schema(client: Client, sandbox: Sandbox) -> None:
    # No tool reads this route (the list route answers the same question); it is served for SDK users.
    response = await direct(
        sandbox, "GET", "/v3/asm/suppressions/global/unsubscribed@example.com", SANDBOX_SENDGRID_KEY
    )
    assert response.status_code == 200
    assert_matches(SUPPRESSIONS, "GET", "/v3/asm/suppressions/global/{email}", 200, response.content)


async def test_mail_send_errors_answer_with_the_published_error_schema(
    client: Client, settings: Settings, sandbox: Sandbox
) -> None:
    mail = {"to": ["ana@example.com", "ana@example.com"], "from": "team@example.com", "subject": "Hi", "text": "x"}
    with contract(sandbox, routes={("POST", "/v3/mail/send")}, errors="spec") as served:
        assert (await call(client, "email_send", mail)).error["code"] == "sendgrid.400"
        sendgrid_state(sandbox).max_payload_bytes = 500
        big = {**mail, "to": ["ana@example.com"], "html": "y" * 1000}
        assert (await call(client, "email_send", big)).error["code"] == "sendgrid.413"
        restricted = build_services(settings.with_overrides(sendgrid_api_key=RESTRICTED_KEY), sandbox=sandbox)
        async with Client(build_server(settings, restricted)) as connected:
            assert (await call(connected, "email_send", big)).error["code"] == "sendgrid.403"
        await restricted.sendgrid.aclose()
        restricted.stores.close()
        # With a wrong key the recipient lookups fail first, so Mail Send's own 401 is asked for directly.
        assert (await direct(sandbox, "POST", "/v3/mail/send", "SG.sandbox-revoked", {})).status_code == 401
    assert {400, 401, 403, 413} <= {r["status"] for r in served.responses if r["path"] == "/v3/mail/send"}
    assert {r["host"] for r in served.responses} == {HOST}
