"""Webhooks seen from the agent's side: what arrived, a message's callback history, why a signature
fails, and a signed test request to a configured webhook URL."""

from __future__ import annotations

import socket
import time
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlunsplit

import anyio
import httpx

from skill.core.context import Services
from skill.core.display import escape_text, quoted
from skill.core.messaging import get_message
from skill.core.signing import (
    HMAC_SHA1,
    HMAC_SHA256,
    body_sha256,
    compute_signature,
    verify_twilio,
)
from skill.core.timeutil import as_utc
from skill.core.urls import address_literal, check_fetch_url, pinned_target, public_address, split_url
from skill.errors import InputError, PolicyError

PROBE_TIMEOUT_SECONDS = 10.0
RESOLVE_TIMEOUT_SECONDS = 5.0
# Twilio's own ceiling for a TwiML document is 64 KB; anything longer is read no further.
MAX_ANSWER_BYTES = 64 * 1024
# Recognisable SIDs, so the receiving application can tell a probe from real traffic.
PROBE_MESSAGE_SID = "SM" + "0" * 24 + "70726f6265"
PROBE_CALL_SID = "CA" + "0" * 24 + "70726f6265"
PROBE_BODY = "twilio-skill webhook probe"


def list_events(
    services: Services, *, sid: str | None, kind: str | None, status: str | None, since: datetime | None, limit: int
) -> list[dict[str, Any]]:
    """Stored webhook events, newest first, filtered by every argument given."""
    since_ts = as_utc(since).timestamp() if since is not None else None
    found = services.stores.webhook_events.list(sid=sid, kind=kind, status=status, since=since_ts, limit=limit)
    return [event.as_dict() for event in found]


async def message_timeline(services: Services, sid: str) -> dict[str, Any]:
    """The message as Twilio reports it, and every status callback received for it, oldest first.

    Raises:
        UpstreamError: twilio.20404 when Twilio has no such message.
    """
    from skill.catalog import brief

    message = await get_message(services, sid)
    callbacks = []
    for event in services.stores.webhook_events.list(sid=sid, limit=1000, oldest_first=True):
        item = event.as_dict()
        error_message = event.payload.get("ErrorMessage")
        item["error"] = (
            brief(event.error_code, services.settings, error_message if isinstance(error_message, str) else None)
            if event.error_code
            else None
        )
        callbacks.append(item)
    return {"message": message, "callbacks": callbacks}


def _url_variants(parts: SplitResult) -> list[tuple[str, str]]:
    """(description, url) for the ways a proxy or a configuration typo changes the URL Twilio signed."""
    variants: list[tuple[str, str]] = []
    other = {"https": "http", "http": "https"}.get(parts.scheme)
    if other:
        variants.append((f"scheme {other} instead of {parts.scheme}", urlunsplit(parts._replace(scheme=other))))
    if parts.port is not None:
        host = parts.netloc.rsplit(":", 1)[0]
        variants.extend(
            (f"{scheme} without port {parts.port}", urlunsplit(parts._replace(scheme=scheme, netloc=host)))
            for scheme in dict.fromkeys((parts.scheme, other or parts.scheme))
        )
    segments = [s for s in parts.path.split("/") if s]
    for cut in range(1, len(segments)):
        prefix = "/" + "/".join(segments[:cut])
        path = "/" + "/".join(segments[cut:])
        variants.append((f"path prefix {prefix} removed (proxy rewrite)", urlunsplit(parts._replace(path=path))))
    toggled = parts.path[:-1] if parts.path.endswith("/") else parts.path + "/"
    variants.append(("trailing slash toggled", urlunsplit(parts._replace(path=toggled))))
    if parts.query:
        variants.append(("query string dropped", urlunsplit(parts._replace(query=""))))
    return variants


