"""The URL Twilio called, rebuilt from a request that may have passed through a proxy.

Twilio signs the public URL it requested, not the one the receiver sees behind a TLS-terminating
proxy. A configured base URL (--public-url, TWILIO_SKILL_PUBLIC_URL) wins, and forwarded headers are
then ignored. Otherwise X-Forwarded-Proto and X-Forwarded-Host are used only when the connection
comes from a trusted proxy (skill.webhooks.hosts), else the request's own scheme and Host. Every
host name that could reach the URL must be one the receiver answers to; `misdirected` says which
one is not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from skill.webhooks.hosts import TrustedProxies, host_name

log = logging.getLogger("twilio_skill.webhooks")

SCHEMES = ("http", "https")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _headers(scope: Scope, name: bytes) -> list[str]:
    return [str(value.decode("latin-1")) for key, value in scope.get("headers", []) if key.lower() == name]


def _first(value: str | None) -> str | None:
    """The first entry of a comma-separated proxy header (the client-facing hop)."""
    if not value:
        return None
    return value.split(",")[0].strip() or None


def route_path(scope: Scope) -> str:
    """The path inside this app, without the prefix it is mounted at."""
    path = str(scope.get("path", "/"))
    root = str(scope.get("root_path", ""))
    return path[len(root) :] if root and path.startswith(root) else path


def peer_address(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


@dataclass(frozen=True)
class UrlPolicy:
    """How a request's signed URL is rebuilt, and which host names may appear in it."""

    allowed_hosts: frozenset[str]
    proxies: TrustedProxies = field(default_factory=TrustedProxies)
    public_url: str | None = None

    def forwarded_trusted(self, scope: Scope) -> bool:
        """True when X-Forwarded-* headers speak for the client: no public URL, and a trusted peer."""
        return not self.public_url and self.proxies.trusts(peer_address(scope))

    def misdirected(self, scope: Scope) -> str | None:
        """Why the request names a host this receiver does not answer to, or None when it does not."""
        hosts = _headers(scope, b"host")
        if len(hosts) > 1:
            return "more than one Host header"
        if hosts and host_name(hosts[0]) not in self.allowed_hosts:
            return "the Host header"
        if self.forwarded_trusted(scope):
            forwarded = _first(_header(scope, b"x-forwarded-host"))
            if forwarded is not None and host_name(forwarded) not in self.allowed_hosts:
                return "the X-Forwarded-Host header"
        return None

    def signed_url(self, scope: Scope) -> str:
        """The full URL Twilio requested: scheme, host, path and the raw query string."""
        query = scope.get("query_string", b"").decode("latin-1")
        suffix = f"?{query}" if query else ""
        if self.public_url:
            return self.public_url.rstrip("/") + route_path(scope) + suffix
        scheme = str(scope.get("scheme", "http"))
        host = _header(scope, b"host")
        if self.forwarded_trusted(scope):
            proto = (_first(_header(scope, b"x-forwarded-proto")) or "").lower()
            scheme = proto if proto in SCHEMES else scheme
            host = _first(_header(scope, b"x-forwarded-host")) or host
        if not host:
            server = scope.get("server") or ("localhost", None)
            host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
        # scope["path"] already holds the mount prefix, which is part of what Twilio called.
        return f"{scheme}://{host}{scope.get('path', '/')}{suffix}"


class HostPin:
    """ASGI middleware: a request naming a host the receiver does not answer to gets 421, untouched."""

    def __init__(self, app: ASGIApp, policy: UrlPolicy, stats: dict[str, int]) -> None:
        self.app = app
        self.policy = policy
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reason = self.policy.misdirected(scope) if scope["type"] == "http" else None
        if reason is None:
            await self.app(scope, receive, send)
            return
        self.stats["misdirected"] += 1
        log.warning("refused a request to %r: %s names a host this receiver does not answer to", scope["path"], reason)
        response = PlainTextResponse(
            f"Misdirected request: {reason} names a host this webhook receiver does not answer to. "
            "Add the name with --allow-host or TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS, or set --public-url.\n",
            status_code=421,
        )
        await response(scope, receive, send)
