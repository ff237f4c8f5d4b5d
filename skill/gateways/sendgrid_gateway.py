"""The SendGrid gateway: the only code that imports the sendgrid SDK.

The SDK (python_http_client) is synchronous and urllib-based, so every call runs in a worker
thread. In sandbox mode it reaches the sandbox over loopback HTTP (the embedded one is started on
first use, or TWILIO_SKILL_SANDBOX_URL) and names the product in the X-Twilio-Host header.
Results are plain dicts; failures are UpstreamError with code `sendgrid.<status>`.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import anyio

from skill.config import SANDBOX_SENDGRID_KEY, Settings
from skill.errors import ConfigError, UpstreamError
from skill.gateways.failures import outcome_unknown, unreachable
from skill.gateways.http import PRODUCT_HOST_HEADER

if TYPE_CHECKING:
    from sendgrid import SendGridAPIClient

    from skill.gateways.loopback import LoopbackServer
    from skill.sandbox.app import Sandbox

SENDGRID_BASE = "https://api.sendgrid.com"
SENDGRID_HOST = "api.sendgrid.com"
DOCS_URL = "https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/errors"
# Keys starting so are the sandbox's own (full, restricted, invalid) and pass through unchanged.
SANDBOX_KEY_PREFIX = "SG.sandbox"
REQUEST_TIMEOUT = 20.0
START_TIMEOUT = 10.0
MAX_PAYLOAD_MB = 30
SENDGRID_CHECK = "Check SendGrid's Activity feed (Email Activity in the SendGrid UI) whether it took effect."

# Suppression kind -> (path under /v3 for lists, path under /v3 for one address).
SUPPRESSION_PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bounces": (("suppression", "bounces"), ("suppression", "bounces")),
    "blocks": (("suppression", "blocks"), ("suppression", "blocks")),
    "spam_reports": (("suppression", "spam_reports"), ("suppression", "spam_reports")),
    "invalid_emails": (("suppression", "invalid_emails"), ("suppression", "invalid_emails")),
    "global_unsubscribes": (("suppression", "unsubscribes"), ("asm", "suppressions", "global")),
}


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


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class SendGridGateway:
    def __init__(self, settings: Settings, *, sandbox: Sandbox | None = None) -> None:
        self.settings = settings
        self.sandbox = sandbox
        self.mode = settings.mode
        self._lock = threading.Lock()
        self._loopback: LoopbackServer | None = None
        self._clients: dict[str, SendGridAPIClient] = {}

    def api_key(self) -> str:
        """The key requests carry; in sandbox mode the sandbox's public key.

        Raises:
            ConfigError: config.sendgrid_key_missing in live mode without SENDGRID_API_KEY.
        """
        given = self.settings.sendgrid_api_key
        if self.mode == "sandbox":
            return given if given and given.startswith(SANDBOX_KEY_PREFIX) else SANDBOX_SENDGRID_KEY
        if not given:
            raise ConfigError(
                "Email tools need a SendGrid API key, and SENDGRID_API_KEY is not set. Nothing was sent.",
                code="config.sendgrid_key_missing",
                remediation=[
                    "Create a key in the SendGrid UI (Settings > API Keys) with Mail Send, Template Engine "
                    "(read) and Suppressions access.",
                    "Set SENDGRID_API_KEY to it in the environment of twilio-skill and restart it.",
                ],
            )
        return given

    def _base_url(self) -> str:
        """Runs in a worker thread: starting the loopback sandbox blocks until it listens."""
        if self.mode == "live":
            return SENDGRID_BASE
        if self.settings.sandbox_url:
            return self.settings.sandbox_url.rstrip("/")
        if self._loopback is None:
            if self.sandbox is None:
                raise ConfigError(
                    "Sandbox mode needs the embedded sandbox or TWILIO_SKILL_SANDBOX_URL.",
                    code="config.sandbox_unavailable",
                )
            from skill.gateways.loopback import LoopbackServer

            server = LoopbackServer(self.sandbox)
            server.start(START_TIMEOUT)
            self._loopback = server
        return self._loopback.base_url

    def _client(self, api_key: str) -> SendGridAPIClient:
        with self._lock:
            client = self._clients.get(api_key)
            if client is None:
                import logging

                from sendgrid import SendGridAPIClient

                # Its debug lines print the request headers, Authorization included.
                logging.getLogger("python_http_client").setLevel(logging.INFO)
                client = SendGridAPIClient(api_key=api_key, host=self._base_url())
                self._clients[api_key] = client
            return client

    async def request(
        self,
        method: str,
        path: Sequence[str],
        *,
        what: str,
        scope: Scope,
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Reply:
        """One SDK call under /v3, in a worker thread.

        Raises:
            ConfigError: no key (live mode) or no sandbox to reach.
            UpstreamError: SendGrid refused the call, could not be reached, or the outcome is unknown.
        """
        from python_http_client.exceptions import HTTPError  # type: ignore[import-untyped]

        api_key = self.api_key()
        headers = {PRODUCT_HOST_HEADER: SENDGRID_HOST} if self.mode == "sandbox" else {}

        def call() -> Reply:
            node = self._client(api_key).client
            for segment in path:
                node = node._(segment)
            response = getattr(node, method.lower())(
                request_body=body, query_params=query or None, request_headers=headers, timeout=REQUEST_TIMEOUT
            )
            return Reply(response.status_code, dict(response.headers.items()), _parse(response.body))

        try:
            return await anyio.to_thread.run_sync(call)
        except HTTPError as exc:
            raw_headers = dict(exc.headers.items()) if exc.headers is not None else {}
            raise translate_error(
                exc.status_code, exc.body, raw_headers, what=what, scope=scope, method=method
            ) from None
        except OSError as exc:  # urllib's URLError, timeouts and resets are all OSErrors
            raise _network_error(exc, what=what, method=method) from None

    async def send_mail(self, payload: dict[str, Any]) -> dict[str, Any]:
        reply = await self.request("POST", ("mail", "send"), body=payload, what="Send email", scope=MAIL_SEND)
        message_id = next((v for k, v in reply.headers.items() if k.lower() == "x-message-id"), None)
        return {"status_code": reply.status, "message_id": message_id}

    async def list_templates(self, *, generations: str, page_size: int) -> list[dict[str, Any]]:
        reply = await self.request(
            "GET",
            ("templates",),
            query={"generations": generations, "page_size": page_size},
            what="List templates",
            scope=TEMPLATES_READ,
        )
        result = reply.body.get("result") if isinstance(reply.body, dict) else None
        return list(result or [])

    async def get_template(self, template_id: str) -> dict[str, Any]:
        reply = await self.request(
            "GET", ("templates", _segment(template_id)), what="Get template", scope=TEMPLATES_READ
        )
        return dict(reply.body or {})

    async def list_suppressions(self, kind: str, *, email: str | None, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"limit": limit}
        if email:
            query["email"] = email
        reply = await self.request(
            "GET",
            SUPPRESSION_PATHS[kind][0],
            query=query,
            what=f"List {kind}",
            scope=suppression_scope(kind, "read"),
        )
        return list(reply.body or [])

    async def is_suppressed(self, kind: str, email: str) -> bool:
        """Whether the address is on one of SendGrid's suppression lists (compared case-insensitively)."""
        if kind == "global_unsubscribes":
            # The list's email filter matches prefixes, so the exact address is picked out here.
            found = await self.list_suppressions(kind, email=email, limit=500)
        else:
            reply = await self.request(
                "GET",
                (*SUPPRESSION_PATHS[kind][1], _segment(email)),
                what=f"Look up {kind}",
                scope=suppression_scope(kind, "read"),
            )
            found = reply.body if isinstance(reply.body, list) else []
        wanted = email.lower()
        return any(isinstance(item, dict) and str(item.get("email", "")).lower() == wanted for item in found)

    async def remove_suppression(self, kind: str, email: str) -> None:
        await self.request(
            "DELETE",
            (*SUPPRESSION_PATHS[kind][1], _segment(email)),
            what=f"Remove from {kind}",
            scope=suppression_scope(kind, "delete"),
        )

    async def aclose(self) -> None:
        server, self._loopback = self._loopback, None
        if server is not None:
            await anyio.to_thread.run_sync(server.stop)


def _segment(value: str) -> str:
    return quote(value, safe="@")


def _parse(body: bytes | str | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def error_details(body: bytes | str | None) -> str:
    """SendGrid's error list ({"errors": [{"message", "field", "help"}]}) as one line."""
    data = _parse(body)
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


def _network_error(exc: OSError, *, what: str, method: str) -> UpstreamError:
    reason = getattr(exc, "reason", exc)
    connect_failed = isinstance(reason, ConnectionRefusedError | socket.gaierror)
    if method.upper() != "GET" and not connect_failed:
        return outcome_unknown(what, reason.__class__.__name__, provider="SendGrid", check=SENDGRID_CHECK)
    return unreachable(what, reason.__class__.__name__, provider="SendGrid", host=SENDGRID_HOST)
