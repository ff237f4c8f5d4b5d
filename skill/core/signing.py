"""Webhook signatures: Twilio's X-Twilio-Signature (form, JSON with bodySHA256, HMAC-SHA256 shared key)
and SendGrid's Event Webhook ECDSA signature.

Twilio signs the URL it called followed by every POST parameter, sorted by name (and, for a
repeated name, by value), with HMAC-SHA1 and the auth token of the account that owns the resource,
base64-encoded. A JSON body is not in the signed string: the URL carries `bodySHA256`, the hex
SHA-256 of the raw body, and that URL is signed. When a Webhook Setting applies, the header
X-Twilio-Webhooks-Signature-Settings names the algorithm (`algorithm=HMAC_SHA256`) and the
shared key replaces the auth token. Twilio is inconsistent about the port in the signed URL, so
the URL is tried with and without it, as Twilio's own validator does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"
_DIGESTS = {HMAC_SHA1: "sha1", HMAC_SHA256: "sha256"}
DEFAULT_PORTS = {"https": 443, "http": 80}
SENDGRID_TOLERANCE_SECONDS = 300

Params = Mapping[str, Sequence[str]]


class TokenResolver(Protocol):
    """Finds the auth token of an account by its SID; knows which accounts it has tokens for."""

    def __call__(self, account_sid: str) -> str | None: ...

    def accounts(self) -> list[str]: ...

    def missing_setting(self, account_sid: str) -> str: ...


@dataclass
class StaticTokens:
    """A TokenResolver over a fixed mapping of account SID to auth token."""

    tokens: dict[str, str] = field(default_factory=dict)

    def __call__(self, account_sid: str) -> str | None:
        return self.tokens.get(account_sid)

    def accounts(self) -> list[str]:
        return list(self.tokens)

    def missing_setting(self, account_sid: str) -> str:
        return "no auth token is configured for this account"


def _signed_params(params: Params | None) -> str:
    """The parameter part of the signed string: name+value of every parameter in sorted order."""
    if not params:
        return ""
    parts: list[str] = []
    for name in sorted(params):
        values = params[name]
        if len(values) == 1:
            parts.append(name + values[0])
        else:
            parts.extend(name + value for value in sorted(set(values)))
    return "".join(parts)


def signed_string(url: str, params: Params | None) -> str:
    """The string Twilio signs: the URL, then name+value of every parameter in sorted order."""
    return url + _signed_params(params)


def _digest_name(algorithm: str) -> str:
    """hashlib's name for a signature algorithm.

    Raises:
        ValueError: the algorithm is not HMAC_SHA1 or HMAC_SHA256.
    """
    name = _DIGESTS.get(algorithm.upper())
    if name is None:
        raise ValueError(f"unsupported signature algorithm {algorithm!r}")
    return name


def compute_signature(secret: str, url: str, params: Params | None, algorithm: str = HMAC_SHA1) -> str:
    """Base64 HMAC of the signed string.

    Raises:
        ValueError: the algorithm is not HMAC_SHA1 or HMAC_SHA256.
    """
    mac = hmac.digest(secret.encode(), signed_string(url, params).encode(), _digest_name(algorithm))
    return base64.b64encode(mac).decode()


def body_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _with_port(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is not None:
        return url
    port = DEFAULT_PORTS.get(parts.scheme, 80)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc}:{port}"))


def _without_port(url: str) -> str:
    parts = urlsplit(url)
    if parts.port is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))


def port_variants(url: str) -> list[str]:
    """The URL without and with its port, as Twilio's validator tries both."""
    if len(url) > _CACHED_URL_CHARS:
        return _port_variants(url)
    return list(_cached_port_variants(url))


def _port_variants(url: str) -> list[str]:
    return list(dict.fromkeys((_without_port(url), _with_port(url))))


# A receiver is called at a handful of URLs, so splitting and rebuilding each once is enough; the bound
# on the URL's length keeps what a caller can make it hold small.
_CACHED_URL_CHARS = 512


@lru_cache(maxsize=64)
def _cached_port_variants(url: str) -> tuple[str, ...]:
    return tuple(_port_variants(url))


def signature_algorithm(settings_header: str | None) -> str:
    """The algorithm named by X-Twilio-Webhooks-Signature-Settings; HMAC_SHA1 when absent."""
    for part in (settings_header or "").split(","):
        name, sep, value = part.partition("=")
        if sep and name.strip().lower() == "algorithm" and value.strip():
            return value.strip().upper()
    return HMAC_SHA1


def verify_twilio(
    secret: str,
    url: str,
    params: Params | None,
    signature: str | None,
    *,
    raw_body: bytes | None = None,
    algorithm: str = HMAC_SHA1,
) -> bool:
    """True when `signature` is Twilio's for this request. Never true for a missing signature.

    With `bodySHA256` in the URL's query the raw body must hash to it and the form parameters are
    not part of the signed string.
    """
    digest = _DIGESTS.get(algorithm.upper())
    if not signature or not secret or digest is None:
        return False
    if "?" in url:  # without one, urlsplit finds no query
        query = parse_qs(urlsplit(url).query)
        if "bodySHA256" in query:
            if raw_body is None or not hmac.compare_digest(body_sha256(raw_body), query["bodySHA256"][0].lower()):
                return False
            params = None
    expected = signature.strip().encode()
    key = secret.encode()
    # The parameters are the same for every URL variant: encoded once, after each variant's URL.
    tail = _signed_params(params).encode()
    matched = False
    for candidate in port_variants(url):
        # Compare every variant so timing does not tell which one matched.
        computed = base64.b64encode(hmac.digest(key, candidate.encode() + tail, digest))
        matched |= hmac.compare_digest(computed, expected)
    return matched


def form_params(pairs: Iterable[tuple[str, Any]]) -> dict[str, list[str]]:
    """Multi-valued parameters from (name, value) pairs, file uploads left out."""
    params: dict[str, list[str]] = {}
    for name, value in pairs:
        if isinstance(value, str):
            params.setdefault(name, []).append(value)
    return params


# --- SendGrid Event Webhook -------------------------------------------------------------------


@lru_cache(maxsize=8)
def _load_public_key(public_key_b64: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    der = base64.b64decode("".join(public_key_b64.split()), validate=True)
    key = load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the SendGrid verification key is not an elliptic-curve key")
    return key


def valid_sendgrid_key(public_key_b64: str) -> bool:
    """True when the configured key is a usable base64 DER EC public key."""
    try:
        _load_public_key(public_key_b64)
    except (ValueError, binascii.Error):
        return False
    return True


def verify_sendgrid(
    public_key_b64: str,
    signature_b64: str | None,
    timestamp: str | None,
    raw_body: bytes,
    *,
    now: float,
    tolerance: float = SENDGRID_TOLERANCE_SECONDS,
) -> bool:
    """True when SendGrid's ECDSA P-256 signature over timestamp + body verifies and is recent."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    if not signature_b64 or not timestamp or not public_key_b64:
        return False
    try:
        sent_at = int(timestamp.strip())
        signature = base64.b64decode(signature_b64.strip(), validate=True)
        key = _load_public_key(public_key_b64)
    except (ValueError, binascii.Error):
        return False
    # A captured request replayed later is refused even though its signature is genuine.
    if abs(now - sent_at) > tolerance:
        return False
    try:
        key.verify(signature, timestamp.strip().encode() + raw_body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
