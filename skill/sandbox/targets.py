"""Where the sandbox may post: status callbacks and inbound messages go only to allowed hosts.

The sandbox posts to URLs that whoever reaches it chooses, so unchecked it would be a way into the
networks its host can see. A target is allowed when its host is one the operator named, or when
every address it resolves to is loopback, or (for the sandbox embedded in `twilio-skill serve`, which
stands in for Twilio and so posts where Twilio would) a global, public-internet address. Private,
link-local and other special ranges are refused. Names resolve within a bounded time; redirects are
never followed (the dispatcher's HTTP client does not follow them).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio

RESOLVE_TIMEOUT_SECONDS = 2.0
LOOPBACK_NAMES = ("localhost",)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class CallbackRefused(Exception):
    """The sandbox will not post to this URL."""


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (the binds that keep the sandbox on this machine)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _plain(address: Address) -> Address:
    """An IPv4-mapped IPv6 address as the IPv4 address it stands for."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class CallbackTargets:
    """The policy: named hosts, loopback, and (when `allow_global`) public addresses."""

    hosts: frozenset[str] = frozenset()
    allow_global: bool = False
    resolve_timeout: float = RESOLVE_TIMEOUT_SECONDS

    @classmethod
    def of(cls, hosts: Iterable[str] = (), *, allow_global: bool = False) -> CallbackTargets:
        return cls(frozenset(h.strip().lower().strip("[]") for h in hosts if h.strip()), allow_global)

    def admits(self, address: Address) -> bool:
        plain = _plain(address)
        return plain.is_loopback or (self.allow_global and plain.is_global)

    async def check(self, url: str) -> str | None:
        """The checked address to post to (the caller connects to it rather than looking the name up
        again), or None for a host the operator named, which is reached by name.

        Raises:
            CallbackRefused: the URL is not http(s), its host is not allowed, or it did not resolve in time.
        """
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise CallbackRefused(f"{url!r} is not a URL that can be read") from None
        if parts.scheme not in ("http", "https") or not host:
            raise CallbackRefused(f"{url!r} is not an http(s) URL")
        if host in self.hosts:
            return None
        addresses = await self._addresses(host, port)
        for address in addresses:
            if not self.admits(address):
                raise CallbackRefused(f"{host} resolves to {address}, which the sandbox does not post to")
        return str(_plain(addresses[0]))

    async def _addresses(self, host: str, port: int) -> list[Address]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        with anyio.move_on_after(self.resolve_timeout) as scope:
            try:
                found = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError) as exc:  # UnicodeError: a name IDNA cannot encode
                raise CallbackRefused(f"{host} does not resolve ({exc.__class__.__name__})") from None
        if scope.cancelled_caught:
            raise CallbackRefused(f"{host} did not resolve within {self.resolve_timeout:g} s")
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
        if not addresses:
            raise CallbackRefused(f"{host} does not resolve")
        return addresses

    def describe(self) -> str:
        """The policy in words, for a refusal's remediation and the CLI banner."""
        allowed = ["loopback"]
        if self.allow_global:
            allowed.append("public internet addresses")
        if self.hosts:
            allowed.append("hosts " + ", ".join(sorted(self.hosts)))
        return "callbacks go to " + " and ".join(allowed)
