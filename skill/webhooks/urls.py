"""The URL Twilio called, rebuilt from a request that may have passed through a proxy.

Twilio signs the public URL it requested, not the one the receiver sees behind a TLS-terminating
proxy. A configured base URL (--public-url, TWILIO_SKILL_PUBLIC_URL) wins; otherwise
X-Forwarded-Proto and X-Forwarded-Host are used when present, else the request's own scheme and Host.
"""

from __future__ import annotations

from starlette.types import Scope


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


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


def public_url(scope: Scope, base_url: str | None = None) -> str:
    """The full URL Twilio requested: scheme, host, path and the raw query string."""
    query = scope.get("query_string", b"").decode("latin-1")
    suffix = f"?{query}" if query else ""
    if base_url:
        return base_url.rstrip("/") + route_path(scope) + suffix
    scheme = _first(_header(scope, b"x-forwarded-proto")) or str(scope.get("scheme", "http"))
    host = _first(_header(scope, b"x-forwarded-host")) or _header(scope, b"host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    # scope["path"] already holds the mount prefix, which is part of what Twilio called.
    return f"{scheme}://{host}{scope.get('path', '/')}{suffix}"
