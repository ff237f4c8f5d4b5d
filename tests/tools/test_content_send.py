"""message_send with Content templates, and WhatsApp's 24-hour customer-service window."""

from __future__ import annotations

import json

import pytest
from mcp import Client

from skill.config import SANDBOX_ACCOUNT_SID
from skill.core.context import Services
from skill.core.whatsapp_window import INBOUND_KIND, WINDOW_SECONDS
from skill.records.events import NewEvent
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.sandbox.messages import record_inbound
from skill.sandbox.state import make_sid
from skill.webhooks.events import SMS_INBOUND
from tests.conftest import Elapse, call

pytestmark = pytest.mark.anyio

SENDER = "+15005550006"
RECIPIENT = "+14155550199"
WA_SENDER = f"whatsapp:{SENDER}"
WA_USER = f"whatsapp:{RECIPIENT}"
ORDER_UPDATE = make_sid("HX", "seed", "order_update")  # approved for WhatsApp; "Hi {{1}}, your order {{2}} ..."
SPRING_SALE = make_sid("HX", "seed", "spring_sale")  # never submitted; "Spring sale: {{1}} off today only."
VALUES = json.dumps({"1": "Sam", "2": "B-77"})


# Noon UTC: a day's start lies twelve hours back, so "from that day" and "the last 24 hours" differ.
NOON = 1_796_212_800.0


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(clock=SandboxClock(frozen=True, start=NOON))


def user_writes(sandbox: Sandbox, to: str = WA_SENDER) -> None:
    """The WhatsApp user messages the business, as Twilio then lists it."""
    record_inbound(sandbox.state, SANDBOX_ACCOUNT_SID, WA_USER, to, "Where is my order?")


async def send(client: Client, **args: object) -> dict[str, object]:
    result = await call(client, "message_send", {"to": RECIPIENT, "from": SENDER, **args})
    assert not result.is_error, result
    return result.data


async def refused(client: Client, sandbox: Sandbox, **args: object) -> dict[str, object]:
    before = set(sandbox.state.messages)
    result = await call(client, "message_send", {"to": RECIPIENT, "from": SENDER, **args})
    assert set(sandbox.state.messages) == before, "nothing may be sent"
    return result.error


async def test_a_template_send_renders_the_body_from_its_variables(client: Client, sandbox: Sandbox) -> None:
    sent = await send(client, content_sid=ORDER_UPDATE, content_variables=VALUES)
    assert sent["body"] == "Hi Sam, your order B-77 has shipped."
    assert sandbox.state.messages[str(sent["sid"])]["body"] == "Hi Sam, your order B-77 has shipped."


async def test_a_template_send_missing_a_variable_is_refused_with_every_name(client: Client, sandbox: Sandbox) -> None:
    error = await refused(client, sandbox, content_sid=ORDER_UPDATE, content_variables='{"1": "Sam"}')
    assert error["code"] == "input.content_variables_missing"
    assert "{{2}}" in error["message"]
    assert '"1": "...", "2": "..."' in error["remediation"][0]
    error = await refused(client, sandbox, content_sid=ORDER_UPDATE)
    assert error["code"] == "input.content_variables_missing" and "{{1}}, {{2}}" in error["message"]


async def test_a_template_send_with_an_unknown_variable_is_refused(client: Client, sandbox: Sandbox) -> None:
    error = await refused(client, sandbox, content_sid=SPRING_SALE, content_variables='{"1": "30%", "discount": "30%"}')
    assert error["code"] == "input.content_variables_unknown"
    assert "{{discount}}" in error["message"] and "{{1}}" in error["remediation"][0]


@pytest.mark.parametrize("values", ['{"1": "", "2": "x"}', '{"1": 5, "2": "x"}', '{"1": "x", "2": null}'])
async def test_template_values_must_be_non_empty_strings(client: Client, sandbox: Sandbox, values: str) -> None:
    error = await refused(client, sandbox, content_sid=ORDER_UPDATE, content_variables=values)
    assert error["code"] == "input.invalid" and "non-empty strings" in error["message"]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"content_sid": ORDER_UPDATE, "content_variables": VALUES, "body": "Hi"}, "input.content_conflict"),
        ({"content_sid": ORDER_UPDATE, "media_urls": ["https://example.com/a.png"]}, "input.content_conflict"),
        ({"body": "Hi", "content_variables": VALUES}, "input.content_sid_required"),
        ({}, "input.body_required"),
    ],
)
async def test_exactly_one_kind_of_content_is_enforced(
    client: Client, sandbox: Sandbox, args: dict[str, object], code: str
) -> None:
    error = await refused(client, sandbox, **args)
    assert error["code"] == code
    assert any("body / media_urls / content_sid" in step for step in error["remediation"]) or code.endswith(
        "sid_required"
    )


