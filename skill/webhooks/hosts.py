"""Which Host names the receiver answers to, and which peers may speak for a client through a proxy.

Twilio signs the URL it called, so whatever names the host in the rebuilt URL decides which
signatures verify. The Host header is as easy to forge as X-Forwarded-Host, so both are held to an
allow-list: the loopback names, the bound address, the public URL's host and the names the operator
added (--allow-host, TWILIO_SKILL_WEBHOOK_ALLOWED_HOSTS). X-Forwarded-Proto and X-Forwarded-Host are
believed only from the proxy addresses the operator listed (--forwarded-allow-ips,
TWILIO_SKILL_FORWARDED_ALLOW_IPS), as uvicorn's forwarded_allow_ips does; none by default, loopback
included.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from skill.errors import ConfigError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "[::]")
ANY_PROXY = "*"

# A DNS name or IPv4 address, or a bracketed IPv6 address, then an optional port: nothing else
# (no user info, path, spaces or empty labels) can reach the URL that is checked.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_AUTHORITY = re.compile(rf"(?P<name>{_LABEL}(?:\.{_LABEL})*|\[(?P<v6>[0-9A-Fa-f:.]+)\])(?::[0-9]{{1,5}})?")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def host_name(authority: str) -> str | None:
    """The lower-case host name of a Host (or X-Forwarded-Host) value, or None when it is malformed."""
    found = _AUTHORITY.fullmatch(authority)
    if found is None:
        return None
    return (found.group("v6") or found.group("name")).lower()


def allowed_host_names(
    bind_host: str | None = None, public_url: str | None = None, extra: Iterable[str] = ()
) -> frozenset[str]:
    """Host names (lower case, no port, IPv6 without brackets) a request to the receiver may name."""
    names = set(LOOPBACK_NAMES)
    if bind_host in WILDCARD_BINDS:
        # A wildcard bind is reached by this machine's own names; others must be listed.
        names.update(name for name in (socket.gethostname(), socket.getfqdn()) if name)
    elif bind_host:
        names.add(bind_host.strip("[]"))
    if public_url:
        names.add(urlsplit(public_url).hostname or "")
    names.update(name.strip().strip("[]") for name in extra)
    return frozenset(name.lower() for name in names if name)


def check_public_url(public_url: str | None) -> None:
    """Refuse a public URL that could not be what Twilio calls.

    Raises:
        ConfigError: it is not an absolute http(s) URL with a host.
    """
    if not public_url:
        return
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"The webhook public URL {public_url!r} is not an absolute http(s) URL.",
            code="config.invalid_public_url",
            remediation=["Set --public-url or TWILIO_SKILL_PUBLIC_URL to e.g. https://hooks.example.com."],
        )


class TrustedProxies:
    """The peers whose X-Forwarded-* headers are believed: addresses, networks, or '*' for any."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        """Raises:
        ConfigError: an entry is neither '*' nor an IP address or network.
        """
        self.any = False
        self.networks: list[IpNetwork] = []
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            if entry == ANY_PROXY:
                self.any = True
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"{entry!r} is not an IP address or network, so it cannot name a trusted proxy.",
                    code="config.invalid_proxy_address",
                    remediation=[
                        "List proxy addresses or networks separated by commas, e.g. 10.0.0.5,192.168.1.0/24.",
                        "Set --forwarded-allow-ips or TWILIO_SKILL_FORWARDED_ALLOW_IPS accordingly, or unset it.",
                    ],
                ) from exc

    def __bool__(self) -> bool:
        return self.any or bool(self.networks)

    def trusts(self, peer: str | None) -> bool:
        """True when a connection from `peer` (an IP address) comes from a listed proxy."""
        if self.any:
            return True
        if not peer or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(peer.strip("[]"))
        except ValueError:
            return False
        candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)  # a dual-stack socket reports IPv4 peers this way
        return any(candidate in network for candidate in candidates for network in self.networks)

    def describe(self) -> str:
        if self.any:
            return "any peer"
        return ", ".join(str(network) for network in self.networks) or "none"
