from __future__ import annotations

from datetime import UTC, datetime

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio
COLLECTION = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
INSTANCE = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
SENDER = "+15005550006"
ROUTES = {
    ("POST", COLLECTION),
    ("GET", COLLECTION),
    ("GET", INSTANCE),
    ("POST", INSTANCE),
    ("DELETE", INSTANCE),
}


async def test_message_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    with contract(sandbox, routes=ROUTES, statuses={200, 201, 204, 400}, errors="twilio") as served:
        text = {"to": "+14155550199", "from": SENDER, "body": "Hello 👋"}
        sent = await call(client, "message_send", text)
        await call(client, "message_send", {**text, "media_urls": ["https://example.com/a.png"]})
        await call(client, "message_send", {**text, "to": "+15005550010"})
        send_at = datetime.fromtimestamp(sandbox.clock.now() + 3600, UTC).isoformat()
        service = make_sid("MG", "seed", "service")
        scheduled = await call(
            client,
            "message_send",
            {"to": "+14155550199", "messaging_service_sid": service, "body": "Later", "send_at": send_at},
        )
        await call(client, "message_cancel", {"sid": scheduled.data["sid"]})
        await call(client, "message_cancel", {"sid": sent.data["sid"]})
        await call(client, "message_send", {**text, "to": "+15005550001"})
        sandbox.clock.advance(3 * sandbox.step_seconds)
        await call(client, "message_get", {"sid": sent.data["sid"]})
        await call(client, "messages_list", {"from": SENDER, "after": "2000-01-01T00:00:00Z"})
        # Paging and delete are not reached through a tool; drive them through the SDK the gateway uses.
        messages = services.twilio.client().api.v2010.accounts(services.twilio.account_sid).messages
        paged = await messages.list_async(page_size=2, limit=5)
        assert len(paged) == 4
        await messages(sent.data["sid"]).delete_async()

    assert {(method, path) for host, method, path in sandbox.route_table() if "/Messages" in path} == ROUTES
    pages = served.bodies("GET", COLLECTION)
    assert any(p["next_page_uri"] for p in pages) and any(p["previous_page_uri"] for p in pages)
