"""The sandbox talks back: signed status callbacks on the sandbox clock, retries, duplicates, inbound SMS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import anyio
import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.context import Services
from skill.core.signing import compute_signature
from skill.sandbox.app import Sandbox
from skill.sandbox.clock import SandboxClock
from skill.webhooks.app import build_webhooks_app
from skill.wiring import token_resolver
from tests.conftest import call

pytestmark = pytest.mark.anyio
RECEIVER = "http://receiver.test"
SENDER = "+15005550006"
WAIT = 10


@pytest.fixture
def sandbox() -> Sandbox:
    """A sandbox told, as an operator would with --callback-host, that these test hosts may be posted to."""
    return Sandbox(clock=SandboxClock(frozen=True), callback_hosts=("receiver.test", "example.com"))


@pytest.fixture
async def receiver(services: Services, sandbox: Sandbox) -> AsyncIterator[Any]:
    """The webhook receiver on the services' store, reached by the sandbox in memory."""
    app = build_webhooks_app(
        services.settings,
        services.stores,
        tokens=token_resolver(services.settings, sandbox.state),
        run_worker=False,
        allowed_hosts=["receiver.test"],
    )
    sandbox.callbacks.transport = httpx.ASGITransport(app=app)
    yield app


class Recorder:
    """A stand-in application that records every post and answers from a script of statuses."""

    def __init__(self, answers: list[int] | None = None) -> None:
        self.answers = list(answers or [])
        self.posts: list[tuple[dict[str, str], dict[str, str]]] = []

    async def endpoint(self, request: Request) -> Response:
        body = (await request.body()).decode()
        self.posts.append((dict(parse_qsl(body)), dict(request.headers)))
        status = self.answers.pop(0) if self.answers else 204
        return PlainTextResponse("", status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self.endpoint, methods=["POST"])])


async def send(client: Client, to: str = "+14155550100", **extra: Any) -> str:
    result = await call(client, "message_send", {"to": to, "from": SENDER, "body": "Your code is ready", **extra})
    assert not result.is_error, result
    return str(result.data["sid"])


async def deliver(sandbox: Sandbox, seconds: float) -> list[Any]:
    sandbox.clock.advance(seconds)
    with anyio.fail_after(WAIT):
        return await sandbox.deliver_due_callbacks()


