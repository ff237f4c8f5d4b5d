"""The receiver's routes: signatures, durable deduplicated events, proxies, size limits, SendGrid."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from skill.config import SANDBOX_AUTH_TOKEN, Settings
from skill.core.signing import body_sha256, compute_signature
from skill.stores.sqlite import Stores
from skill.webhooks.app import Receiver, WebhooksBeside, build_webhooks_app
from tests.webhooks.support import (
    BASE,
    RECEIVER_HOST,
    STAGING_SUB,
    message_sid,
    post_signed,
    sendgrid_headers,
    signed_form,
    status_params,
)

pytestmark = pytest.mark.anyio


def stored(stores: Stores, **filters: Any) -> list[Any]:
    return stores.webhook_events.list(limit=1000, **filters)


async def test_a_signed_status_callback_is_stored_before_the_answer(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    response = await post_signed(web, "/twilio/sms/status", status_params(message_sid(1), "delivered"))
    assert response.status_code == 204
    (event,) = stored(receiver_stores)
    assert (event.kind, event.sid, event.status) == ("sms_status", message_sid(1), "delivered")
    assert event.payload["To"] == "+14155550100"


async def test_a_repeated_callback_is_acknowledged_but_stored_once(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    params = status_params(message_sid(2), "sent")
    answers = [(await post_signed(web, "/twilio/sms/status", params)).status_code for _ in range(3)]
    await post_signed(web, "/twilio/sms/status", status_params(message_sid(2), "delivered"))
    assert answers == [204, 204, 204]
    assert [e.status for e in stored(receiver_stores, sid=message_sid(2), oldest_first=True)] == ["sent", "delivered"]


async def test_retries_of_one_delivery_are_stored_once_whatever_their_idempotency_tokens(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    first = status_params(message_sid(3), "sent")
    await post_signed(web, "/twilio/sms/status", first, **{"I-Twilio-Idempotency-Token": "delivery-1"})
    retry = status_params(message_sid(3), "sent", RawDlrDoneDate="x")
    await post_signed(web, "/twilio/sms/status", retry, **{"I-Twilio-Idempotency-Token": "delivery-2"})
    assert len(stored(receiver_stores)) == 1


@pytest.mark.parametrize("problem", ["no signature", "wrong token", "tampered body", "unknown account", "wrong url"])
async def test_a_bad_signature_is_refused_with_403_and_nothing_is_stored(
    web: httpx.AsyncClient, receiver_stores: Stores, problem: str
) -> None:
    params = status_params(message_sid(4), "delivered")
    url = f"{BASE}/twilio/sms/status"
    body, headers = signed_form(url, params)
    if problem == "no signature":
        del headers["X-Twilio-Signature"]
    elif problem == "wrong token":
        body, headers = signed_form(url, params, token="not-the-token")
    elif problem == "tampered body":
        body = body.replace(b"delivered", b"failed")
    elif problem == "unknown account":
        params["AccountSid"] = "AC" + "9" * 32
        body, headers = signed_form(url, params)
    elif problem == "wrong url":
        body, headers = signed_form(f"{BASE}/elsewhere", params)
    response = await web.post(url, content=body, headers=headers)
    assert response.status_code == 403
    assert stored(receiver_stores) == []


async def test_a_subaccount_callback_verifies_with_the_subaccount_token_only(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    from skill.sandbox.state import make_sid

    staging = make_sid("AC", "sub", "staging")
    params = status_params(message_sid(5), "delivered", account=staging)
    assert (await post_signed(web, "/twilio/sms/status", params, token=STAGING_SUB)).status_code == 204
    refused = await post_signed(web, "/twilio/sms/status", params | {"MessageStatus": "read"}, token=SANDBOX_AUTH_TOKEN)
    assert refused.status_code == 403
    assert [e.account_sid for e in stored(receiver_stores)] == [staging]


async def test_voice_callbacks_are_keyed_by_call_status_and_sequence(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    call = {"AccountSid": status_params("x", "y")["AccountSid"], "CallSid": "CA" + "1" * 32}
    for status, seq in (("ringing", "0"), ("ringing", "0"), ("in-progress", "1"), ("completed", "2")):
        response = await post_signed(web, "/twilio/voice/status", call | {"CallStatus": status, "SequenceNumber": seq})
        assert response.status_code == 204
    events = stored(receiver_stores, kind="voice_status", oldest_first=True)
    assert [e.status for e in events] == ["ringing", "in-progress", "completed"]


async def test_behind_a_trusted_proxy_the_forwarded_scheme_and_host_make_the_signed_url(
    receiver_settings: Settings, receiver_stores: Stores
) -> None:
    settings = receiver_settings.with_overrides(
        forwarded_allow_ips=("127.0.0.5",), webhook_allowed_hosts=(RECEIVER_HOST, "hooks.example.com")
    )
    app = build_webhooks_app(settings, receiver_stores, run_worker=False)
    params = status_params(message_sid(6), "delivered")
    body, headers = signed_form("https://hooks.example.com/twilio/sms/status", params)
    headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    proxy = httpx.ASGITransport(app=app, client=("127.0.0.5", 40000))
    async with httpx.AsyncClient(transport=proxy, base_url=BASE) as web:
        response = await web.post("/twilio/sms/status", content=body, headers=headers)
    assert response.status_code == 204
    assert len(stored(receiver_stores)) == 1


async def test_a_configured_public_url_wins_over_what_the_request_says(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "h", public_url="https://public.example.com/hooks/", webhook_allowed_hosts=(RECEIVER_HOST,)
    )
    stores = Stores.open(settings.db_path)
    try:
        app = build_webhooks_app(settings, stores, run_worker=False)
        params = status_params(message_sid(7), "delivered")
        body, headers = signed_form("https://public.example.com/hooks/twilio/sms/status", params)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
            ok = await web.post("/twilio/sms/status", content=body, headers=headers)
            body2, headers2 = signed_form(f"{BASE}/twilio/sms/status", params | {"MessageStatus": "read"})
            refused = await web.post("/twilio/sms/status", content=body2, headers=headers2)
        assert (ok.status_code, refused.status_code) == (204, 403)
    finally:
        stores.close()


async def test_a_json_callback_signed_with_body_sha256_is_accepted_and_a_changed_body_is_not(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    raw = json.dumps({"AccountSid": status_params("x", "y")["AccountSid"], "MessageSid": message_sid(8),
                      "MessageStatus": "delivered"}).encode()  # fmt: skip
    url = f"{BASE}/twilio/sms/status?bodySHA256={body_sha256(raw)}&AccountSid={status_params('x', 'y')['AccountSid']}"
    headers = {
        "Content-Type": "application/json",
        "X-Twilio-Signature": compute_signature(SANDBOX_AUTH_TOKEN, url, None),
    }
    assert (await web.post(url, content=raw, headers=headers)).status_code == 204
    tampered = raw.replace(b"delivered", b"failed")
    assert (await web.post(url, content=tampered, headers=headers)).status_code == 403
    # Without bodySHA256 the signature would cover the URL only: a JSON body is then refused.
    bare = f"{BASE}/twilio/sms/status?AccountSid={status_params('x', 'y')['AccountSid']}"
    unsigned_body = {
        "Content-Type": "application/json",
        "X-Twilio-Signature": compute_signature(SANDBOX_AUTH_TOKEN, bare, None),
    }
    assert (await web.post(bare, content=tampered, headers=unsigned_body)).status_code == 403
    assert [e.status for e in stored(receiver_stores)] == ["delivered"]


async def test_the_shared_key_variant_is_accepted_when_announced(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    params = status_params(message_sid(9), "delivered")
    url = f"{BASE}/twilio/sms/status"
    signature = compute_signature("shared-secret", url, {k: [v] for k, v in params.items()}, "HMAC_SHA256")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    }
    assert (await web.post(url, data=params, headers=headers)).status_code == 204
    del headers["X-Twilio-Webhooks-Signature-Settings"]
    assert (await web.post(url, data=params | {"MessageStatus": "read"}, headers=headers)).status_code == 403
    assert len(stored(receiver_stores)) == 1


async def test_a_body_over_the_limit_is_refused_with_413(web: httpx.AsyncClient, receiver_stores: Stores) -> None:
    params = status_params(message_sid(10), "delivered", Padding="x" * (1024 * 1024))
    response = await post_signed(web, "/twilio/sms/status", params)
    assert response.status_code == 413
    assert stored(receiver_stores) == []


async def test_sendgrid_events_are_verified_and_deduplicated_by_event_id(
    web: httpx.AsyncClient, receiver_stores: Stores, sendgrid_key: tuple[Any, str]
) -> None:
    private, _ = sendgrid_key
    events = [
        {"email": "a@example.com", "event": "delivered", "sg_event_id": "ev-1", "sg_message_id": "msg-1"},
        {"email": "a@example.com", "event": "open", "sg_event_id": "ev-2", "sg_message_id": "msg-1"},
    ]
    raw = json.dumps(events).encode()
    first = await web.post("/sendgrid/events", content=raw, headers=sendgrid_headers(private, raw))
    again = await web.post("/sendgrid/events", content=raw, headers=sendgrid_headers(private, raw))
    forged = raw.replace(b"open", b"click")
    refused = await web.post("/sendgrid/events", content=forged, headers=sendgrid_headers(private, raw))
    stale = await web.post(
        "/sendgrid/events", content=raw, headers=sendgrid_headers(private, raw, int(time.time()) - 3600)
    )
    assert (first.status_code, again.status_code, refused.status_code, stale.status_code) == (204, 204, 403, 403)
    assert sorted(e.status for e in stored(receiver_stores, kind="email_event")) == ["delivered", "open"]


async def test_inbound_parse_needs_its_token_and_keeps_the_mail_fields(
    web: httpx.AsyncClient, receiver_stores: Stores
) -> None:
    fields = {"from": "Ann <ann@example.com>", "to": "in@parse.example.com", "subject": "Hi", "text": "Hello"}
    files = {"attachment1": ("a.txt", b"data", "text/plain")}
    refused = await web.post("/sendgrid/inbound", data=fields, files=files)
    accepted = await web.post("/sendgrid/inbound?token=parse-token", data=fields, files=files)
    assert (refused.status_code, accepted.status_code) == (403, 204)
    (event,) = stored(receiver_stores, kind="email_inbound")
    assert event.payload["subject"] == "Hi"
    assert event.payload["attachments"] == 1


async def test_processing_marks_each_event_once_and_counts_it(
    web: httpx.AsyncClient, receiver_stores: Stores, receiver: Receiver
) -> None:
    for n, status in enumerate(("sent", "delivered", "failed")):
        await post_signed(web, "/twilio/sms/status", status_params(message_sid(20 + n), status))
    assert receiver_stores.webhook_events.pending_count() == 3
    assert receiver.processor.drain() == 3
    assert receiver.processor.drain() == 0
    assert receiver_stores.webhook_events.counters() == {"sms_status:sent": 1, "sms_status:delivered": 1,
                                                         "sms_status:failed": 1}  # fmt: skip
    health = await web.get("/healthz")
    assert health.json()["pending"] == 0


async def test_the_ivr_route_is_signature_checked_and_served_by_the_given_handler(
    receiver_settings: Settings, receiver_stores: Stores
) -> None:
    async def ivr(callback: Any) -> PlainTextResponse:
        menu, node = callback.request.path_params["menu"], callback.request.path_params["node"]
        return PlainTextResponse(f"<Response><Say>{menu}/{node}</Say></Response>", media_type="text/xml")

    app = build_webhooks_app(receiver_settings, receiver_stores, ivr=ivr, run_worker=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
        params = {"AccountSid": status_params("x", "y")["AccountSid"], "CallSid": "CA" + "2" * 32, "Digits": "1"}
        ok = await post_signed(web, "/twilio/voice/ivr/main/start", params)
        forged = await web.post("/twilio/voice/ivr/main/start", data=params)
    assert ok.status_code == 200 and "main/start" in ok.text
    assert forged.status_code == 403


async def test_mounted_beside_another_app_the_receiver_answers_under_webhooks(
    receiver_settings: Settings, receiver_stores: Stores
) -> None:
    other = Starlette(routes=[Route("/mcp", lambda request: PlainTextResponse("mcp"), methods=["GET"])])
    receiver_app = build_webhooks_app(receiver_settings, receiver_stores)
    app = WebhooksBeside(other, receiver_app)
    params = status_params(message_sid(30), "delivered")
    body, headers = signed_form(f"{BASE}/webhooks/twilio/sms/status", params)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
        assert (await web.get("/mcp")).text == "mcp"
        assert (await web.post("/webhooks/twilio/sms/status", content=body, headers=headers)).status_code == 204
    assert len(stored(receiver_stores, sid=message_sid(30))) == 1
