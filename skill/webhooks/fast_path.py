"""The receiver's Starlette app, with Twilio's status and inbound callbacks answered straight over ASGI.

Those three routes carry nearly every request a receiver gets, and Starlette's layers (error and
exception middleware, routing, the Request object and its header and URL views) cost more per
callback than checking and storing it. A POST to one of them, naming a host the receiver answers
to, goes to the receiver's `answer_callback`, which makes the same checks in the same order as the
Starlette route and sends the same answers (413, 400, 403, 204, TwiML; a 500 when something fails,
as Starlette's error middleware would). Every other request, a misdirected one included, takes the
Starlette path unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from skill.webhooks.bodies import BodyTooLarge
from skill.webhooks.urls import UrlPolicy, route_path

CallbackAnswer = Callable[[str, Scope, Receive, Send], Awaitable[None]]
"""Answers one Twilio callback of a kind (events.SMS_STATUS, ...) over ASGI."""

_CONTENT_LENGTH = b"content-length"
_CONTENT_TYPE = b"content-type"
_SIGNATURE = b"x-twilio-signature"
_SIGNATURE_SETTINGS = b"x-twilio-webhooks-signature-settings"
_WANTED = frozenset((_CONTENT_LENGTH, _CONTENT_TYPE, _SIGNATURE, _SIGNATURE_SETTINGS))


class CallbackHeaders(NamedTuple):
    """The headers a Twilio callback is checked by, each its first occurrence (as Starlette reads them)."""

    content_length: str | None
    media_type: str  # lower case, without parameters; "" when absent
    signature: str | None
    signature_settings: str | None

    @classmethod
    def of(cls, scope: Scope) -> CallbackHeaders:
        found: dict[bytes, str] = {}
        for key, value in scope.get("headers", ()):
            name = key.lower()
            if name in _WANTED and name not in found:
                found[name] = value.decode("latin-1")
        return cls(
            found.get(_CONTENT_LENGTH),
            found.get(_CONTENT_TYPE, "").split(";")[0].strip().lower(),
            found.get(_SIGNATURE),
            found.get(_SIGNATURE_SETTINGS),
        )


async def receive_body(receive: Receive, declared: str | None, limit: int) -> bytes:
    """The whole body from ASGI messages, refusing at once anything over `limit` bytes (as bodies.read_body).

    Raises:
        BodyTooLarge: the declared or actual length is over the limit.
        ClientDisconnect: the client went away before the body ended.
    """
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect


class ReceiverApp(Starlette):
    """A Starlette app whose Twilio callback routes (`callbacks`: route path -> kind) are answered by
    `answer` for a POST naming a host `urls` allows; anything else goes through Starlette."""

    def __init__(
        self, *, callbacks: Mapping[str, str], answer: CallbackAnswer, urls: UrlPolicy, **options: Any
    ) -> None:
        super().__init__(**options)
        self.callbacks = dict(callbacks)
        self.answer = answer
        self.urls = urls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            kind = self.callbacks.get(route_path(scope))
            # A misdirected request is left to the Starlette path, whose host pin answers and counts it.
            if kind is not None and self.urls.misdirected(scope) is None:
                await self.answer(kind, scope, receive, send)
                return
        await super().__call__(scope, receive, send)
