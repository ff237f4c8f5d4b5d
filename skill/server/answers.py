"""Plain answers over streamable HTTP: one JSON body for a request that has nothing else to send.

The SDK's transport for 2025-era clients answers every request POST with an SSE stream, or, when a
server is configured so once and for all, with one JSON body. The stream is needed only when the
server may send something else on the request's own channel before its answer:

- progress, which is sent only when the request carries a `progressToken`;
- a question to the person at the client (this server's only request to a client is elicitation),
  which can be asked only of a client that declared elicitation, and never in stateless mode, where
  a request has no channel back.

For any other request the stream is pure cost: about half the CPU of a call (bench/http_load.py).
So `PlainAnswers` reads each POST before the SDK does and marks a request that can send nothing
else, and `ChoosingTransport` (the SDK's transport, built in its place) answers a marked request as
JSON and any other as it was configured to. The SDK's transport for 2026-era requests makes the same
choice itself (JSON when a call ends before sending anything else).

A marked request has no channel back (the SDK stamps `can_send_request` false), so a request to the
client attempted for it fails (the confirmation then falls back to an operator's approval) instead
of being mistaken for the answer. Anything unclear keeps the stream: an unreadable, batched or
oversized body, a method not listed here, a session opened without this module seeing it.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict, deque
from contextvars import ContextVar

from mcp.server import streamable_http_manager
from mcp.server.streamable_http import StreamableHTTPServerTransport
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Methods whose handlers here send nothing on the request's channel but progress (tools/call also
# a confirmation question, which the client's capabilities decide).
PLAIN_METHODS = frozenset(
    {
        "ping",
        "tools/list",
        "tools/call",
        "prompts/list",
        "prompts/get",
        "resources/list",
        "resources/templates/list",
        "resources/read",
    }
)
PEEK_LIMIT = 256 * 1024  # a larger body is passed on unread, and answered as a stream
MAX_QUIET_SESSIONS = 10_000  # sessions remembered as opened by a client that cannot be asked
SESSION_HEADER = b"mcp-session-id"
MAX_SESSION_ID = 128
SESSION_ID = re.compile(rb"[\x21-\x7e]{1,%d}" % MAX_SESSION_ID)  # visible ASCII, as the protocol has them

# Set for the handling of one POST: True to answer it as JSON; unset, the transport's own setting.
PLAIN: ContextVar[bool | None] = ContextVar("twilio_skill_plain_answer", default=None)


class ChoosingTransport(StreamableHTTPServerTransport):
    """The SDK's streamable HTTP transport, answering as JSON a request that `PLAIN` marks."""

    _configured = False

    @property
    def is_json_response_enabled(self) -> bool:
        chosen = PLAIN.get()
        return self._configured if chosen is None else chosen

    @is_json_response_enabled.setter
    def is_json_response_enabled(self, value: bool) -> None:
        self._configured = value


def install() -> bool:
    """Have the SDK's session manager build `ChoosingTransport` for its sessions (it names the class when
    it opens one). The transport behaves as the SDK's wherever `PLAIN` is unset. False if the SDK no
    longer builds its transport that way (every answer then stays a stream, as before)."""
    current = getattr(streamable_http_manager, "StreamableHTTPServerTransport", None)
    if current is ChoosingTransport:
        return True
    if current is not StreamableHTTPServerTransport:
        return False
    setattr(streamable_http_manager, "StreamableHTTPServerTransport", ChoosingTransport)  # noqa: B010
    return True


def is_plain(message: object, *, may_ask: bool) -> bool:
    """Whether a JSON-RPC message is a request that can send nothing but its answer.

    may_ask: whether the client could be asked a question during the call (a session whose client
    declared elicitation; unknown sessions count as such).
    """
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or "id" not in message:
        return False
    method = message.get("method")
    if not isinstance(method, str) or method not in PLAIN_METHODS:
        return False
    params = message.get("params")
    if params is not None:
        if not isinstance(params, dict):
            return False
        meta = params.get("_meta")
        if meta is not None and (not isinstance(meta, dict) or "progressToken" in meta):
            return False
    return method != "tools/call" or not may_ask


def _declares_no_elicitation(message: object) -> bool:
    """Whether a message is an `initialize` whose client declared no elicitation."""
    if not isinstance(message, dict) or message.get("method") != "initialize":
        return False
    params = message.get("params")
    capabilities = params.get("capabilities") if isinstance(params, dict) else None
    return isinstance(capabilities, dict) and "elicitation" not in capabilities


def _session_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == SESSION_HEADER:
            return value.decode("ascii") if SESSION_ID.fullmatch(value) else None
    return None


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """The request's messages as read, and its whole body (None past PEEK_LIMIT or on a disconnect)."""
    messages: list[Message] = []
    body = bytearray()
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        body += message.get("body", b"")
        if len(body) > PEEK_LIMIT:
            return messages, None
        if not message.get("more_body", False):
            return messages, bytes(body)


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = deque(messages)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return replay


class PlainAnswers:
    """ASGI wrapper around the SDK's MCP app: marks the POSTs that can be answered with one JSON body."""

    def __init__(self, app: ASGIApp, *, stateless: bool) -> None:
        self.app = app
        self.stateless = stateless
        self._quiet: OrderedDict[str, None] = OrderedDict()  # sessions whose client declared no elicitation

    def may_ask(self, session: str | None) -> bool:
        """Whether a call in this session could ask the person at the client."""
        if self.stateless:
            return False
        return session is None or session not in self._quiet

    def _remember(self, session: str) -> None:
        self._quiet[session] = None
        while len(self._quiet) > MAX_QUIET_SESSIONS:
            self._quiet.popitem(last=False)  # forgotten: its calls are answered as streams again

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "DELETE"):
            await self.app(scope, receive, send)
            return
        session = _session_id(scope.get("headers", []))
        if scope["method"] == "DELETE":
            if session is not None:
                self._quiet.pop(session, None)
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and not 0 <= declared <= PEEK_LIMIT:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        message: object = None
        if body is not None:
            try:
                message = json.loads(body)
            except (ValueError, RecursionError):
                message = None
        replay = _replaying(messages, receive)
        if not self.stateless and _declares_no_elicitation(message):
            await self.app(scope, replay, self._noting_session(send))
            return
        if not is_plain(message, may_ask=self.may_ask(session)):
            await self.app(scope, replay, send)
            return
        token = PLAIN.set(True)
        try:
            await self.app(scope, replay, send)
        finally:
            PLAIN.reset(token)

    def _noting_session(self, send: Send) -> Send:
        """`send`, remembering the session an `initialize` answer opens."""

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= int(message.get("status", 0)) < 300:
                opened = _session_id(list(message.get("headers", [])))
                if opened is not None:
                    self._remember(opened)
            await send(message)

        return noting
