"""What every network-facing surface (the MCP HTTP server, the webhook receiver, the console and the
sandbox) decides the same way: whether a bind address is loopback, which Host names a server answers
to, how a Host header is read, bearer headers, and the secret files a server keeps in its home."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import socket
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "[::]")

# A DNS name or IPv4 address, or a bracketed IPv6 address, then an optional port: nothing else
# (no user info, path, spaces or empty labels) passes.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_AUTHORITY = re.compile(rf"(?P<name>{_LABEL}(?:\.{_LABEL})*|\[(?P<v6>[0-9A-Fa-f:.]+)\])(?::[0-9]{{1,5}})?")


def is_loopback(host: str) -> bool:
    """True when binding to host only accepts connections from this machine."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(authority: str) -> str | None:
    """The lower-case host name of a Host (or X-Forwarded-Host) value, without port or brackets; None
    when it is malformed."""
    found = _AUTHORITY.fullmatch(authority)
    if found is None:
        return None
    return (found.group("v6") or found.group("name")).lower()


def allowed_host_names(
    bind_host: str | None = None, public_url: str | None = None, extra: Iterable[str] = ()
) -> frozenset[str]:
    """Host names (lower case, no port, IPv6 without brackets) a request to a server bound to
    bind_host may name: loopback names, the bound address (or, on a wildcard bind, this machine's own
    names), the host of its public URL, and the names an operator added."""
    names = set(LOOPBACK_NAMES)
    if bind_host in WILDCARD_BINDS:
        names.update(name for name in (socket.gethostname(), socket.getfqdn()) if name)
    elif bind_host:
        names.add(bind_host.strip("[]"))
    if public_url:
        names.add(urlsplit(public_url).hostname or "")
    names.update(name.strip().strip("[]") for name in extra)
    return frozenset(name.lower() for name in names if name)


def bearer_of(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def load_or_create_secret(home: Path, filename: str) -> tuple[str, bool]:
    """A random secret kept in `home/filename` (mode 0600, home 0700), and whether it was created just
    now (so the caller shows it once)."""
    path = home / filename
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing, False
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    # O_CREAT's mode does not apply to a file that already existed (empty), so set it again.
    os.chmod(path, 0o600)
    return value, True
