"""URLs Twilio is told to call (webhooks, status callbacks, TwiML locations) and URLs this server
fetches itself, checked in one place.

url_problem(url)                   why a URL is not an absolute, bounded, printable http(s) URL, or None
check_twilio_url(url, field)       InputError input.invalid_url on url_problem: every URL handed to Twilio
split_url(url, field)              the parts, or InputError input.invalid_url when it cannot be parsed
try_split(url)                     the parts, or None (for checks that report rather than raise)
check_webhook_url(url, field, mode)   check_twilio_url; https in live mode; a warning for http in the sandbox
webhook_warnings(urls, mode)       the warnings of several such URLs
check_fetch_url(url, field)        a URL this server will request itself: check_twilio_url, no credentials
is_local_host(host)                names and addresses of this machine, which Twilio cannot reach
address_literal(host)              the address a host spells out (IP literal or legacy IPv4 form), or None
public_address(address, allow_loopback)   whether a resolved address may be contacted by a probe
pinned_target(parts, address)      the URL, Host header and TLS name to reach a checked address, no new lookup
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit, urlunsplit

from skill.core.display import is_invisible, quoted
from skill.errors import InputError

WEB_SCHEMES = ("http", "https")
_LEGACY_IPV4 = re.compile(r"(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}", re.IGNORECASE)
# Longest URL accepted anywhere; Twilio's own URL parameters are limited to about this.
MAX_URL_LENGTH = 2048
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


def url_problem(url: str) -> str | None:
    """Why url is not an absolute http(s) URL of bounded length made of printable characters, or None.

    Spaces, controls, bidi and zero-width characters are refused rather than encoded: in a URL they
    are either a mistake or a way to make it read as another one.
    """
    if len(url) > MAX_URL_LENGTH:
        return f"it is {len(url)} characters long; at most {MAX_URL_LENGTH} are accepted"
    odd = next((char for char in url if char.isspace() or is_invisible(char)), None)
    if odd is not None:
        return f"it contains the character {quoted(odd)}, which no URL may hold unencoded"
    parts = try_split(url)
    if parts is None:
        return "it cannot be read (check the host, brackets and port)"
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return "it is not an absolute http(s) URL with a host"
    return None


def check_twilio_url(url: str, *, field: str) -> SplitResult:
    """Check a URL Twilio will be given (to fetch TwiML or media, or to post to); returns its parts.

    Raises:
        InputError: input.invalid_url with the reason from url_problem.
    """
    problem = url_problem(url)
    if problem is not None:
        raise InputError(
            f"{field} {quoted(url, 200)} is not usable: {problem}.",
            code="input.invalid_url",
            remediation=[f"Pass {field} as a full URL, e.g. https://example.com/path, odd characters percent-encoded."],
        )
    return urlsplit(url)


def check_twilio_urls(urls: Mapping[str, object]) -> None:
    """check_twilio_url for each field -> URL given (lists of URLs too; None is skipped).

    Raises:
        InputError: input.invalid_url naming the first field refused.
    """
    for field, value in urls.items():
        items = value if isinstance(value, list | tuple) else [value]
        for index, item in enumerate(items):
            if isinstance(item, str):
                check_twilio_url(item, field=f"{field}[{index}]" if isinstance(value, list | tuple) else field)


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
    check_twilio_url(url.strip(), field=field)
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


def check_fetch_url(url: str, *, field: str = "url") -> SplitResult:
    """Check a URL this server will request itself, before its host is resolved.

    Raises:
        InputError: input.invalid_url (see url_problem), or input.url_credentials when it carries a
            user name or password (they would be sent, and kept in results and the audit log).
    """
    parts = check_twilio_url(url, field=field)
    if parts.username is not None or parts.password is not None:
        raise InputError(
            f"{field} carries a user name or password; this server does not send credentials embedded in URLs.",
            code="input.url_credentials",
            remediation=[f"Pass {field} without the user:password@ part."],
        )
    return parts


def pinned_target(parts: SplitResult, address: str) -> tuple[str, str, str]:
    """(URL with the checked address as host, Host header, TLS server name): a request sent this way
    reaches the address that was checked, not whatever a second DNS lookup would answer."""
    host = str(parts.hostname)
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port is not None else literal
    host_header = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        host_header = f"{host_header}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), host_header, host


def address_literal(host: str | None) -> str | None:
    """The address a host names without any lookup: an IP literal, or one of the legacy IPv4 forms
    the system resolver also reads as an address (10.1, 167772161, 012.0.0.1, 0xa.0.0.1); else None."""
    if not host:
        return None
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        pass
    if not _LEGACY_IPV4.fullmatch(host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


def public_address(address: str, *, allow_loopback: bool) -> bool:
    """Whether a resolved address may be contacted: globally routable (not private, CGNAT, link-local,
    reserved, multicast), or loopback when allow_loopback (the sandbox's local receiver)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 reaches 10.0.0.1
    if ip.is_loopback:
        return allow_loopback
    return ip.is_global and not ip.is_multicast
