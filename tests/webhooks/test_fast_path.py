"""The Twilio callback routes answered straight over ASGI say exactly what the Starlette routes say.

Every request is sent twice over HTTP (in memory): once to the receiver as built, where status and
inbound callbacks skip Starlette's layers, and once to a copy forced through Starlette's middleware
and router. Status, headers, body, what was stored and what was counted must all be the same.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from skill.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from skill.core.signing import compute_signature
from skill.webhooks.app import WebhooksBeside, build_webhooks_app
from skill.webhooks.bodies import MAX_BODY_BYTES, MAX_FIELDS
from tests.security.support import (
    BASE,
    INBOUND_PATH,
    STATUS_PATH,
    Site,
    form_signature,
    inbound_params,
    json_signed,
    message_sid,
    nested,
    site,
    status_params,
)

pytestmark = pytest.mark.anyio

VOICE_PATH = "/twilio/voice/status"
Request = dict[str, Any]  # keyword arguments of httpx.AsyncClient.request


def through_starlette(app: Starlette) -> Callable[[Scope, Receive, Send], Any]:
    """The receiver app with every request taking Starlette's middleware and router."""

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        await Starlette.__call__(app, scope, receive, send)

    return routed


def form(path: str, params: dict[str, str], *, signed_for: str | None = None, **headers: str) -> Request:
    signature = form_signature(signed_for or f"{BASE}{path}", params)
    return {"method": "POST", "url": path, "data": params, "headers": signature | headers}


def signed_json(raw: bytes, path: str = STATUS_PATH) -> Request:
    url, headers = json_signed(BASE, path, raw)
    return {"method": "POST", "url": url, "content": raw, "headers": headers}


