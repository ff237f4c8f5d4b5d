"""Streamable HTTP hosting: DNS-rebinding protection always, a bearer token beyond loopback.

The MCP app comes from the SDK (`Server.streamable_http_app`); this module adds the Host/Origin
allow-list it checks and a small ASGI guard that answers 401 to any request without
`Authorization: Bearer <token>`. The token is generated once into `<home>/http-token` (mode 0600).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from pathlib import Path

from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from skill.config import Settings
from skill.net import allowed_host_names, is_loopback, load_or_create_secret

__all__ = ["allowed_host_names", "is_loopback"]

TOKEN_FILE = "http-token"
MCP_PATH = "/mcp"


def load_or_create_token(home: Path) -> tuple[str, bool]:
    """The HTTP bearer token, and whether it was created just now (so the caller shows it once)."""
    return load_or_create_secret(home, TOKEN_FILE)


def host_label(name: str) -> str:
    """A host name as a Host header writes it: IPv6 in brackets."""
    return f"[{name}]" if ":" in name else name


def transport_security(host: str, extra: Iterable[str] = ()) -> TransportSecuritySettings:
    """The SDK's DNS-rebinding settings: Host and Origin must name this server."""
    names = sorted(host_label(name) for name in allowed_host_names(host, extra=extra))
    hosts = [pattern for name in names for pattern in (name, f"{name}:*")]
    origins = [
        pattern
        for name in names
        for scheme in ("http", "https")
        for pattern in (f"{scheme}://{name}", f"{scheme}://{name}:*")
    ]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


class BearerTokenGuard:
    """ASGI wrapper: HTTP requests need `Authorization: Bearer <token>`; lifespan events pass through."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("BearerTokenGuard needs a non-empty token.")
        self.app = app
        self._token = token.encode()

    def authorized(self, scope: Scope) -> bool:
        header = Headers(scope=scope).get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.authorized(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = JSONResponse(
                {
                    "error": "unauthorized",
                    "message": "This twilio-skill server needs 'Authorization: Bearer <token>'.",
                    "remediation": "The token is in the file http-token in the twilio-skill home directory.",
                },
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="twilio-skill"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def build_http_app(
    settings: Settings,
    *,
    host: str,
    token: str | None = None,
    allowed_hosts: Iterable[str] = (),
    stateless: bool = False,
) -> ASGIApp:
    """The MCP server as an ASGI app at /mcp, guarded by a bearer token when one is given.

    stateless: the SDK's stateless streamable HTTP, where each request stands alone (no session id,
    nothing kept between requests), so any replica behind a load balancer answers any request; all
    shared state is in the database. Resource subscriptions and notifications sent outside a request
    need a session and so a stateful server.
    """
    from skill.server.app import build_server

    server = build_server(settings)
    security = transport_security(host, allowed_hosts)
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH, host=host, transport_security=security, stateless_http=stateless
    )
    return BearerTokenGuard(app, token) if token else app
