"""Streamable HTTP hosting: DNS-rebinding protection always, and agents known by their own tokens.

The MCP app comes from the SDK (`Server.streamable_http_app`); this module adds the Host/Origin
allow-list it checks, one JSON body instead of a stream for a request that has nothing else to send
(skill.server.answers), and an ASGI guard that says who is calling. A request carrying
`Authorization: Bearer <agent token>` is that agent's once the token is checked against the store,
on every request, so a rotated or revoked token is refused at once (401). A request without one is
refused too, unless the server is bound to loopback, where it is attributed to `local`. Agents and
their tokens are made with `twilio-skill agents create NAME` (skill.core.agents).

The agent's name is put in the request's scope for the handlers (`agent_of`), and as the
authenticated user the SDK binds a session to, so one agent cannot carry on another's session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

import anyio
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from skill.config import Settings
from skill.core.agents import LOCAL, authenticate_agent
from skill.net import allowed_host_names, bearer_of, is_loopback
from skill.ports.stores import AgentStore

__all__ = ["allowed_host_names", "is_loopback"]

log = logging.getLogger("twilio_skill.serve")

MCP_PATH = "/mcp"
LEGACY_TOKEN_FILE = "http-token"  # the one shared token of earlier versions; no longer accepted
AGENT_KEY = "twilio_skill.agent"


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


def agent_of(request: object) -> str | None:
    """The agent a tool call came from (HTTP), or None (stdio, in memory)."""
    scope = getattr(request, "scope", None)
    name = scope.get(AGENT_KEY) if isinstance(scope, dict) else None
    return name if isinstance(name, str) else None


class AgentTokenGuard:
    """ASGI wrapper naming the agent of every HTTP request, or answering 401; lifespan events pass through."""

    def __init__(self, app: ASGIApp, open_agents: Callable[[], AgentStore], *, allow_local: bool) -> None:
        self.app = app
        self._open_agents = open_agents
        self._agents: AgentStore | None = None
        self._lock = threading.Lock()
        self.allow_local = allow_local

    def agents(self) -> AgentStore:
        """The agent store, opened on the first request (a server starts without touching its database)."""
        with self._lock:
            if self._agents is None:
                self._agents = self._open_agents()
            return self._agents

    def identify(self, token: str | None) -> tuple[str, str] | None:
        """(agent name, key id) for a request's bearer token, ("local", "") without one where allowed."""
        if token is None:
            return (LOCAL, "") if self.allow_local else None
        record = authenticate_agent(self.agents(), token)
        return (record.name, record.key_id) if record is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        token = bearer_of(header) if header is not None else None
        if header is not None and token is None:
            found = None  # a header that is there but is no bearer token is a mistake, not an anonymous caller
        elif token is None:
            found = self.identify(None)  # no store to ask, so no worker thread to wait for
        else:
            found = await anyio.to_thread.run_sync(self.identify, token)
        if found is None:
            await self._refuse(scope, receive, send)
            return
        name, key_id = found
        user = AuthenticatedUser(AccessToken(token=key_id or name, client_id=name, scopes=[], subject=key_id or None))
        await self.app({**scope, AGENT_KEY: name, "user": user}, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response = JSONResponse(
            {
                "error": "unauthorized",
                "message": "This twilio-skill server needs 'Authorization: Bearer <agent token>'.",
                "remediation": "An operator creates a token with `twilio-skill agents create NAME`.",
            },
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="twilio-skill"'},
        )
        await response(scope, receive, send)


def build_http_app(
    settings: Settings,
    *,
    host: str,
    allowed_hosts: Iterable[str] = (),
    open_agents: Callable[[], AgentStore] | None = None,
    stateless: bool = False,
) -> AgentTokenGuard:
    """The MCP server as an ASGI app at /mcp, behind the agent-token guard (loopback: a token is optional).

    stateless: the SDK's stateless streamable HTTP, where each request stands alone (no session id,
    nothing kept between requests), so any replica behind a load balancer answers any request; all
    shared state is in the database. Resource subscriptions and notifications sent outside a request
    need a session and so a stateful server.
    """
    from skill.server.app import build_server

    def open_from_settings() -> AgentStore:
        from skill.wiring import open_stores

        return open_stores(settings).agents

    from skill.server.answers import PlainAnswers, install

    server = build_server(settings)
    security = transport_security(host, allowed_hosts)
    if not install():
        log.warning(
            "every request over HTTP is answered with an SSE stream: this mcp version builds its transport "
            "in a way skill.server.answers does not know"
        )
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH, host=host, transport_security=security, stateless_http=stateless
    )
    app = PlainAnswers(app, stateless=stateless)
    return AgentTokenGuard(app, open_agents or open_from_settings, allow_local=is_loopback(host))
