from __future__ import annotations

import json

import pytest
from mcp import Client
from twilio.base.exceptions import TwilioRestException

from skill.core.context import Services
from skill.gateways.twilio_content import JsonBody
from skill.sandbox.app import Sandbox
from skill.sandbox.content import APPROVAL_SECONDS
from skill.sandbox.messages import record_inbound
from skill.sandbox.state import make_sid
from tests.conftest import call
from tests.contract import contract

pytestmark = pytest.mark.anyio
HOST = "content.twilio.com"
ORDER_UPDATE = make_sid("HX", "seed", "order_update")
SPRING_SALE = make_sid("HX", "seed", "spring_sale")
SENDER = "+15005550006"
TEXT = json.dumps({"twilio/text": {"body": "Your code is {{1}}."}})


async def test_content_routes_answer_with_the_published_schemas(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    routes = {(method, path) for host, method, path in sandbox.route_table() if host == HOST}
    assert len(routes) == 7
    with contract(sandbox, host=HOST, routes=routes, statuses={200, 201, 204, 400, 404}, errors="twilio"):
        await call(client, "content_templates_list", {"limit": 1})
        await call(client, "content_template_get", {"sid": ORDER_UPDATE})
        await call(client, "content_template_get", {"sid": SPRING_SALE})
        await call(client, "content_template_get", {"sid": make_sid("HX", "none")})
        args = {"friendly_name": "code_note", "language": "en", "types": TEXT, "variables": '{"1": "123456"}'}
        created = await call(client, "content_template_create", {**args, "whatsapp_category": "AUTHENTICATION"})
        sid = created.data["sid"]
        sandbox.clock.advance(APPROVAL_SECONDS)
        await call(client, "content_template_get", {"sid": sid})
        # The plain list, a second submission and a delete are not reached through a tool; drive them
        # through the SDK.
        contents = services.twilio.client().content.v1.contents
        listed = await contents.list_async(page_size=1, limit=3)
        assert [item.sid for item in listed][-1] in (ORDER_UPDATE, SPRING_SALE) and len(listed) == 3
        with pytest.raises(TwilioRestException) as again:
            await contents(sid).approval_create.create_async(JsonBody({"name": "code_note", "category": "UTILITY"}))
        assert again.value.status == 400
        assert await contents(sid).delete_async() is True
        assert sid not in sandbox.state.contents


async def test_the_sdks_typed_create_request_is_taken_with_its_nulls(services: Services, sandbox: Sandbox) -> None:
    from twilio.rest.content.v1.content import ContentList

    request = ContentList.ContentCreateRequest(
        {"friendly_name": "typed", "language": "en", "types": {"twilio/text": {"body": "Hello"}}}
    )
    created = await services.twilio.client().content.v1.contents.create_async(request)
    assert sandbox.state.contents[created.sid]["types"] == {"twilio/text": {"body": "Hello"}}


async def test_messages_honour_content_sid_and_refuse_bad_ones_as_twilio_does(
    services: Services, sandbox: Sandbox
) -> None:
    messages = services.twilio.client().api.v2010.accounts(services.twilio.account_sid).messages
    with contract(sandbox, host="api.twilio.com", statuses={201, 400}, errors="twilio"):
        sent = await messages.create_async(
            to="+14155550199", from_=SENDER, content_sid=ORDER_UPDATE, content_variables='{"1": "Ana"}'
        )
        # A variable left out is filled with the template's sample: why message_send refuses that.
        assert sent.body == "Hi Ana, your order A-1001 has shipped."
        with pytest.raises(TwilioRestException) as unknown:
            await messages.create_async(to="+14155550199", from_=SENDER, content_sid=make_sid("HX", "none"))
        with pytest.raises(TwilioRestException) as invalid:
            await messages.create_async(
                to="+14155550199", from_=SENDER, content_sid=ORDER_UPDATE, content_variables="[1]"
            )
    assert (unknown.value.code, invalid.value.code) == (21655, 21656)


async def test_free_form_whatsapp_outside_the_window_fails_with_63016(services: Services, sandbox: Sandbox) -> None:
    messages = services.twilio.client().api.v2010.accounts(services.twilio.account_sid).messages
    user, sender = "whatsapp:+14155550199", f"whatsapp:{SENDER}"
    outside = await messages.create_async(to=user, from_=sender, body="Hello")
    record_inbound(sandbox.state, services.twilio.account_sid, user, sender, "Hi there")
    inside = await messages.create_async(to=user, from_=sender, body="Hello again")
    sandbox.clock.advance(3 * sandbox.step_seconds)
    failed = await messages(outside.sid).fetch_async()
    delivered = await messages(inside.sid).fetch_async()
    assert (failed.status, failed.error_code) == ("failed", 63016)
    assert delivered.status == "delivered"
    inbound = await messages.list_async(from_=user)
    assert [(m.direction, m.status) for m in inbound] == [("inbound", "received")]