async def test_message_callbacks_follow_the_api_and_the_receiver_accepts_their_signatures(
    client: Client, services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    sid = await send(client, status_callback=f"{RECEIVER}/twilio/sms/status")
    assert await deliver(sandbox, 0.5) == []  # still queued: Twilio sends nothing for the initial status
    first = await deliver(sandbox, 0.6)
    fetched = await call(client, "message_get", {"sid": sid})
    assert [d.status_code for d in first] == [204]
    assert fetched.data["status"] == "sent"
    await deliver(sandbox, 1.0)
    statuses = [e.status for e in services.stores.webhook_events.list(sid=sid, oldest_first=True)]
    assert statuses == ["sent", "delivered"]
    assert (await call(client, "message_get", {"sid": sid})).data["status"] == "delivered"
    assert await deliver(sandbox, 10) == []


async def test_a_failing_destination_reports_undelivered_with_its_error_code(
    client: Client, services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    sid = await send(client, to="+15005550010", status_callback=f"{RECEIVER}/twilio/sms/status")
    await deliver(sandbox, 5)
    events = services.stores.webhook_events.list(sid=sid, oldest_first=True)
    assert [(e.status, e.error_code) for e in events] == [("sent", None), ("undelivered", 30003)]


async def test_a_callback_signed_for_another_url_is_refused_by_the_receiver(
    services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    params = {"AccountSid": SANDBOX_ACCOUNT_SID, "MessageSid": "SM" + "1" * 32, "MessageStatus": "sent"}
    tampered = compute_signature(SANDBOX_AUTH_TOKEN, f"{RECEIVER}/elsewhere", {k: [v] for k, v in params.items()})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url=RECEIVER) as web:
        response = await web.post("/twilio/sms/status", data=params, headers={"X-Twilio-Signature": tampered})
    assert response.status_code == 403
    assert services.stores.webhook_events.list() == []


async def test_the_signature_and_idempotency_token_match_what_the_application_received(
    client: Client, sandbox: Sandbox
) -> None:
    recorder = Recorder()
    sandbox.callbacks.transport = httpx.ASGITransport(app=recorder.app())
    url = f"{RECEIVER}/hooks/status?tenant=7"
    await send(client, status_callback=url)
    await deliver(sandbox, 3)
    assert [params["MessageStatus"] for params, _ in recorder.posts] == ["sent", "delivered"]
    for params, headers in recorder.posts:
        expected = compute_signature(SANDBOX_AUTH_TOKEN, url, {k: [v] for k, v in params.items()})
        assert headers["x-twilio-signature"] == expected
        assert headers["i-twilio-idempotency-token"].startswith(SANDBOX_ACCOUNT_SID + "-")
        assert params["SmsStatus"] == params["MessageStatus"] and params["ApiVersion"] == "2010-04-01"
    tokens = {headers["i-twilio-idempotency-token"] for _, headers in recorder.posts}
    assert len(tokens) == 2


async def test_a_500_is_retried_with_backoff_then_delivered_with_the_same_token(
    client: Client, sandbox: Sandbox
) -> None:
    recorder = Recorder(answers=[500, 503])
    sandbox.callbacks.transport = httpx.ASGITransport(app=recorder.app())
    await send(client, status_callback=f"{RECEIVER}/status")
    first = await deliver(sandbox, 1.1)
    assert [d.status_code for d in first] == [500]
    assert await deliver(sandbox, 0.5) == []  # the first retry waits a second of sandbox time
    second = await deliver(sandbox, 0.6)
    assert [(d.key[-4:], d.status_code) for d in second] == [("sent", 503), ("ered", 204)]
    third = await deliver(sandbox, 2.1)
    assert [(d.key[-4:], d.status_code, d.attempt) for d in third] == [("sent", 204, 3)]
    sent_posts = [headers for params, headers in recorder.posts if params["MessageStatus"] == "sent"]
    assert len(sent_posts) == 3
    assert len({h["i-twilio-idempotency-token"] for h in sent_posts}) == 1
    assert len({h["x-twilio-signature"] for h in sent_posts}) == 1


async def test_a_connection_failure_is_retried_and_given_up_after_the_last_try(
    client: Client, sandbox: Sandbox
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sandbox.callbacks.transport = httpx.MockTransport(refuse)
    await send(client, status_callback=f"{RECEIVER}/status")
    tries = []
    for _ in range(8):
        tries += await deliver(sandbox, 8)
    sent_tries = [d for d in tries if d.key.endswith(":sent")]
    assert [d.attempt for d in sent_tries] == [1, 2, 3, 4]
    assert all(d.status_code is None and d.error == "ConnectError" for d in sent_tries)
    assert sandbox.callbacks.pending == []


async def test_duplicated_callbacks_are_stored_once(
    client: Client, services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    sandbox.callbacks.duplicate_share = 1.0
    sid = await send(client, status_callback=f"{RECEIVER}/twilio/sms/status")
    made = await deliver(sandbox, 3)
    assert [d.duplicate for d in made] == [False, True, False, True]
    assert all(d.status_code == 204 for d in made)
    assert [e.status for e in services.stores.webhook_events.list(sid=sid, oldest_first=True)] == ["sent", "delivered"]
    assert receiver.state.receiver.stats["duplicate"] == 2


async def test_call_callbacks_follow_the_subscribed_events_in_sequence(
    client: Client, services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    created = await call(
        client,
        "call_create",
        {
            "to": "+14155550100",
            "from": SENDER,
            "twiml": "<Response><Say>Hi</Say></Response>",
            "status_callback": f"{RECEIVER}/twilio/voice/status",
            "status_callback_events": ["initiated", "ringing", "answered", "completed"],
        },
    )
    assert not created.is_error, created
    sid = created.data["sid"]
    await deliver(sandbox, 10)
    events = services.stores.webhook_events.list(sid=sid, oldest_first=True)
    assert [e.status for e in events] == ["initiated", "ringing", "in-progress", "completed"]
    assert [e.payload["SequenceNumber"] for e in events] == ["0", "1", "2", "3"]
    assert events[-1].payload["CallDuration"] == "1"
    assert {e.payload["CallbackSource"] for e in events} == {"call-progress-events"}


async def test_a_call_without_events_reports_only_its_final_status(
    client: Client, services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    created = await call(
        client,
        "call_create",
        {
            "to": "+15005550010",
            "from": SENDER,
            "twiml": "<Response/>",
            "status_callback": f"{RECEIVER}/twilio/voice/status",
        },
    )
    await deliver(sandbox, 10)
    events = services.stores.webhook_events.list(sid=created.data["sid"])
    assert [(e.status, e.payload["SequenceNumber"]) for e in events] == [("busy", "0")]


async def test_inbound_stop_and_start_through_the_sandbox_change_the_opt_out_list(
    services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    person = "+14155550123"
    url = f"{RECEIVER}/twilio/sms/inbound"
    stopped = await sandbox.post_inbound(person, SENDER, "STOP", url)
    assert stopped.status_code == 200 and "<Response" in stopped.body
    receiver.state.receiver.processor.drain()
    assert services.stores.suppressions.is_suppressed(person)
    await sandbox.post_inbound(person, SENDER, "start", url)
    receiver.state.receiver.processor.drain()
    assert not services.stores.suppressions.is_suppressed(person)
    (first, *_) = services.stores.webhook_events.list(kind="sms_inbound", oldest_first=True)
    assert first.payload["To"] == SENDER and first.payload["SmsStatus"] == "received"


async def test_inbound_goes_to_the_numbers_sms_url_and_refuses_unknown_numbers(sandbox: Sandbox) -> None:
    recorder = Recorder(answers=[200])
    sandbox.callbacks.transport = httpx.ASGITransport(app=recorder.app())
    result = await sandbox.post_inbound("+14155550123", SENDER, "hello")
    assert result.url == "https://example.com/sms" and result.status_code == 200
    assert recorder.posts[0][0]["Body"] == "hello"
    with pytest.raises(LookupError):
        await sandbox.post_inbound("+14155550123", "+14155550999", "hello")


async def test_a_whatsapp_message_reaches_the_receiver_and_opens_the_window_for_free_text(
    client: Client, services: Services, sandbox: Sandbox, receiver: Any
) -> None:
    user, business = "whatsapp:+14155550123", f"whatsapp:{SENDER}"
    reply = {"to": user, "from": business, "body": "It left this morning."}
    closed = await call(client, "message_send", reply)
    assert closed.error["code"] == "input.whatsapp_template_required"
    posted = await sandbox.post_inbound(user, SENDER, "Where is my order?", f"{RECEIVER}/twilio/sms/inbound")
    assert posted.status_code == 200
    (stored,) = services.stores.webhook_events.list(kind="sms_inbound")
    assert (stored.payload["From"], stored.payload["To"]) == (user, business)
    # Twilio lists it too; the store alone opens the window once Twilio's copy is gone.
    del sandbox.state.messages[posted.message_sid]
    sent = await call(client, "message_send", reply)
    assert not sent.is_error, sent
