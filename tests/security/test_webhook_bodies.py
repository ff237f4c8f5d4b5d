"""Hostile bodies: deep or wide JSON, oversized and badly encoded bodies, too many fields. Each gets a
clear 4xx; none a 500, none is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from skill.config import SANDBOX_ACCOUNT_SID
from skill.webhooks.bodies import MAX_BODY_BYTES, MAX_FIELDS, MAX_JSON_DEPTH, nests_deeper_than
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
