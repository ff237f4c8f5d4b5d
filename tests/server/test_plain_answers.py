"""One JSON body instead of an SSE stream for a request over HTTP that has nothing else to send; a
stream for one that may send progress or ask the person at the client; and the request reading in
front of the SDK attacked with bodies, lengths and session ids it must not trip on."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult
from starlette.types import Message, Receive, Scope, Send

from skill.config import ALL_TOOLSETS, Settings
from skill.server import answers
from skill.server.answers import PLAIN, ChoosingTransport, PlainAnswers, install, is_plain
from skill.server.http import build_http_app
from skill.stores.sqlite import Stores
from tests import approvals
from tests.e2e.support import serving_in_thread

pytestmark = pytest.mark.anyio

START_SECONDS = 20
TEST_TIMEOUT = 20
PROTOCOL = "2025-11-25"
ACCEPT = "application/json, text/event-stream"
JSON = "application/json"
STREAM = "text/event-stream"
POLICY = '[tools]\nmessage_send = "confirm"\n[confirm]\ntimeout_seconds = 30\n'


def serving(settings: Settings, *, stateless: bool) -> Iterator[str]:
    """`build_http_app` under uvicorn in a thread on loopback; yields its /mcp URL."""
    with serving_in_thread(build_http_app(settings, host="127.0.0.1", stateless=stateless), START_SECONDS) as port:
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    return Settings(home=tmp_path / "home", toolsets=ALL_TOOLSETS, policy_path=policy)


@pytest.fixture
def stateful(settings: Settings) -> Iterator[str]:
    yield from serving(settings, stateless=False)


@pytest.fixture
def stateless(settings: Settings) -> Iterator[str]:
    yield from serving(settings, stateless=True)


def request(method: str, params: dict[str, Any] | None = None, ident: int = 7) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "method": method, **({"params": params} if params is not None else {})}


def explain(meta: dict[str, Any] | None = None, ident: int = 7) -> dict[str, Any]:
    params: dict[str, Any] = {"name": "error_explain", "arguments": {"code": 21610}}
    return request("tools/call", {**params, **({"_meta": meta} if meta is not None else {})}, ident)


def messages_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON-RPC messages of an answer, whether one JSON body or an SSE stream."""
    if response.headers["content-type"].startswith(JSON):
        return [response.json()]
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:") and line[5:]]


async def open_session(client: httpx.AsyncClient, url: str, capabilities: dict[str, Any]) -> dict[str, str]:
    """The headers of a session opened with `capabilities` (the handshake done)."""
    hello = request("initialize", {"protocolVersion": PROTOCOL, "capabilities": capabilities, "clientInfo": {}})
    hello["params"]["clientInfo"] = {"name": "test", "version": "1"}
    answer = await client.post(url, json=hello, headers={"Accept": ACCEPT})
    assert answer.status_code == 200, answer.text
    headers = {"Accept": ACCEPT, "Mcp-Session-Id": answer.headers["mcp-session-id"], "MCP-Protocol-Version": PROTOCOL}
    ready = await client.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
    assert ready.status_code == 202
    return headers


async def test_a_call_of_a_client_that_cannot_be_asked_is_answered_with_one_json_body(stateful: str) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=TEST_TIMEOUT) as client:
            headers = await open_session(client, stateful, {})
            plain = await client.post(stateful, json=explain(ident=41), headers=headers)
            streamed = await client.post(stateful, json=explain({"progressToken": "p1"}, ident=42), headers=headers)
            listing = await client.post(stateful, json=request("tools/list", ident=43), headers=headers)
    assert plain.status_code == 200 and plain.headers["content-type"].startswith(JSON)
    [answer] = messages_of(plain)
    assert answer["id"] == 41 and answer["result"]["structuredContent"]["code"] == 21610
    assert plain.headers["mcp-session-id"] == headers["Mcp-Session-Id"]
    # Asking for progress keeps the stream, which then carries the answer.
    assert streamed.headers["content-type"].startswith(STREAM)
    assert [m["id"] for m in messages_of(streamed) if "id" in m] == [42]
    assert listing.headers["content-type"].startswith(JSON)
    assert any(tool["name"] == "error_explain" for tool in messages_of(listing)[0]["result"]["tools"])


