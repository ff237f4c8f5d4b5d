"""A signed test request to a webhook URL, sent as Twilio would send it, and what came back.

The URL is checked before anything is sent: a bounded http(s) URL with no embedded credentials, whose
host resolves only to public addresses (loopback too in the sandbox), and, unless the policy says
otherwise, one a number of the account is configured with. The request goes to the address that was
checked, and at most a TwiML document's worth of the answer is read.
"""

from __future__ import annotations

import socket
import time
from typing import Literal
from urllib.parse import SplitResult

import anyio
import httpx
from pydantic import Field

from skill.core.context import Services
from skill.core.display import escape_text, quoted
from skill.core.signing import compute_signature
from skill.core.twiml_checks import Finding
from skill.core.urls import address_literal, check_fetch_url, pinned_target, public_address
from skill.errors import ConfigError, InputError, PolicyError
from skill.records.approvals import Fact, Impact
from skill.records.base import Record

PROBE_TIMEOUT_SECONDS = 10.0
RESOLVE_TIMEOUT_SECONDS = 5.0
# Twilio's own ceiling for a TwiML document is 64 KB; anything longer is read no further.
MAX_ANSWER_BYTES = 64 * 1024
# Recognisable SIDs, so the receiving application can tell a probe from real traffic.
PROBE_MESSAGE_SID = "SM" + "0" * 24 + "70726f6265"
PROBE_CALL_SID = "CA" + "0" * 24 + "70726f6265"
PROBE_BODY = "twilio-skill webhook probe"
# The number fields that hold a webhook URL, and how an operator reads them.
NUMBER_URL_FIELDS = {
    "sms_url": "SMS URL",
    "sms_fallback_url": "SMS fallback URL",
    "voice_url": "voice URL",
    "voice_fallback_url": "voice fallback URL",
    "status_callback": "status callback",
}
ProbeKind = Literal["sms", "voice"]


class ProbeReport(Record):
    url: str = Field(description="The URL called.")
    kind: str = Field(description="sms or voice.")
    reachable: bool = Field(description="False when no HTTP answer came back.")
    status: int | None = Field(default=None, description="HTTP status answered.")
    latency_ms: float = Field(description="Time to the full answer, in milliseconds.")
    content_type: str | None = Field(default=None, description="Content-Type answered.")
    problem: str | None = Field(default=None, description="Why Twilio would fail on this answer, if it would.")
    findings: list[Finding] = Field(default_factory=list, description="TwiML lint findings on the answer.")


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


async def configured_on(services: Services, url: str) -> list[Fact]:
    """The numbers of the account whose webhook fields hold exactly this URL, as (field, number) facts.

    Raises:
        UpstreamError: the numbers could not be listed.
    """
    return [
        Fact(label=label, value=number.phone_number or number.sid)
        for number in await services.twilio.numbers.all(1000)
        for name, label in NUMBER_URL_FIELDS.items()
        if getattr(number, name) == url
    ]


async def _check_destination(services: Services, url: str) -> tuple[SplitResult, str, list[Fact]]:
    """The URL's parts, the one checked address the probe will connect to (never looked up again, so a
    name that answers differently the second time cannot lead elsewhere), and the numbers using the
    URL (looked up only when the policy allows configured URLs alone).

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
        return parts, pinned, []
    uses = await configured_on(services, url)
    if not uses:
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
    return parts, pinned, uses


async def probe_impact(services: Services, *, url: str, kind: ProbeKind) -> Impact:
    """What a probe would do, for an operator asked to allow it: where it goes and who uses that URL.

    Raises:
        InputError, PolicyError: as _check_destination; the probe could not run.
    """
    _, address, uses = await _check_destination(services, url)
    if not uses:
        uses = await configured_on(services, url)
    what = "incoming call" if kind == "voice" else "incoming message"
    return Impact(
        resource=f"webhook {url}",
        facts=[
            Fact(label="request", value=f"one signed POST as Twilio sends for an {what}"),
            Fact(label="connects to", value=address),
            Fact(label="effect", value=f"the app may act on it as a real {what} from +15005550006"),
        ],
        blast_radius=uses,
        reversibility="not reversible",
    )


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


def lint_findings(twiml: str, kind: str) -> list[Finding]:
    """The TwiML linter's findings on an answer, read as voice or messaging TwiML."""
    from skill.core.twiml_lint import lint

    return list(lint(twiml, "voice" if kind == "voice" else "messaging").findings)


async def probe(services: Services, *, url: str, kind: ProbeKind) -> ProbeReport:
    """POST to a webhook URL as Twilio would, signed, and report what came back.

    Raises:
        InputError, PolicyError: see _check_destination; ConfigError when no auth token can sign.
    """
    parts, address, _ = await _check_destination(services, url)
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
        return ProbeReport(
            url=url,
            kind=kind,
            reachable=False,
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            problem=f"{type(exc).__name__}: {escape_text(exc, 300)}",
        )
    latency = round((time.perf_counter() - started) * 1000, 1)
    content_type = response.headers.get("content-type")
    findings: list[Finding] = []
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
    return ProbeReport(
        url=url,
        kind=kind,
        reachable=True,
        status=response.status_code,
        latency_ms=latency,
        content_type=content_type,
        problem=problem,
        findings=findings,
    )