async def test_content_variables_must_be_a_json_object(client: Client, sandbox: Sandbox) -> None:
    error = await refused(client, sandbox, content_sid=ORDER_UPDATE, content_variables='["Sam"]')
    assert error["code"].startswith("input.") and "JSON object" in error["message"]


async def test_whatsapp_free_text_goes_out_inside_the_window_and_is_refused_after_it(
    client: Client, sandbox: Sandbox
) -> None:
    user_writes(sandbox)
    inside = await send(client, to=WA_USER, **{"from": WA_SENDER}, body="It left this morning.")
    assert inside["status"] == "queued"
    sandbox.clock.advance(WINDOW_SECONDS - 60)
    await send(client, to=WA_USER, **{"from": WA_SENDER}, body="Still on its way.")
    sandbox.clock.advance(120)
    error = await refused(client, sandbox, to=WA_USER, **{"from": WA_SENDER}, body="Delivered?")
    assert error["code"] == "input.whatsapp_template_required" and error["twilio_code"] == 63016
    assert "content_sid" in error["remediation"][0]
    media = await refused(client, sandbox, to=WA_USER, **{"from": WA_SENDER}, media_urls=["https://example.com/a.png"])
    assert media["code"] == "input.whatsapp_template_required"


async def test_only_the_users_messages_to_this_sender_open_its_window(client: Client, sandbox: Sandbox) -> None:
    user_writes(sandbox, to="whatsapp:+15005550099")
    record_inbound(sandbox.state, SANDBOX_ACCOUNT_SID, "whatsapp:+14155550111", WA_SENDER, "someone else")
    record_inbound(sandbox.state, SANDBOX_ACCOUNT_SID, RECIPIENT, SENDER, "the same person by SMS")
    error = await refused(client, sandbox, to=WA_USER, **{"from": WA_SENDER}, body="Hello")
    assert error["code"] == "input.whatsapp_template_required"


async def test_an_approved_template_goes_out_after_the_window(client: Client, sandbox: Sandbox) -> None:
    user_writes(sandbox)
    sandbox.clock.advance(WINDOW_SECONDS * 3)
    sent = await send(client, to=WA_USER, **{"from": WA_SENDER}, content_sid=ORDER_UPDATE, content_variables=VALUES)
    assert sent["body"] == "Hi Sam, your order B-77 has shipped."
    sandbox.clock.advance(5)
    assert sandbox.state.messages[str(sent["sid"])]["failure"] is None


async def test_a_template_whatsapp_has_not_approved_is_refused_outside_the_window(
    client: Client, sandbox: Sandbox
) -> None:
    error = await refused(
        client, sandbox, to=WA_USER, **{"from": WA_SENDER}, content_sid=SPRING_SALE, content_variables='{"1": "30%"}'
    )
    assert error["code"] == "input.whatsapp_template_not_approved"
    assert "'unsubmitted'" in error["message"] and "approved" in error["remediation"][0]
    user_writes(sandbox)  # inside the window any template may go
    sent = await send(
        client, to=WA_USER, **{"from": WA_SENDER}, content_sid=SPRING_SALE, content_variables='{"1": "30%"}'
    )
    assert sent["body"] == "Spring sale: 30% off today only."


def store_inbound(services: Services, sender: str, to: str) -> None:
    """The webhook receiver's row for an inbound message (Twilio's list does not have it)."""
    payload = {"From": sender, "To": to, "Body": "hi", "MessageSid": make_sid("SM", "in", sender, to)}
    event = NewEvent(
        dedupe_key=payload["MessageSid"], kind=SMS_INBOUND, sid=payload["MessageSid"], status="received",
        account_sid=SANDBOX_ACCOUNT_SID, error_code=None, payload=payload,
    )  # fmt: skip
    services.stores.webhook_events.record([event])


