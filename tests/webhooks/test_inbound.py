"""Inbound messages: STOP/START/HELP keywords change the opt-out list and answer in TwiML."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from mcp import Client

from skill.config import Settings
from skill.core.context import Services
from skill.stores.sqlite import Stores
from skill.webhooks.app import Receiver, build_webhooks_app
from skill.webhooks.inbound import START_WORDS, STOP_WORDS
from tests.conftest import call
from tests.webhooks.support import BASE, RECEIVER_HOST, inbound_params, post_signed

pytestmark = pytest.mark.anyio
SENDER = "+14155550100"


async def inbound(web: httpx.AsyncClient, body: str, n: int = 1, **extra: str) -> httpx.Response:
    response = await post_signed(web, "/twilio/sms/inbound", inbound_params(body, SENDER, n, **extra))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    ElementTree.fromstring(response.text)  # valid XML
    return response


@pytest.mark.parametrize("word", sorted(STOP_WORDS))
async def test_each_stop_keyword_opts_the_sender_out(
    web: httpx.AsyncClient, receiver: Receiver, receiver_stores: Stores, word: str
) -> None:
    response = await inbound(web, word)
    assert ElementTree.fromstring(response.text).tag == "Response" and len(ElementTree.fromstring(response.text)) == 0
    receiver.processor.drain()
    assert receiver_stores.suppressions.is_suppressed(SENDER)


@pytest.mark.parametrize("body", ["stop", "  Stop \n", "\tSTOP", "unsubscribe ", "OptOut"])
async def test_keywords_count_in_any_case_and_surrounded_by_whitespace(
    web: httpx.AsyncClient, receiver: Receiver, receiver_stores: Stores, body: str
) -> None:
    await inbound(web, body)
    receiver.processor.drain()
    assert receiver_stores.suppressions.is_suppressed(SENDER)


@pytest.mark.parametrize("body", ["please stop texting me", "STOP!", "don't stop", "STOP STOP", "help me out"])
async def test_a_keyword_inside_a_longer_message_changes_nothing(
    web: httpx.AsyncClient, receiver: Receiver, receiver_stores: Stores, body: str
) -> None:
    response = await inbound(web, body)
    receiver.processor.drain()
    assert not receiver_stores.suppressions.is_suppressed(SENDER)
    assert len(ElementTree.fromstring(response.text)) == 0
    (event,) = receiver_stores.webhook_events.list(kind="sms_inbound")
    assert event.payload["Body"] == body


@pytest.mark.parametrize("word", sorted(START_WORDS))
async def test_stop_then_a_start_keyword_opts_the_sender_back_in(
    web: httpx.AsyncClient, receiver: Receiver, receiver_stores: Stores, word: str
) -> None:
    await inbound(web, "STOP", 1)
    receiver.processor.drain()
    assert receiver_stores.suppressions.is_suppressed(SENDER)
    await inbound(web, word.lower(), 2)
    receiver.processor.drain()
    assert not receiver_stores.suppressions.is_suppressed(SENDER)


@pytest.mark.parametrize("word", ["HELP", "info", " Help "])
async def test_help_and_info_answer_with_the_configured_help_text(web: httpx.AsyncClient, word: str) -> None:
    response = await inbound(web, word)
    root = ElementTree.fromstring(response.text)
    assert [child.tag for child in root] == ["Message"]
    assert root[0].text == "Acme alerts. Reply STOP to stop."


async def test_a_redelivered_stop_after_start_does_not_opt_out_again(
    web: httpx.AsyncClient, receiver: Receiver, receiver_stores: Stores
) -> None:
    await inbound(web, "STOP", 1)
    await inbound(web, "START", 2)
    await inbound(web, "STOP", 1)  # Twilio retried the first delivery
    receiver.processor.drain()
    assert not receiver_stores.suppressions.is_suppressed(SENDER)


async def test_with_sender_scope_an_opt_out_covers_only_the_number_written_to(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h", optout_scope="sender", webhook_allowed_hosts=(RECEIVER_HOST,))
    stores = Stores.open(settings.db_path)
    try:
        app = build_webhooks_app(settings, stores, run_worker=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
            await inbound(web, "STOP")
        app.state.receiver.processor.drain()
        assert stores.suppressions.is_suppressed(SENDER, scope="+15005550006")
        assert not stores.suppressions.is_suppressed(SENDER, scope="+18005550123")
    finally:
        stores.close()


async def test_message_send_is_refused_after_the_recipient_texts_stop(client: Client, services: Services) -> None:
    app = build_webhooks_app(
        services.settings,
        services.stores,
        tokens=services.webhook_tokens,
        run_worker=False,
        allowed_hosts=[RECEIVER_HOST],
    )
    args = {"to": SENDER, "from": "+15005550006", "body": "Your order shipped."}
    assert not (await call(client, "message_send", args)).is_error
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
        await inbound(web, "STOP")
    app.state.receiver.processor.drain()
    refused = await call(client, "message_send", args | {"body": "One more thing."})
    assert refused.error["code"] == "policy.opted_out"
    listed = await call(client, "optout_list")
    assert SENDER in str(listed.data)
