"""A Messaging Service sends from its own sender pool, and an update it refuses changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.sandbox.app import Sandbox
from skill.sandbox.state import make_sid
from tests.conftest import call

pytestmark = pytest.mark.anyio
NOTIFICATIONS = make_sid("MG", "seed", "service")
PROMOTIONS = make_sid("MG", "seed", "promotions")
SUPPORT_LINE = make_sid("PN", "seed", "+14155550142")
MESSAGING = {"X-Twilio-Host": "messaging.twilio.com"}


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sandbox", auth=auth) as client:
        yield client


async def sent_from(client: Client, sandbox: Sandbox, sid: str) -> str:
    sandbox.clock.advance(sandbox.step_seconds * 1.5)
    got = await call(client, "message_get", {"sid": sid})
    assert got.data["status"] == "sent", got
    return str(got.data["from"])


async def test_a_service_sends_from_its_sender_sharing_the_recipients_area_code(
    client: Client, sandbox: Sandbox
) -> None:
    sent = await call(
        client, "message_send", {"to": "+14155550199", "messaging_service_sid": NOTIFICATIONS, "body": "Hi"}
    )
    assert not sent.is_error, sent
    senders = {sandbox.state.numbers[sid]["phone_number"] for sid in sandbox.state.services[NOTIFICATIONS]["senders"]}
    assert await sent_from(client, sandbox, sent.data["sid"]) == "+14155550142"
    # Never a number of the account outside the pool, such as +15005550006.
    assert "+15005550006" not in senders


async def test_a_service_without_senders_answers_21704(client: Client, sandbox: Sandbox) -> None:
    before = len(sandbox.state.messages)
    refused = await call(
        client, "message_send", {"to": "+14155550199", "messaging_service_sid": PROMOTIONS, "body": "Sale"}
    )
    assert refused.error["code"] == "twilio.21704"
    assert len(sandbox.state.messages) == before


async def test_a_service_whose_senders_cannot_carry_the_message_answers_21703(client: Client, sandbox: Sandbox) -> None:
    service = sandbox.state.services[NOTIFICATIONS]
    service["senders"] = {SUPPORT_LINE: sandbox.clock.now()}
    sandbox.state.numbers[SUPPORT_LINE]["capabilities"] = {"voice": True, "sms": True, "mms": False, "fax": False}
    args = {"to": "+14155550199", "messaging_service_sid": NOTIFICATIONS, "body": "Look"}
    refused = await call(client, "message_send", {**args, "media_urls": ["https://example.com/cat.png"]})
    assert refused.error["code"] == "twilio.21703"
    sms = await call(client, "message_send", args)
    assert not sms.is_error, sms
    assert await sent_from(client, sandbox, sms.data["sid"]) == "+14155550142"


async def test_an_update_with_one_bad_value_changes_nothing(http: httpx.AsyncClient, sandbox: Sandbox) -> None:
    before = dict(sandbox.state.services[NOTIFICATIONS])
    response = await http.post(
        f"/v1/Services/{NOTIFICATIONS}",
        data={"FriendlyName": "Renamed", "StickySender": "false", "ValidityPeriod": "999999"},
        headers=MESSAGING,
    )
    assert response.status_code == 400 and response.json()["code"] == 20001
    assert sandbox.state.services[NOTIFICATIONS] == before
    applied = await http.post(
        f"/v1/Services/{NOTIFICATIONS}", data={"FriendlyName": "Renamed", "StickySender": "false"}, headers=MESSAGING
    )
    assert applied.status_code == 200
    assert (applied.json()["friendly_name"], applied.json()["sticky_sender"]) == ("Renamed", False)