async def test_stored_inbound_events_from_others_or_to_other_senders_leave_the_window_closed(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    store_inbound(services, WA_USER, "whatsapp:+15005550099")
    store_inbound(services, "whatsapp:+14155550111", WA_SENDER)
    store_inbound(services, RECIPIENT, SENDER)
    error = await refused(client, sandbox, to=WA_USER, **{"from": WA_SENDER}, body="Hello")
    assert error["code"] == "input.whatsapp_template_required"


async def test_the_receivers_stored_inbound_events_open_the_window_by_our_clock(
    client: Client, services: Services, sandbox: Sandbox, elapse: Elapse
) -> None:
    assert INBOUND_KIND == SMS_INBOUND
    store_inbound(services, WA_USER, WA_SENDER)
    # Twilio's list has no such message here: only the receiver's store knows of it.
    inside = await send(client, to=WA_USER, **{"from": WA_SENDER}, body="Thanks for writing.")
    assert inside["status"] == "queued"
    elapse(WINDOW_SECONDS + 1)
    error = await refused(client, sandbox, to=WA_USER, **{"from": WA_SENDER}, body="Anything else?")
    assert error["code"] == "input.whatsapp_template_required"


async def test_a_messaging_service_send_counts_the_users_message_to_any_sender(
    client: Client, sandbox: Sandbox
) -> None:
    service = make_sid("MG", "seed", "service")
    error = await refused(client, sandbox, to=WA_USER, **{"from": None}, messaging_service_sid=service, body="Hi")
    assert error["code"] == "input.whatsapp_template_required"
    user_writes(sandbox, to="whatsapp:+15005550099")
    result = await call(client, "message_send", {"to": WA_USER, "messaging_service_sid": service, "body": "Hi"})
    assert result.data.get("error", {}).get("code") != "input.whatsapp_template_required", result


async def test_a_whatsapp_message_failed_outside_the_window_is_explained(
    client: Client, services: Services, sandbox: Sandbox
) -> None:
    # Sent past message_send's check (another client, or a window that closed while it was queued).
    messages = services.twilio.client().api.v2010.accounts(services.twilio.account_sid).messages
    sent = await messages.create_async(to=WA_USER, from_=WA_SENDER, body="Hello")
    sandbox.clock.advance(3 * sandbox.step_seconds)
    got = await call(client, "message_get", {"sid": sent.sid})
    assert got.data["status"] == "failed" and got.data["error"]["code"] == 63016
    assert "message_send" in got.data["error"]["remediation"][0]


async def test_a_replayed_whatsapp_send_answers_its_first_result_after_the_window_closed(
    client: Client, sandbox: Sandbox
) -> None:
    user_writes(sandbox)
    args = {"to": WA_USER, "from": WA_SENDER, "body": "On its way.", "idempotency_key": "reply-1"}
    first = await send(client, **args)
    sandbox.clock.advance(WINDOW_SECONDS + 1)
    again = await send(client, **args)
    assert again["sid"] == first["sid"] and again["replayed"] is True
    fresh = await refused(client, sandbox, **{**args, "idempotency_key": "reply-2"})
    assert fresh["code"] == "input.whatsapp_template_required"


async def test_a_refused_keyed_send_leaves_its_key_free_for_the_corrected_call(
    client: Client, sandbox: Sandbox
) -> None:
    args = {"content_sid": ORDER_UPDATE, "idempotency_key": "order-1"}
    error = await refused(client, sandbox, **args, content_variables='{"1": "Sam"}')
    assert error["code"] == "input.content_variables_missing"
    sent = await send(client, **args, content_variables=VALUES)
    assert sent["replayed"] is False and sent["body"] == "Hi Sam, your order B-77 has shipped."


async def test_a_message_from_the_same_day_but_over_24_hours_old_does_not_open_the_window(
    client: Client, sandbox: Sandbox
) -> None:
    sandbox.clock.advance(WINDOW_SECONDS + 3600)  # 13:00 the next day: 12:00 yesterday is > 24 h ago
    sid = record_inbound(sandbox.state, SANDBOX_ACCOUNT_SID, WA_USER, WA_SENDER, "Hi")
    sandbox.state.messages[sid]["created"] = sandbox.clock.now() - WINDOW_SECONDS - 1
    error = await refused(client, sandbox, to=WA_USER, **{"from": WA_SENDER}, body="Hello")
    assert error["code"] == "input.whatsapp_template_required"
    sandbox.state.messages[sid]["created"] = sandbox.clock.now() - WINDOW_SECONDS + 1
    assert not (await call(client, "message_send", {"to": WA_USER, "from": WA_SENDER, "body": "Hello"})).is_error
