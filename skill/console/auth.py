"""Who may use the console: operator sessions, CSRF tokens, and the names and origins it answers for.

Operators log in with their own credential (`twilio-skill operators create NAME`); a session
remembers the operator and the key id it logged in with, and every request checks that key is
still the operator's, so a rotated or revoked credential ends its sessions at once. Sessions live
in this process's memory: restarting the console logs everyone out.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SESSION_COOKIE = "twilio_skill_console"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 256
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]")
DEFAULT_PORTS = {"http": 80, "https": 443}


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


def origin_of(url: str) -> str | None:
    """scheme://host:port of a URL or Origin header (port always written), or None when it names none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port or DEFAULT_PORTS[scheme]}"


@dataclass
class Session:
    csrf: str
    operator: str
    key_id: str
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

    def create(self, operator: str, key_id: str) -> tuple[str, Session]:
        """A new session for an operator who logged in with key_id, and the cookie value that names it."""
        self._prune()
        cookie = secrets.token_urlsafe(32)
        session = Session(
            csrf=secrets.token_urlsafe(32),
            operator=operator,
            key_id=key_id,
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

    def end_operator(self, operator: str) -> int:
        """End every session of one operator (their credential was rotated or revoked); returns how many."""
        ended = [key for key, session in self._sessions.items() if session.operator == operator]
        for key in ended:
            del self._sessions[key]
        return len(ended)

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