def check_signature(
    services: Services,
    *,
    url: str,
    params: dict[str, list[str]] | None,
    body: str | None,
    signature: str,
    account_sid: str,
) -> dict[str, Any]:
    """Whether a Twilio signature is valid for this request and, when not, which variant would match.

    Tokens are used, never returned: a wrong-account match names the account SID only.

    Raises:
        InputError: input.invalid_url when the URL cannot be parsed.
    """
    parts = split_url(url)
    tokens = services.webhook_tokens
    raw = body.encode() if body is not None else None
    own = tokens(account_sid)
    secrets: list[tuple[str, str, str]] = []  # (description, secret, algorithm)
    if own:
        secrets.append((f"auth token of {account_sid}", own, HMAC_SHA1))
    shared = services.settings.webhook_shared_key
    if shared:
        secrets.append(("shared key (HMAC-SHA256)", shared, HMAC_SHA256))
    for _, secret, algorithm in secrets[:1]:
        if verify_twilio(secret, url, params, signature, raw_body=raw, algorithm=algorithm):
            return {"valid": True, "matched": None, "token_known": True, "variants_tried": 0}
    tried = 0
    candidates = [("the URL as given", url), *_url_variants(parts)]
    for description, secret, algorithm in secrets:
        for variant, candidate in candidates:
            if description.startswith("auth token") and variant == "the URL as given":
                continue
            tried += 1
            if verify_twilio(secret, candidate, params, signature, raw_body=raw, algorithm=algorithm):
                return _mismatch(f"{variant}, signed with the {description}", candidate, tried, own is not None)
    for other in tokens.accounts():
        token = tokens(other)
        if other == account_sid or not token:
            continue
        tried += 1
        if verify_twilio(token, url, params, signature, raw_body=raw):
            return _mismatch(f"signed with the auth token of another account, {other}", url, tried, own is not None)
    if raw is not None and "bodySHA256" in url:
        expected = body_sha256(raw)
        if expected not in url:
            return _mismatch(
                f"the body does not hash to the URL's bodySHA256 (it hashes to {expected})",
                None,
                tried,
                own is not None,
            )
    return {"valid": False, "matched": None, "token_known": own is not None, "variants_tried": tried}


def _mismatch(reason: str, url: str | None, tried: int, token_known: bool) -> dict[str, Any]:
    return {"valid": False, "matched": reason, "matching_url": url, "token_known": token_known, "variants_tried": tried}


def check_probe_url(services: Services, url: str) -> SplitResult:
    """The local part of a probe's checks: a bounded, printable http(s) URL with a host and no
    embedded credentials, whose host, when written as an address, is one a probe may contact.

    Raises:
        InputError: input.invalid_url or input.url_credentials.
        PolicyError: policy.probe_address_refused for an address literal that is not public.
    """
    parts = check_fetch_url(url, field="url")
    literal = address_literal(parts.hostname)
    if literal is None:
        return parts  # a name: resolved and checked when the probe runs
    if not public_address(literal, allow_loopback=services.settings.mode == "sandbox"):
        raise _address_refused(str(parts.hostname), literal)
    return parts


def _address_refused(host: str, address: str) -> PolicyError:
    return PolicyError(
        f"{quoted(host)} resolves to {address}, which is not a public address (private, shared, loopback or "
        "link-local); webhook_probe only contacts public addresses. Nothing was sent.",
        code="policy.probe_address_refused",
        remediation=[
            "Probe the public URL Twilio is configured with, not an internal address.",
            "To test a local receiver, use the sandbox (loopback is allowed there).",
        ],
    )


async def _resolve(host: str, port: int) -> list[str]:
    """The addresses host resolves to, within a bounded time.

    Raises:
        InputError: input.unresolvable_host.
    """
    unresolved = None
    with anyio.move_on_after(RESOLVE_TIMEOUT_SECONDS):
        try:
            return [str(info[4][0]) for info in await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)]
        except OSError as exc:
            unresolved = exc.strerror or type(exc).__name__
        except UnicodeError:  # a name IDNA cannot encode
            unresolved = "not a valid host name"
    raise InputError(
        f"The host {quoted(host)} does not resolve ({unresolved or 'no answer in time'}).",
        code="input.unresolvable_host",
        remediation=["Check the host name in the URL; Twilio could not reach it either."],
    )


async def _check_destination(services: Services, url: str) -> tuple[SplitResult, str]:
    """The URL's parts and the one checked address the probe will connect to (never looked up again,
    so a name that answers differently the second time cannot lead elsewhere).

    Raises:
        InputError: not a usable http(s) URL, or its host does not resolve.
        PolicyError: the host resolves to a refused address, or no number of the account uses the URL.
    """
    parts = check_probe_url(services, url)
    host = str(parts.hostname)
    sandbox = services.settings.mode == "sandbox"
    addresses = await _resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    refused = [address for address in addresses if not public_address(address, allow_loopback=sandbox)]
    if refused or not addresses:
        raise _address_refused(host, refused[0] if refused else "nothing")
    pinned = addresses[0].split("%")[0]
    if services.policy.probe_any_url:
        return parts, pinned
    numbers = await services.twilio.numbers.list(phone_number=None, limit=1000)
    fields = ("sms_url", "sms_fallback_url", "voice_url", "voice_fallback_url", "status_callback")
    configured = {str(n.get(name)) for n in numbers for name in fields if n.get(name)}
    if url not in configured:
        raise PolicyError(
            "No phone number of this account is configured with that URL, and the policy only allows probing "
            "configured webhooks. Nothing was sent.",
            code="policy.probe_url_not_configured",
            remediation=[
                "Probe a URL shown as sms_url or voice_url by numbers_list.",
                "Or configure the number first with number_configure, then probe.",
                "An operator can set probe_any_url = true under [limits] in the policy file.",
            ],
        )
    return parts, pinned


