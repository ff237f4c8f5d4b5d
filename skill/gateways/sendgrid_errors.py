"""SendGrid's refusals as UpstreamError (`sendgrid.<status>`), naming the API key permission a
request needs, SendGrid's own error list, and how long a rate limit lasts."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from skill.errors import UpstreamError
from skill.gateways.failures import outcome_unknown, unreachable

SENDGRID_HOST = "api.sendgrid.com"
DOCS_URL = "https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors"
MAX_PAYLOAD_MB = 30
SENDGRID_CHECK = "Check SendGrid's Activity feed (Email Activity in the SendGrid UI) whether it took effect."


@dataclass(frozen=True)
class Scope:
    """The API key permission a request needs: its scope name and what the SendGrid UI calls it."""

    name: str
    ui: str


MAIL_SEND = Scope("mail.send", "Mail Send")
TEMPLATES_READ = Scope("templates.read", "Template Engine (read access)")


def suppression_scope(kind: str, action: str) -> Scope:
    """The scope reading ('read') or deleting ('delete') one suppression list needs."""
    ui = f"Suppressions ({'read' if action == 'read' else 'full'} access)"
    if kind == "global_unsubscribes":
        # The global list is read through /v3/suppression/unsubscribes and changed through /v3/asm.
        return Scope("suppression.unsubscribes.read" if action == "read" else "asm.suppressions.global.delete", ui)
    return Scope(f"suppression.{kind}.{action}", ui)


def parse_body(body: bytes | str | None) -> Any:
    """A response body as JSON, or None when it is empty or not JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def error_details(body: bytes | str | None) -> str:
    """SendGrid's error list ({"errors": [{"message", "field", "help"}]}) as one line."""
    data = parse_body(body)
    items = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(items, list):
        message = data.get("message") if isinstance(data, dict) else None
        return str(message) if message else ""
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = str(item.get("message") or "error")
        field = item.get("field")
        if field and field != "null":
            text = f"{field}: {text}"
        help_text = item.get("help")
        if help_text:
            text = f"{text} (help: {help_text if isinstance(help_text, str) else json.dumps(help_text)})"
        parts.append(text)
    return "; ".join(parts)


def _reset_wait(headers: dict[str, str]) -> tuple[int | None, str | None]:
    raw = next((v for k, v in headers.items() if k.lower() == "x-ratelimit-reset"), None)
    try:
        reset = int(float(raw)) if raw else None
    except ValueError:
        reset = None
    if reset is None:
        return None, None
    wait = max(0, reset - int(time.time()))
    return wait, datetime.fromtimestamp(reset, UTC).isoformat(timespec="seconds")


def translate_error(
    status: int, body: bytes | str | None, headers: dict[str, str], *, what: str, scope: Scope, method: str
) -> UpstreamError:
    """The UpstreamError for a refused SendGrid request, with SendGrid's own error list in the message."""
    details = error_details(body)
    said = f" SendGrid said: {details.rstrip('.')}." if details else ""
    retryable = False
    if status == 401:
        message = f"{what}: SendGrid rejected the API key (HTTP 401).{said}"
        remediation = [
            "Check SENDGRID_API_KEY: a current, unrevoked key, copied whole (it starts with 'SG.').",
            f"The key needs the {scope.name} permission ({scope.ui} in the SendGrid UI, Settings > API Keys).",
            "Restart twilio-skill after changing the key.",
        ]
    elif status == 403:
        message = f"{what}: the API key lacks the {scope.name} permission (HTTP 403).{said}"
        remediation = [
            f"In the SendGrid UI (Settings > API Keys), give the key {scope.ui}, scope {scope.name}.",
            "Or create a restricted key that has it, set SENDGRID_API_KEY to it and restart twilio-skill.",
        ]
    elif status == 413:
        message = f"{what}: the request is larger than SendGrid's {MAX_PAYLOAD_MB} MB limit (HTTP 413).{said}"
        remediation = [
            f"Keep the whole message, attachments included, under {MAX_PAYLOAD_MB} MB.",
            "Link to large files instead of attaching them, or split the recipients over several sends.",
        ]
    elif status == 429:
        wait, until = _reset_wait(headers)
        when = f"wait {wait} seconds (until {until}, X-RateLimit-Reset)" if until else "wait about a minute"
        message = f"{what}: SendGrid's rate limit is reached (HTTP 429); {when}.{said}"
        retryable = True
        remediation = [
            f"Nothing was done; {when}, then repeat the same call once.",
            "Do not retry in a tight loop; spread bulk work out over time.",
        ]
    elif status >= 500:
        sent = method.upper() != "GET"
        message = f"{what}: SendGrid had an internal error (HTTP {status}).{said}"
        retryable = not sent
        remediation = (
            [
                "Do not resend blindly: SendGrid may have accepted the email before failing.",
                "Check SendGrid's Activity feed for it; send again only if it is not there.",
            ]
            if sent
            else ["Nothing was changed; retry in a few seconds.", "See https://status.sendgrid.com if it persists."]
        )
    elif status == 404:
        message = f"{what}: SendGrid has no such resource (HTTP 404).{said}"
        remediation = ["Check the id or address; the list tools show what exists."]
    else:
        message = f"{what}: SendGrid refused the request (HTTP {status}).{said}"
        remediation = ["Fix what SendGrid names above and call again; nothing was sent."]
    return UpstreamError(
        message,
        code=f"sendgrid.{status}",
        http_status=status,
        retryable=retryable,
        remediation=remediation,
        docs_url=DOCS_URL,
    )


def network_error(exc: OSError, *, what: str, method: str) -> UpstreamError:
    """A request that failed on the network: unreachable, or (for a write) of unknown outcome."""
    reason = getattr(exc, "reason", exc)
    connect_failed = isinstance(reason, ConnectionRefusedError | socket.gaierror)
    if method.upper() != "GET" and not connect_failed:
        return outcome_unknown(what, reason.__class__.__name__, provider="SendGrid", check=SENDGRID_CHECK)
    return unreachable(what, reason.__class__.__name__, provider="SendGrid", host=SENDGRID_HOST)