async def test_a_client_that_declared_elicitation_keeps_the_stream_for_its_calls(stateful: str) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=TEST_TIMEOUT) as client:
            headers = await open_session(client, stateful, {"elicitation": {}})
            call = await client.post(stateful, json=explain(ident=51), headers=headers)
            listing = await client.post(stateful, json=request("tools/list", ident=52), headers=headers)
    assert call.headers["content-type"].startswith(STREAM)
    assert [m["id"] for m in messages_of(call) if "id" in m] == [51]
    # Listing asks nobody, so it is plain whatever the client can do.
    assert listing.headers["content-type"].startswith(JSON)


async def test_a_client_that_can_be_asked_is_still_asked_over_http(stateful: str) -> None:
    asked: list[ElicitRequestParams] = []

    async def approve(context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params)
        return ElicitResult(action="accept", content={"approve": True})

    args = {"to": "+14155550199", "from": "+15005550006", "body": "Your table is ready."}
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(stateful, mode="legacy", elicitation_callback=approve) as client:
            result = await client.call_tool("message_send", args)
    assert len(asked) == 1 and "message_send" in asked[0].message
    assert not result.is_error, result
    assert result.structured_content is not None and result.structured_content["sid"].startswith("SM")


class Progress:
    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))


async def test_progress_still_reaches_a_client_that_asks_for_it_in_either_mode(
    settings: Settings, stateful: str, stateless: str
) -> None:
    stores = Stores.open(settings.database)
    try:
        pending = approvals.open_request(stores, summary="Release +14155550100")
    finally:
        stores.close()
    for url in (stateful, stateless):
        progress = Progress()
        seen = progress.seen
        with anyio.fail_after(TEST_TIMEOUT):
            async with Client(url, mode="legacy") as client:
                waited = await client.call_tool(
                    "approval_status", {"approval_id": pending.id, "wait_seconds": 1}, progress_callback=progress
                )
                plain = await client.call_tool("error_explain", {"code": 21610})
        assert not waited.is_error and waited.structured_content is not None
        assert waited.structured_content["status"] == "pending"
        assert seen and seen[-1][2] == "request is pending", (url, seen)
        assert plain.structured_content is not None and plain.structured_content["code"] == 21610


async def test_a_stateless_call_is_plain_unless_it_asks_for_progress(stateless: str) -> None:
    headers = {"Accept": ACCEPT, "MCP-Protocol-Version": PROTOCOL}
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=TEST_TIMEOUT) as client:
            plain = await client.post(stateless, json=explain(ident=61), headers=headers)
            streamed = await client.post(stateless, json=explain({"progressToken": 9}, ident=62), headers=headers)
            account = await client.post(
                stateless, json=request("tools/call", {"name": "account_get", "arguments": {}}, 63), headers=headers
            )
    assert plain.headers["content-type"].startswith(JSON) and messages_of(plain)[0]["id"] == 61
    assert streamed.headers["content-type"].startswith(STREAM)
    assert [m["id"] for m in messages_of(streamed) if "id" in m] == [62]
    assert account.headers["content-type"].startswith(JSON)
    assert messages_of(account)[0]["result"]["structuredContent"]["environment"] == "sandbox"