def _probe_params(services: Services, kind: str) -> dict[str, list[str]]:
    account = services.twilio.account_sid
    if kind == "voice":
        return {
            "AccountSid": [account],
            "CallSid": [PROBE_CALL_SID],
            "CallStatus": ["ringing"],
            "Direction": ["inbound"],
            "From": ["+15005550006"],
            "To": ["+15005550006"],
            "ApiVersion": ["2010-04-01"],
        }
    return {
        "AccountSid": [account],
        "MessageSid": [PROBE_MESSAGE_SID],
        "SmsSid": [PROBE_MESSAGE_SID],
        "SmsStatus": ["received"],
        "Body": [PROBE_BODY],
        "NumMedia": ["0"],
        "From": ["+15005550006"],
        "To": ["+15005550006"],
        "ApiVersion": ["2010-04-01"],
    }


async def _post_bounded(
    client: httpx.AsyncClient, url: str, form: dict[str, str], headers: dict[str, str], server_name: str
) -> tuple[httpx.Response, bytes | None]:
    """POST and read at most MAX_ANSWER_BYTES of the answer (None when it is longer): a hostile
    endpoint cannot make the server hold an endless body."""
    request = client.build_request("POST", url, data=form, headers=headers, extensions={"sni_hostname": server_name})
    response = await client.send(request, stream=True)
    try:
        received = bytearray()
        async for chunk in response.aiter_bytes():
            received.extend(chunk)
            if len(received) > MAX_ANSWER_BYTES:
                return response, None
        return response, bytes(received)
    finally:
        await response.aclose()


def lint_findings(twiml: str, kind: str) -> list[dict[str, Any]]:
    """The TwiML linter's findings on an answer, read as voice or messaging TwiML."""
    from skill.core.twiml_lint import lint

    report = lint(twiml, "voice" if kind == "voice" else "messaging")
    return [finding.model_dump() for finding in report.findings]


async def probe(services: Services, *, url: str, kind: str) -> dict[str, Any]:
    """POST to a webhook URL as Twilio would, signed, and report what came back.

    Raises:
        InputError, PolicyError: see _check_destination; ConfigError when no auth token can sign.
    """
    from skill.errors import ConfigError

    parts, address = await _check_destination(services, url)
    params = _probe_params(services, kind)
    token = services.webhook_tokens(services.twilio.account_sid)
    if not token:
        raise ConfigError(
            "Signing a probe needs the account's auth token; only an API key is configured.",
            code="config.auth_token_required",
            remediation=["Set TWILIO_AUTH_TOKEN (it is never shown), or test the URL from the Twilio Console."],
        )
    signature = compute_signature(token, url, params)
    form = [(name, value) for name, values in params.items() for value in values]
    # identity: ask for the answer uncompressed, so the bytes read are the bytes counted against the cap.
    headers = {
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1 (twilio-skill probe)",
        "Accept-Encoding": "identity",
    }
    target, headers["Host"], server_name = pinned_target(parts, address)
    started = time.perf_counter()
    try:
        # trust_env=False: no proxy from the environment, which would look the name up again itself.
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client:
            response, content = await _post_bounded(client, target, dict(form), headers, server_name)
    except httpx.HTTPError as exc:
        return {
            "url": url,
            "kind": kind,
            "reachable": False,
            "status": None,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "content_type": None,
            "problem": f"{type(exc).__name__}: {escape_text(exc, 300)}",
            "findings": [],
        }
    latency = round((time.perf_counter() - started) * 1000, 1)
    content_type = response.headers.get("content-type")
    findings: list[dict[str, Any]] = []
    problem = None
    media = (content_type or "").split(";")[0].strip().lower()
    if response.status_code >= 300:
        problem = f"HTTP {response.status_code}: Twilio logs error 11200 and the caller gets nothing."
    elif content is None:
        problem = f"The answer is longer than {MAX_ANSWER_BYTES} bytes; Twilio refuses TwiML that long (error 12300)."
    elif content and media in ("text/xml", "application/xml"):
        findings = lint_findings(content.decode(response.encoding or "utf-8", errors="replace"), kind)
    elif content:
        problem = f"Content-Type {quoted(content_type)} is not TwiML (text/xml); Twilio logs error 12300."
    return {
        "url": url,
        "kind": kind,
        "reachable": True,
        "status": response.status_code,
        "latency_ms": latency,
        "content_type": content_type,
        "problem": problem,
        "findings": findings,
    }
