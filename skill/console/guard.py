"""The console's outer wall: the Host it answers for, the origin of every form post, security headers.

A browser's form posts carry `Origin`; the console accepts an unsafe method only when that origin
is its own, scheme, host and port all equal (a page on another port of the same machine is
another origin, though cookies do not tell them apart). When a browser hides the origin
(`Origin: null`), `Sec-Fetch-Site: same-origin` vouches instead. Scripts send neither header and
go through: the JSON API needs a bearer credential and forms a session's CSRF token.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from skill.console.auth import host_name, origin_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    # same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on the console's own forms.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def own_origins(scope: Scope, headers: Headers, console_origin: str | None) -> set[str]:
    """The origins this request may come from: the one it was sent to, and the configured console URL's."""
    origins = set()
    here = origin_of(f"{scope.get('scheme', 'http')}://{headers.get('host', '')}")
    if here is not None:
        origins.add(here)
    if console_origin is not None:
        origins.add(console_origin)
    return origins


def cross_origin(scope: Scope, headers: Headers, console_origin: str | None) -> bool:
    """True when a browser tells us an unsafe request came from a page that is not the console's own."""
    origin = headers.get("origin")
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() != "same-origin":
        return True
    if origin is None:
        return False
    if origin.strip().lower() == "null":
        # An opaque origin (sandboxed frame, data: URL, hidden by policy) is accepted only when vouched for.
        return fetch_site is None
    return origin_of(origin) not in own_origins(scope, headers, console_origin)


class HostGuard:
    """ASGI wrapper: Host must name this server and unsafe methods come from its own origin; adds headers."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str], console_url: str | None = None) -> None:
        self.app = app
        self.allowed = allowed
        self.console_origin = origin_of(console_url) if console_url else None

    def refusal(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        if host_name(headers.get("host", "")) not in self.allowed:
            return PlainTextResponse("This console does not answer for that Host name.", status_code=421)
        if scope.get("method", "GET") not in SAFE_METHODS and cross_origin(scope, headers, self.console_origin):
            return PlainTextResponse(
                "Cross-origin requests are refused: this form was not sent from the console's own pages.",
                status_code=403,
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        refusal = self.refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