async def test_hostile_bodies_reach_the_sdk_whole_and_unmarked(stateful: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    large = json.dumps(explain({"padding": "x" * (answers.PEEK_LIMIT + 10)}))
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx.AsyncClient(timeout=TEST_TIMEOUT) as client:
            headers = await open_session(client, stateful, {})
            posted = {"Content-Type": JSON, **headers}
            nested = await client.post(stateful, content=deep, headers=posted)
            broken = await client.post(
                stateful, content=b'{"jsonrpc": "2.0", "id": 1, "method": "tools/ca', headers=posted
            )
            batch = await client.post(stateful, content=json.dumps([explain()]), headers=posted)
            big = await client.post(stateful, content=large, headers=posted)
            after = await client.post(stateful, json=explain(ident=71), headers=headers)
    # The SDK answers each as it would without this module: a parse or validation error, or (past what
    # is read ahead) the call itself, on a stream.
    assert nested.status_code == 400 and broken.status_code == 400 and batch.status_code == 400
    assert big.status_code == 200 and big.headers["content-type"].startswith(STREAM)
    assert [m["result"]["structuredContent"]["code"] for m in messages_of(big) if "id" in m] == [21610]
    assert after.headers["content-type"].startswith(JSON) and messages_of(after)[0]["id"] == 71


@pytest.mark.parametrize(
    "message",
    [
        None,
        [],
        [request("ping")],
        "tools/call",
        {"jsonrpc": "2.0", "method": "tools/list"},  # a notification: no answer to give
        {"jsonrpc": "1.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 1, "method": ["tools/list"]},  # not hashable
        {"jsonrpc": "2.0", "id": 1, "method": {"tools/list": 1}},
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {}},
        {"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe", "params": {"uri": "twilio://approvals/x"}},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": ["a"]},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": "progressToken"}},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {"progressToken": None}}},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "x"}},  # the client may be asked
    ],
)
def test_only_a_request_that_can_send_nothing_else_is_marked_plain(message: object) -> None:
    assert is_plain(message, may_ask=True) is False


def test_a_call_is_plain_only_where_nobody_can_be_asked() -> None:
    call = {"jsonrpc": "2.0", "id": "a", "method": "tools/call", "params": {"name": "x", "_meta": {"other": 1}}}
    assert is_plain(call, may_ask=False) is True
    assert is_plain(call, may_ask=True) is False
    assert is_plain({"jsonrpc": "2.0", "id": 0, "method": "ping"}, may_ask=True) is True


class Inner:
    """An ASGI app that keeps what reached it: the body, whether PLAIN was set, and answers as told."""

    def __init__(self, session: bytes = b"") -> None:
        self.bodies: list[bytes] = []
        self.marked: list[bool | None] = []
        self.session = session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            if message["type"] != "http.request":
                body += b"<" + message["type"].encode() + b">"
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        self.marked.append(PLAIN.get())
        headers = [(b"content-type", b"application/json")]
        headers += [(b"mcp-session-id", self.session)] if self.session else []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})


async def drive(
    app: PlainAnswers, chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None, method: str = "POST"
) -> None:
    pending: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        return None

    scope = {"type": "http", "method": method, "path": "/mcp", "headers": headers or []}
    await app(scope, receive, send)


def hello(capabilities: dict[str, Any]) -> bytes:
    return json.dumps(request("initialize", {"capabilities": capabilities})).encode()


async def test_a_body_in_many_pieces_reaches_the_app_whole_and_marked() -> None:
    inner = Inner()
    app = PlainAnswers(inner, stateless=True)
    body = json.dumps(explain()).encode()
    await drive(app, [body[i : i + 7] for i in range(0, len(body), 7)])
    assert inner.bodies == [body] and inner.marked == [True]
    assert PLAIN.get() is None, "the mark does not outlive its request"


async def test_a_disconnect_before_the_body_ends_is_passed_on_and_nothing_is_marked() -> None:
    inner = Inner()
    app = PlainAnswers(inner, stateless=True)
    pieces: list[Message] = [{"type": "http.request", "body": b'{"jsonrpc": "2.0", ', "more_body": True}]

    async def receive() -> Message:
        return pieces.pop(0) if pieces else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        return None

    await app({"type": "http", "method": "POST", "headers": []}, receive, send)
    assert inner.bodies == [b'{"jsonrpc": "2.0", <http.disconnect>'] and inner.marked == [None]


