"""Hostile bodies and Host headers: deep or wide JSON, oversized and badly encoded bodies, too many fields,
and requests naming a host that is not ours. Each gets a clear 4xx; none a 500, none is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID
from skill.webhooks.app import WebhooksBeside, build_webhooks_app
from skill.webhooks.bodies import MAX_BODY_BYTES, MAX_FIELDS, MAX_JSON_DEPTH, nests_deeper_than
from tests.e2e.support import free_port, listening
from tests.security.support import (
    BASE,
    STATUS_PATH,
    form_signature,
    json_signed,
    message_sid,
    nested,
    site,
    status_params,
)
from tests.webhooks.support import ec_key_pair, sendgrid_headers

pytestmark = pytest.mark.anyio
DEPTHS = [MAX_JSON_DEPTH + 1, 100, 1_000, 10_000, 200_000]


async def post_json(web: httpx.AsyncClient, raw: bytes, *, signed: bool) -> httpx.Response:
    if signed:
        url, headers = json_signed(BASE, STATUS_PATH, raw)
        return await web.post(url, content=raw, headers=headers)
    url = f"{STATUS_PATH}?AccountSid={SANDBOX_ACCOUNT_SID}"
    return await web.post(url, content=raw, headers={"Content-Type": "application/json", "X-Twilio-Signature": "x"})


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("depth", DEPTHS)
async def test_json_nested_beyond_the_limit_is_refused_with_400_before_it_is_parsed(
    tmp_path: Path, depth: int, signed: bool
) -> None:
    async with site(tmp_path) as place, place.client() as web:
        response = await post_json(web, nested(depth), signed=signed)
        assert response.status_code == 400, response.text
        assert "nests deeper" in response.text
        assert place.events() == []


@pytest.mark.parametrize("depth", [1, MAX_JSON_DEPTH - 1])
async def test_json_nested_within_the_limit_is_checked_as_usual(tmp_path: Path, depth: int) -> None:
    async with site(tmp_path) as place, place.client() as web:
        assert (await post_json(web, nested(depth), signed=False)).status_code == 403
        assert (await post_json(web, nested(depth), signed=True)).status_code == 204
        (event,) = place.events()
        assert json.loads(event.payload["Nested"]) == json.loads(nested(depth))["Nested"]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b'"[[[[" ' + b"]" * 40, 0),
        (b'{"a": "\\"[[[[[["}', 1),
        (b'"' + b'\\"' * 5000 + b"[" * 40, 0),
        (b"[" * 33 + b"]" * 33, 33),
        (b'[{"a": [1, "]]"]}, {"b": {}}]', 3),
        (b"{[{[{[]}]}]}", 6),
        ("[[[[\u00e9\u4e2d]]]]".encode(), 4),
        ((b"[" * 32 + b"]" * 32) * 100, 32),
        (b"[[]" * 40 + b"]" * 40, 41),
        (b"[[[", 3),
        (b"[" * 20 + b"}" * 20, 20),
    ],
    ids=["closing only", "inside a string", "inside an unterminated string", "plain", "mixed", "alternating",
         "with multi-byte text", "many chains", "zigzag", "left open", "kinds mismatched"],
)  # fmt: skip
def test_the_depth_scan_counts_only_brackets_the_parser_would_enter(text: bytes, depth: int) -> None:
    assert not nests_deeper_than(text, depth)
    assert depth == 0 or nests_deeper_than(text, depth - 1)


@pytest.mark.parametrize(
    "body",
    [b"[]", b'"AccountSid"', b"42", b"null", b"true", b'[{"AccountSid": "' + SANDBOX_ACCOUNT_SID.encode() + b'"}]'],
)
async def test_signed_json_that_is_not_an_object_is_refused_with_400_and_not_stored(
    tmp_path: Path, body: bytes
) -> None:
    async with site(tmp_path) as place, place.client() as web:
        response = await post_json(web, body, signed=True)
        assert response.status_code == 400
        assert "not an object" in response.text
        assert place.events() == []


async def test_a_number_too_long_for_python_is_refused_with_400(tmp_path: Path) -> None:
    raw = b'{"AccountSid": "' + SANDBOX_ACCOUNT_SID.encode() + b'", "Price": ' + b"9" * 100_000 + b"}"
    async with site(tmp_path) as place, place.client() as web:
        assert (await post_json(web, raw, signed=True)).status_code == 400
        assert place.events() == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"AccountSid=" + SANDBOX_ACCOUNT_SID.encode() + b"&Body=\xff\xfe"),
        ("application/x-www-form-urlencoded", b"AccountSid=" + SANDBOX_ACCOUNT_SID.encode() + b"&Body=%FF%FE"),
        ("application/json", b'{"AccountSid": "' + SANDBOX_ACCOUNT_SID.encode() + b'", "Body": "\xc3\x28"}'),
        ("text/plain", b"\x80\x81\x82"),
    ],
    ids=["raw bytes in a form", "percent-encoded bytes in a form", "raw bytes in JSON", "no form at all"],
)
async def test_a_body_that_is_not_utf_8_is_refused_with_400(tmp_path: Path, content_type: str, body: bytes) -> None:
    async with site(tmp_path) as place, place.client() as web:
        headers = {"Content-Type": content_type, "X-Twilio-Signature": "c2lnbmF0dXJl"}
        response = await web.post(STATUS_PATH, content=body, headers=headers)
        assert response.status_code == 400
        assert "UTF-8" in response.text
        assert place.events() == []


async def test_a_signed_form_with_more_fields_than_twilio_ever_sends_is_refused_with_400(tmp_path: Path) -> None:
    params = status_params(message_sid(1), "sent") | {f"Field{n}": "x" for n in range(MAX_FIELDS)}
    async with site(tmp_path) as place, place.client() as web:
        response = await web.post(STATUS_PATH, data=params, headers=form_signature(f"{BASE}{STATUS_PATH}", params))
        assert response.status_code == 400
        assert f"more than {MAX_FIELDS} fields" in response.text
        assert place.events() == []


@pytest.mark.parametrize("where", ["json body", "query string"])
async def test_json_or_a_query_with_too_many_fields_is_refused_with_400(tmp_path: Path, where: str) -> None:
    fields = {f"F{n}": n for n in range(MAX_FIELDS + 1)}
    async with site(tmp_path) as place, place.client() as web:
        if where == "json body":
            response = await post_json(
                web, json.dumps({"AccountSid": SANDBOX_ACCOUNT_SID} | fields).encode(), signed=True
            )
        else:
            query = urlencode({"AccountSid": SANDBOX_ACCOUNT_SID} | fields)
            response = await web.post(
                f"{STATUS_PATH}?{query}", content=b"{}", headers={"Content-Type": "application/json"}
            )
        assert response.status_code == 400
        assert place.events() == []


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"A" * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("path", [STATUS_PATH, "/sendgrid/events", "/sendgrid/inbound?token=t"])
@pytest.mark.parametrize("declared", [True, False], ids=["declared length", "streamed without length"])
async def test_a_body_over_the_limit_is_refused_with_413(tmp_path: Path, path: str, declared: bool) -> None:
    total = MAX_BODY_BYTES + 1
    async with site(tmp_path) as place, place.client() as web:
        content: Any = b"A" * total if declared else chunks(total)
        response = await web.post(path, content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert place.events() == []


async def test_signed_sendgrid_posts_that_are_too_deep_or_not_events_are_refused_with_400(tmp_path: Path) -> None:
    private, public = ec_key_pair()
    bodies = [b"[" * 100_000 + b"]" * 100_000, b'{"event": "open"}', b"[1, 2]", b"[{]", b'[{"event": "\xff"}]']
    async with site(tmp_path, SENDGRID_WEBHOOK_PUBLIC_KEY=public) as place, place.client() as web:
        for raw in bodies:
            response = await web.post("/sendgrid/events", content=raw, headers=sendgrid_headers(private, raw))
            assert response.status_code == 400, (raw[:20], response.status_code)
        assert place.events() == []


async def test_signed_sendgrid_events_with_odd_field_types_are_stored_without_a_crash(tmp_path: Path) -> None:
    private, public = ec_key_pair()
    raw = json.dumps([{"event": ["open"], "sg_event_id": {"x": 1}, "sg_message_id": 7}]).encode()
    async with site(tmp_path, SENDGRID_WEBHOOK_PUBLIC_KEY=public) as place, place.client() as web:
        assert (
            await web.post("/sendgrid/events", content=raw, headers=sendgrid_headers(private, raw))
        ).status_code == 204
        (event,) = place.events()
        assert (event.sid, event.status) == (None, None)


@pytest.mark.parametrize(("fields", "files"), [(250, 0), (0, 25)], ids=["many fields", "many files"])
async def test_an_inbound_parse_post_with_too_many_parts_is_refused_with_400(
    tmp_path: Path, fields: int, files: int
) -> None:
    data = {f"field{n}": "x" for n in range(fields)}
    attachments = {f"attachment{n}": (f"{n}.txt", b"x", "text/plain") for n in range(files)}
    async with site(tmp_path, TWILIO_SKILL_INBOUND_PARSE_TOKEN="t") as place, place.client() as web:
        response = await web.post("/sendgrid/inbound?token=t", data=data, files=attachments or {"f": ("a", b"x")})
        assert response.status_code == 400
        assert place.events() == []


# --- Host headers -------------------------------------------------------------------------------

FOREIGN_HOSTS = [
    "other-app.example.net",
    "other-app.example.net:8766",
    "127.0.0.1.other-app.example.net",
    "localhost.",
    "other@127.0.0.1",
    "127.0.0.1:8766/x",
    "[::1",
    "127.0.0.1 ",
    "",
]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
async def test_a_callback_signed_for_a_forged_host_is_refused_with_421_and_not_stored(
    tmp_path: Path, host: str
) -> None:
    params = status_params(message_sid(2), "delivered")
    headers = form_signature(f"http://{host}{STATUS_PATH}", params) | {"Host": host}
    async with site(tmp_path) as place, place.client() as web:
        response = await web.post(STATUS_PATH, data=params, headers=headers)
        assert response.status_code == 421
        assert "does not answer to" in response.text
        assert place.events() == []
        assert place.receiver.stats["misdirected"] == 1


async def test_two_host_headers_are_refused(tmp_path: Path) -> None:
    params = status_params(message_sid(3), "delivered")
    headers = [*form_signature(f"{BASE}{STATUS_PATH}", params).items(), ("Host", "127.0.0.1:8766"), ("Host", "evil")]
    async with site(tmp_path) as place, place.client() as web:
        response = await web.post(STATUS_PATH, data=params, headers=headers)
        assert response.status_code == 421
        assert place.events() == []


@pytest.mark.parametrize(
    ("host", "env"),
    [
        ("LOCALHOST:8766", {}),
        ("[::1]:8766", {}),
        ("localhost", {}),
        ("hooks.internal:8080", {"TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS": "hooks.internal, other.internal"}),
        ("hooks.example.com", {"TWILIO_SKILL_PUBLIC_URL": "https://hooks.example.com"}),
    ],
)
async def test_loopback_the_public_urls_host_and_listed_names_are_answered(
    tmp_path: Path, host: str, env: dict[str, str]
) -> None:
    params = status_params(message_sid(4), "delivered")
    signed_for = env.get("TWILIO_SKILL_PUBLIC_URL", f"http://{host}") + STATUS_PATH
    async with site(tmp_path, **env) as place, place.client() as web:
        response = await web.post(STATUS_PATH, data=params, headers=form_signature(signed_for, params) | {"Host": host})
        assert response.status_code == 204
        assert len(place.events()) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/sendgrid/events"), ("POST", "/sendgrid/inbound?token=t"), ("GET", "/healthz"),
     ("POST", "/twilio/voice/ivr/main/start"), ("GET", "/nowhere")],
)  # fmt: skip
async def test_every_route_is_pinned_to_the_hosts_it_answers_to(tmp_path: Path, method: str, path: str) -> None:
    async with site(tmp_path, TWILIO_SKILL_INBOUND_PARSE_TOKEN="t") as place, place.client() as web:
        response = await web.request(method, path, headers={"Host": "other-app.example.net"}, content=b"[]")
        assert response.status_code == 421
        assert place.events() == []


async def test_beside_the_mcp_endpoint_the_receiver_is_pinned_too(tmp_path: Path) -> None:
    other = Starlette(routes=[Route("/mcp", lambda request: PlainTextResponse("mcp"), methods=["GET"])])
    async with site(tmp_path) as place:
        app = WebhooksBeside(other, build_webhooks_app(place.settings, place.stores, run_worker=False))
        params = status_params(message_sid(5), "delivered")
        path = f"/webhooks{STATUS_PATH}"
        async with place.client(app=app) as web:
            forged = form_signature(f"http://other-app.example.net{path}", params) | {"Host": "other-app.example.net"}
            assert (await web.post(path, data=params, headers=forged)).status_code == 421
            assert (
                await web.post(path, data=params, headers=form_signature(f"{BASE}{path}", params))
            ).status_code == 204
        assert len(place.events()) == 1


# --- both commands, under uvicorn --------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "prefix"),
    [(("webhooks",), ""), (("serve", "--transport", "http"), "/webhooks")],
    ids=["twilio-skill webhooks", "twilio-skill serve --transport http"],
)
async def test_both_commands_refuse_a_forged_host_and_take_a_genuine_callback(
    tmp_path: Path, command: tuple[str, ...], prefix: str
) -> None:
    port = free_port()
    path = f"{prefix}{STATUS_PATH}"
    with listening(tmp_path / "home", port, tmp_path / "server.log", *command, "--port", str(port)):
        with anyio.fail_after(20):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as web:
                forged_params = status_params(message_sid(6), "delivered")
                forged = form_signature(f"http://other-app.example.net{path}", forged_params)
                refused = await web.post(path, data=forged_params, headers=forged | {"Host": "other-app.example.net"})
                deep = await web.post(f"{path}?AccountSid={SANDBOX_ACCOUNT_SID}", content=nested(100_000),
                                      headers={"Content-Type": "application/json"})  # fmt: skip
                params = status_params(message_sid(7), "delivered")
                genuine = await web.post(
                    path, data=params, headers=form_signature(f"http://127.0.0.1:{port}{path}", params)
                )
    assert (refused.status_code, deep.status_code, genuine.status_code) == (421, 400, 204)
    assert "Traceback" not in (tmp_path / "server.log").read_text()
