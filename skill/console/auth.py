"""Who may use the console: the operator token, browser sessions, CSRF tokens and Host checks.

The token lives in `<home>/console-token` (mode 0600), apart from the MCP server's `http-token`.
Sessions are kept in this process's memory, so restarting the console logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TOKEN_FILE = "console-token"
SESSION_COOKIE = "twilio_skill_console"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 256
DEFAULT_OPERATOR = "console"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]")


def load_or_create_console_token(home: Path) -> tuple[str, bool]:
    """The operator token, and whether it was created just now (so the caller shows it once)."""
    path = home / TOKEN_FILE
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing, False
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
    # O_CREAT's mode is ignored for a file that already existed (empty), so set it again.
    os.chmod(path, 0o600)
    return token, True


def token_matches(given: str, token: str) -> bool:
    """Constant-time comparison of a presented token with the operator token."""
    return hmac.compare_digest(given.strip().encode(), token.encode())


def bearer_of(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def is_loopback(host: str) -> bool:
    """True when binding to host only accepts connections from this machine."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_host_names(host: str, console_url: str | None = None, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names (no port, lower case, IPv6 without brackets) requests may name in Host and Origin."""
    names = set(LOOPBACK_NAMES)
    if host in WILDCARD_HOSTS:
        # A wildcard bind is reached by this machine's own names; others come from the console URL.
        names.update(name for name in (socket.gethostname(), socket.getfqdn()) if name)
    else:
        names.add(host.strip("[]"))
    if console_url:
        names.add(urlsplit(console_url).hostname or "")
    names.update(name.strip("[]") for name in extra)
    return frozenset(name.lower() for name in names if name)


def host_name(authority: str) -> str:
    """The host name of a Host header value or an Origin URL, without port or brackets."""
    if "://" in authority:
        return (urlsplit(authority).hostname or "").lower()
    return (urlsplit("//" + authority).hostname or "").lower()


@dataclass
class Session:
    csrf: str
    operator: str
    expires_at: float
    flash: str | None = None


@dataclass
class SessionStore:
    """Sessions in memory, keyed by a hash of the cookie value so the table never holds usable ids."""

    lifetime: float = SESSION_SECONDS
    _sessions: dict[str, Session] = field(default_factory=dict)

    @staticmethod
    def _key(cookie: str) -> str:
        return hashlib.sha256(cookie.encode()).hexdigest()

    def create(self, operator: str) -> tuple[str, Session]:
        """A new session and the cookie value that names it."""
        self._prune()
        cookie = secrets.token_urlsafe(32)
        session = Session(
            csrf=secrets.token_urlsafe(32),
            operator=operator or DEFAULT_OPERATOR,
            expires_at=time.time() + self.lifetime,
        )
        self._sessions[self._key(cookie)] = session
        return cookie, session

    def get(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, or None."""
        if not cookie:
            return None
        session = self._sessions.get(self._key(cookie))
        if session is None or session.expires_at <= time.time():
            return None
        return session

    def end(self, cookie: str | None) -> None:
        if cookie:
            self._sessions.pop(self._key(cookie), None)

    def _prune(self) -> None:
        now = time.time()
        for key in [key for key, session in self._sessions.items() if session.expires_at <= now]:
            del self._sessions[key]
        # Bound memory: the oldest sessions go first.
        while len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions, key=lambda key: self._sessions[key].expires_at)
            del self._sessions[oldest]


def csrf_matches(session: Session, given: str | None) -> bool:
    """Constant-time check of a form's CSRF field against the session's token."""
    return bool(given) and hmac.compare_digest((given or "").encode(), session.csrf.encode())
