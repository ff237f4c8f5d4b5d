"""The opt-out list through the MCP client: every phone scope, and never the email suppressions."""

from __future__ import annotations

import pytest
from mcp import Client

from skill.core.context import Services
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import Called, approve, call

pytestmark = pytest.mark.anyio
SENDER = "+15005550006"
RECIPIENT = "+14155550199"
SERVICE = make_sid("MG", "seed", "service")


async def remove(client: Client, services: Services, phone: str) -> Called:
    """optout_remove through its approval gate."""
    gated = await call(client, "optout_remove", {"phone_number": phone})
    assert gated.error["code"] == "policy.approval_required", gated
    return await call(client, "optout_remove", {"phone_number": phone, "approval_id": await approve(services, gated)})


async def test_optout_remove_lifts_the_global_and_every_per_sender_opt_out(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    suppressions = services.stores.suppressions
    suppressions.add(RECIPIENT, source="inbound_stop", scope=SENDER)
    suppressions.add(RECIPIENT, source="inbound_stop", scope=SERVICE)
    suppressions.add(RECIPIENT, source="tool")
    refused = await call(client, "message_send", {"to": RECIPIENT, "from": SENDER, "body": "hi"})
    assert refused.error["code"] == "policy.opted_out"
    removed = await remove(client, services, "(415) 555-0199")
    assert removed.data == {**removed.data, "phone": RECIPIENT, "changed": True, "opted_out": False}
    assert (await call(client, "optout_list")).data["items"] == []
    for sender in ({"from": SENDER}, {"messaging_service_sid": SERVICE}):
        sent = await call(client, "message_send", {"to": RECIPIENT, "body": "welcome back", **sender})
        assert not sent.is_error, sent
    assert len(sandbox.state.messages) == 2


async def test_opted_out_stays_true_while_another_entry_still_blocks_the_number(
    client: Client, services: Services
) -> None:
    services.stores.suppressions.add(RECIPIENT, source="inbound_stop")
    services.stores.suppressions.add(f"whatsapp:{RECIPIENT}", source="tool", scope=SENDER)
    removed = await remove(client, services, f"whatsapp:{RECIPIENT}")
    assert removed.data["changed"] is True and removed.data["opted_out"] is True
    refused = await call(client, "message_send", {"to": f"whatsapp:{RECIPIENT}", "from": SENDER, "body": "hi"})
    assert refused.error["code"] == "policy.opted_out"


async def test_removing_a_number_that_was_not_opted_out_asks_nobody_and_changes_nothing(
    client: Client, services: Services
) -> None:
    refused = await call(client, "optout_remove", {"phone_number": RECIPIENT})
    assert refused.error["code"] == "input.not_opted_out"
    assert services.stores.approvals.list() == []
    assert (await call(client, "optout_list", {})).data["items"] == []


async def test_optout_list_leaves_out_email_suppressions_and_still_fills_its_limit(
    client: Client, services: Services
) -> None:
    suppressions = services.stores.suppressions
    suppressions.add("+14155550101", source="tool")
    suppressions.add("+14155550102", source="inbound_stop", scope=SENDER)
    for index in range(150):  # newer than the phone entries, so a plain first page holds only these
        suppressions.add(f"person{index}@example.com", source="tool", scope="email")
    listed = await call(client, "optout_list", {"limit": 2})
    assert sorted(o["phone"] for o in listed.data["items"]) == ["+14155550101", "+14155550102"]
    assert listed.data["count"] == 2
    everything = await call(client, "optout_list")
    assert all(o["scope"] != "email" for o in everything.data["items"])
    assert everything.data["count"] == 2