async def too_long() -> AsyncIterator[bytes]:
    for _ in range(MAX_BODY_BYTES // 65536 + 1):
        yield b"A" * 65536


SHARED_KEY = "shared-secret"
STATUS = status_params(message_sid(1), "delivered")
CASES: dict[str, Callable[[], Request]] = {
    "a signed status callback": lambda: form(STATUS_PATH, STATUS),
    "a signed call status callback": lambda: form(
        VOICE_PATH, {"AccountSid": SANDBOX_ACCOUNT_SID, "CallSid": "CA" + "1" * 32, "CallStatus": "ringing"}
    ),
    "a signed inbound STOP": lambda: form(INBOUND_PATH, inbound_params(message_sid(2), "STOP")),
    "a signed inbound HELP": lambda: form(INBOUND_PATH, inbound_params(message_sid(3), "help")),
    "a forged signature": lambda: form(STATUS_PATH, STATUS) | {"data": STATUS | {"MessageStatus": "read"}},
    "no signature": lambda: {"method": "POST", "url": STATUS_PATH, "data": STATUS},
    "an account without a token": lambda: form(STATUS_PATH, STATUS | {"AccountSid": "AC" + "9" * 32}),
    "a signature for another URL": lambda: form(STATUS_PATH, STATUS, signed_for=f"{BASE}/elsewhere"),
    "the shared-key variant": lambda: {
        "method": "POST",
        "url": STATUS_PATH,
        "data": STATUS,
        "headers": {
            "X-Twilio-Signature": compute_signature(
                SHARED_KEY, f"{BASE}{STATUS_PATH}", {k: [v] for k, v in STATUS.items()}, "HMAC_SHA256"
            ),
            "X-Twilio-Webhooks-Signature-Settings": "key=k1,algorithm=HMAC_SHA256",
        },
    },
    "a declared body over the limit": lambda: form(STATUS_PATH, STATUS | {"Pad": "x" * MAX_BODY_BYTES}),
    "a streamed body over the limit": lambda: {"method": "POST", "url": STATUS_PATH, "content": too_long()},
    "a form that is not UTF-8": lambda: {
        "method": "POST",
        "url": STATUS_PATH,
        "content": b"AccountSid=" + SANDBOX_ACCOUNT_SID.encode() + b"&Body=%FF",
        "headers": {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    },
    "a form with too many fields": lambda: form(STATUS_PATH, STATUS | {f"F{n}": "x" for n in range(MAX_FIELDS)}),
    "a query value that is not UTF-8": lambda: {
        "method": "POST",
        "url": f"{STATUS_PATH}?AccountSid=%FF",
        "data": STATUS,
        "headers": form_signature(f"{BASE}{STATUS_PATH}", STATUS),
    },
    "signed JSON": lambda: signed_json(json.dumps(STATUS).encode()),
    "signed JSON nested too deep": lambda: signed_json(nested(1_000)),
    "signed JSON that is not an object": lambda: signed_json(b"[1, 2]"),
    "JSON without bodySHA256": lambda: {
        "method": "POST",
        "url": f"{STATUS_PATH}?AccountSid={SANDBOX_ACCOUNT_SID}",
        "content": json.dumps(STATUS).encode(),
        "headers": {
            "Content-Type": "application/json",
            "X-Twilio-Signature": compute_signature(
                SANDBOX_AUTH_TOKEN, f"{BASE}{STATUS_PATH}?AccountSid={SANDBOX_ACCOUNT_SID}", None
            ),
        },
    },
    "a foreign Host": lambda: form(
        STATUS_PATH, STATUS, signed_for=f"http://evil.example{STATUS_PATH}", Host="evil.example"
    ),
    "two Host headers": lambda: {
        "method": "POST",
        "url": STATUS_PATH,
        "data": STATUS,
        "headers": [*form_signature(f"{BASE}{STATUS_PATH}", STATUS).items(), ("Host", "127.0.0.1"), ("Host", "x")],
    },
    "GET on a callback route": lambda: {"method": "GET", "url": STATUS_PATH},
    "PUT on a callback route": lambda: form(STATUS_PATH, STATUS) | {"method": "PUT"},
    "a trailing slash": lambda: form(STATUS_PATH + "/", STATUS),
    "the health check": lambda: {"method": "GET", "url": "/healthz"},
}


async def answers(place: Site, app: Any, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
    async with place.client(app=app) as web:
        response = await web.request(**request)
    return response.status_code, response.headers.multi_items(), response.content


def outcome(place: Site) -> tuple[list[tuple[str, str, str | None]], dict[str, int]]:
    return [(e.dedupe_key, e.kind, e.status) for e in place.events()], dict(place.receiver.stats)


@pytest.mark.parametrize("case", list(CASES))
async def test_each_request_is_answered_alike_with_and_without_starlettes_layers(tmp_path: Path, case: str) -> None:
    env = {"TWILIO_SKILL_WEBHOOK_SHARED_KEY": SHARED_KEY}
    async with site(tmp_path / "fast", **env) as fast, site(tmp_path / "routed", **env) as routed:
        first = await answers(fast, fast.app, CASES[case]())
        second = await answers(routed, through_starlette(routed.app), CASES[case]())
        # Sent again: a repeat of a stored callback is acknowledged on both paths alike, and stored once.
        again = (
            await answers(fast, fast.app, CASES[case]()),
            await answers(routed, through_starlette(routed.app), CASES[case]()),
        )
        assert first == second
        assert again[0] == again[1]
        assert outcome(fast) == outcome(routed)


async def test_a_genuine_callback_is_answered_without_starlettes_layers_and_anything_else_with_them(
    tmp_path: Path,
) -> None:
    async def unreachable(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("through Starlette", status_code=599)(scope, receive, send)

    async with site(tmp_path) as place:
        place.app.middleware_stack = unreachable
        assert (await answers(place, place.app, CASES["a signed status callback"]()))[0] == 204
        assert (await answers(place, place.app, CASES["a forged signature"]()))[0] == 403
        assert (await answers(place, place.app, CASES["a foreign Host"]()))[0] == 599
        assert (await answers(place, place.app, CASES["GET on a callback route"]()))[0] == 599
        assert (await answers(place, place.app, {"method": "POST", "url": "/sendgrid/events"}))[0] == 599
        assert len(place.events()) == 1


async def test_a_store_that_fails_is_answered_500_on_both_paths_and_the_error_still_raised(tmp_path: Path) -> None:
    def broken(batch: list[Any]) -> list[bool]:
        raise sqlite3.OperationalError("disk I/O error")

    async with site(tmp_path / "fast") as fast, site(tmp_path / "routed") as routed:
        results = []
        for place, app in ((fast, fast.app), (routed, through_starlette(routed.app))):
            place.receiver.batches.write = place.receiver.batches.write_now = broken
            results.append(await answers(place, app, CASES["a signed status callback"]()))
            strict = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=strict, base_url=BASE) as web:
                with pytest.raises(sqlite3.OperationalError):
                    await web.request(**CASES["a signed status callback"]())
        assert results[0] == results[1]
        assert results[0][0] == 500 and results[0][2] == b"Internal Server Error"


async def test_mounted_under_webhooks_the_callback_routes_answer_alike_on_both_paths(tmp_path: Path) -> None:
    other = Starlette(routes=[Route("/mcp", lambda request: PlainTextResponse("mcp"), methods=["GET"])])
    path = f"/webhooks{STATUS_PATH}"
    async with site(tmp_path / "fast") as fast, site(tmp_path / "routed") as routed:
        seen = []
        for place, forced in ((fast, False), (routed, True)):
            webhooks = build_webhooks_app(place.settings, place.stores, run_worker=False)
            beside = WebhooksBeside(other, webhooks)
            if forced:
                beside = WebhooksBeside(other, through_starlette(webhooks))  # type: ignore[arg-type]
            seen.append(
                (
                    await answers(place, beside, form(path, STATUS)),
                    await answers(place, beside, form(path, STATUS, signed_for=f"{BASE}{STATUS_PATH}")),
                )
            )
        assert seen[0] == seen[1]
        assert [answer[0] for answer in seen[0]] == [204, 403]


async def test_a_query_string_of_raw_bytes_that_are_not_utf_8_is_refused_with_400_on_both_paths(tmp_path: Path) -> None:
    async def call(app: Any) -> list[Any]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": STATUS_PATH, "raw_path": STATUS_PATH.encode(), "root_path": "",
                 "query_string": b"AccountSid=\xff", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8766),
                 "headers": [(b"host", b"127.0.0.1:8766"), (b"content-type", b"application/json")]}  # fmt: skip
        sent: list[Any] = []
        body = [{"type": "http.request", "body": b"{}", "more_body": False}]

        async def receive() -> Any:
            return body.pop() if body else {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            sent.append(message.get("status", message.get("body")))

        await app(scope, receive, send)
        return sent

    async with site(tmp_path) as place:
        fast, routed = await call(place.app), await call(through_starlette(place.app))
    assert fast == routed == [400, b"Bad request: the query string is not valid UTF-8\n"]