@pytest.mark.parametrize("length", [b"-1", b"99999999999999999999", str(answers.PEEK_LIMIT + 1).encode(), b"12abc"])
async def test_a_declared_length_out_of_bounds_or_unreadable_is_not_read_ahead(length: bytes) -> None:
    inner = Inner()
    app = PlainAnswers(inner, stateless=True)
    body = json.dumps(explain()).encode()
    await drive(app, [body], [(b"content-length", length)])
    assert inner.bodies == [body]
    # Unreadable lengths are read (bounded by PEEK_LIMIT all the same); out-of-bounds ones are not.
    assert inner.marked == ([True] if length == b"12abc" else [None])


@pytest.mark.parametrize(
    "session",
    [b"", b"s" * (answers.MAX_SESSION_ID + 1), b"caf\xe9", b"abc\r\nSet-Cookie: x", b"a\x00b", b"two words"],
)
async def test_a_session_id_that_is_not_one_is_never_remembered(session: bytes) -> None:
    app = PlainAnswers(Inner(session), stateless=False)
    await drive(app, [hello({})])
    assert len(app._quiet) == 0
    assert app.may_ask(session.decode("latin-1") or None)


async def test_sessions_are_remembered_only_for_clients_that_cannot_be_asked_and_within_a_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answers, "MAX_QUIET_SESSIONS", 3)
    app = PlainAnswers(Inner(b"asker"), stateless=False)
    await drive(app, [hello({"elicitation": {"form": {}}})])
    assert app.may_ask("asker")
    for index in range(5):
        app.app = Inner(f"quiet{index}".encode())
        await drive(app, [hello({"sampling": {}})])
    assert list(app._quiet) == ["quiet2", "quiet3", "quiet4"]
    assert app.may_ask("quiet0") and not app.may_ask("quiet4")
    # A session ended by its client is forgotten.
    await drive(app, [b""], [(b"mcp-session-id", b"quiet4")], method="DELETE")
    assert app.may_ask("quiet4")


def test_the_transport_answers_as_configured_unless_a_request_is_marked() -> None:
    assert install() and install(), "installing twice is harmless"
    from mcp.server import streamable_http_manager

    assert streamable_http_manager.StreamableHTTPServerTransport is ChoosingTransport  # type: ignore[attr-defined]
    streaming = ChoosingTransport(mcp_session_id=None, is_json_response_enabled=False)
    configured_json = ChoosingTransport(mcp_session_id=None, is_json_response_enabled=True)
    assert not streaming.is_json_response_enabled and configured_json.is_json_response_enabled
    token = PLAIN.set(True)
    try:
        assert streaming.is_json_response_enabled
    finally:
        PLAIN.reset(token)
    assert not streaming.is_json_response_enabled


def test_an_sdk_that_builds_its_transport_otherwise_is_left_alone_and_said_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from mcp.server import streamable_http_manager
    from mcp.server.streamable_http import StreamableHTTPServerTransport

    class Other(StreamableHTTPServerTransport):
        pass

    monkeypatch.setattr(streamable_http_manager, "StreamableHTTPServerTransport", Other)
    with caplog.at_level(logging.WARNING, logger="twilio_skill.serve"):
        build_http_app(Settings(home=tmp_path / "home"), host="127.0.0.1")
    assert streamable_http_manager.StreamableHTTPServerTransport is Other  # type: ignore[attr-defined]
    assert "answered with an SSE stream" in caplog.text


async def test_concurrent_requests_each_see_only_their_own_mark() -> None:
    both_inside = anyio.Event()
    inside: list[str] = []
    seen: dict[str, bool | None] = {}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        body = (await receive())["body"]
        name = "plain" if b'"ping"' in body else "streamed"
        inside.append(name)
        if len(inside) == 2:
            both_inside.set()
        await both_inside.wait()  # both in flight at once before either looks at its mark
        seen[name] = PLAIN.get()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = PlainAnswers(inner, stateless=True)
    with anyio.fail_after(TEST_TIMEOUT):
        async with anyio.create_task_group() as group:
            group.start_soon(drive, app, [json.dumps(request("ping")).encode()])
            group.start_soon(drive, app, [json.dumps(explain({"progressToken": "t"})).encode()])
    assert seen == {"plain": True, "streamed": None}
    assert PLAIN.get() is None
