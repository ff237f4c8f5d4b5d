"""URLs Twilio is told to call (webhooks, status callbacks, TwiML locations), checked in one place.

split_url(url, field)              the parts, or InputError input.invalid_url when it cannot be parsed
try_split(url)                     the parts, or None (for checks that report rather than raise)
check_webhook_url(url, field, mode)   absolute http(s); https in live mode; a warning for http in the sandbox
webhook_warnings(urls, mode)       the warnings of several such URLs
is_local_host(host)                names and addresses of this machine, which Twilio cannot reach
public_address(address, allow_loopback)   whether a resolved address may be contacted by a probe
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from skill.errors import InputError

WEB_SCHEMES = ("http", "https")
# Hosts that mean "this machine": fine for a local receiver, unreachable for Twilio's servers.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


def try_split(url: str) -> SplitResult | None:
    """The parts of a URL, or None when it cannot be parsed (a broken IPv6 host, a port that is no number)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # a bad port only raises when read
    except ValueError:
        return None
    return parts


def split_url(url: str, *, field: str = "url") -> SplitResult:
    """The parts of a URL.

    Raises:
        InputError: input.invalid_url when it cannot be parsed.
    """
    parts = try_split(url)
    if parts is None:
        raise InputError(
            f"{field} {url!r} is not a URL that can be read (check the host, brackets and port).",
            code="input.invalid_url",
            remediation=[f"Pass {field} as a full URL such as https://example.com/path."],
        )
    return parts


def host_of(url: str) -> str | None:
    """The host name of a URL, or None when it has none or cannot be parsed."""
    parts = try_split(url)
    return parts.hostname if parts is not None else None


def is_local_host(host: str | None) -> bool:
    """True for localhost and loopback or unspecified addresses: this machine, not reachable by Twilio."""
    if not host:
        return False
    name = host.lower().rstrip(".")
    if name in LOCAL_HOSTS or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def check_webhook_url(url: str, *, field: str, mode: str) -> str | None:
    """Check a webhook URL Twilio will call; returns a warning, or None when it is fine.

    Raises:
        InputError: input.invalid_url when it is not an absolute http(s) URL, input.insecure_url for
            plain http in live mode.
    """
    parts = split_url(url.strip(), field=field)
    if parts.scheme not in WEB_SCHEMES or not parts.hostname:
        raise InputError(
            f"{field} must be an absolute http(s) URL, got {url!r}.",
            code="input.invalid_url",
            remediation=[f"Pass a full URL such as https://example.com/{field.removesuffix('_url')} for {field}."],
        )
    if parts.scheme == "https":
        return None
    if mode == "live":
        raise InputError(
            f"{field} uses plain http; Twilio would send message and call data to it unencrypted.",
            code="input.insecure_url",
            remediation=[
                f"Use an https URL for {field} (a tunnel such as ngrok gives one for a local server).",
                "Then call the tool again; nothing was changed.",
            ],
        )
    return f"{field} uses plain http: allowed in the sandbox, refused in live mode. Switch to https before going live."


def webhook_warnings(urls: Mapping[str, object], mode: str) -> list[str]:
    """The warnings of the webhook URLs given (field -> URL; values that are not strings are skipped).

    Raises:
        InputError: see check_webhook_url.
    """
    warnings = []
    for field, url in urls.items():
        if isinstance(url, str):
            warning = check_webhook_url(url, field=field, mode=mode)
            if warning:
                warnings.append(warning)
    return warnings


def public_address(address: str, *, allow_loopback: bool) -> bool:
    """Whether a resolved address may be contacted: globally routable (not private, CGNAT, link-local,
    reserved, multicast), or loopback when allow_loopback (the sandbox's local receiver)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 reaches 10.0.0.1
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast
