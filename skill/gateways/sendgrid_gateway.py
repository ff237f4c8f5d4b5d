"""The SendGrid gateway: the only code that imports the sendgrid SDK.

The SDK (python_http_client) is synchronous and urllib-based, so every call runs in a worker
thread. In sandbox mode it reaches the sandbox over loopback HTTP (the embedded one is started on
first use, or TWILIO_SKILL_SANDBOX_URL) and names the product in the X-Twilio-Host header.
Results are records (skill.records.email); failures are UpstreamError with code `sendgrid.<status>`
(skill.gateways.sendgrid_errors).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

import anyio

from skill.config import SANDBOX_SENDGRID_KEY, Settings
from skill.errors import ConfigError
from skill.gateways.area import invalid_cursor
from skill.gateways.http import PRODUCT_HOST_HEADER
from skill.gateways.sendgrid_errors import (
    MAIL_SEND,
    SENDGRID_HOST,
    TEMPLATES_READ,
    Scope,
    network_error,
    parse_body,
    suppression_scope,
    translate_error,
)
from skill.gateways.sendgrid_pages import first_position, walk
from skill.records.email import MailAccepted, Suppression, Template, TemplateVersion
from skill.records.page import Page, Position

if TYPE_CHECKING:
    from sendgrid import SendGridAPIClient

    from skill.gateways.loopback import LoopbackServer
    from skill.ports.twilio.email import SendGridPort
    from skill.sandbox.app import Sandbox

SENDGRID_BASE = "https://api.sendgrid.com"
# Keys starting so are the sandbox's own (full, restricted, invalid) and pass through unchanged.
SANDBOX_KEY_PREFIX = "SG.sandbox"
REQUEST_TIMEOUT = 20.0
START_TIMEOUT = 10.0
# SendGrid's largest pages: 500 suppression entries (one is asked beyond a page to learn whether more
# follow), 200 templates.
SUPPRESSION_PAGE = 499
TEMPLATE_PAGE = 200
PAGE_TOKEN = re.compile(r"^[A-Za-z0-9_.~+/=-]{1,200}$")
MAX_OFFSET = 10**7

# Suppression kind -> (path under /v3 for lists, path under /v3 for one address).
SUPPRESSION_PATHS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bounces": (("suppression", "bounces"), ("suppression", "bounces")),
    "blocks": (("suppression", "blocks"), ("suppression", "blocks")),
    "spam_reports": (("suppression", "spam_reports"), ("suppression", "spam_reports")),
    "invalid_emails": (("suppression", "invalid_emails"), ("suppression", "invalid_emails")),
    "global_unsubscribes": (("suppression", "unsubscribes"), ("asm", "suppressions", "global")),
}


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
            return Reply(response.status_code, dict(response.headers.items()), parse_body(response.body))

        try:
            return await anyio.to_thread.run_sync(call)
        except HTTPError as exc:
            raw_headers = dict(exc.headers.items()) if exc.headers is not None else {}
            raise translate_error(
                exc.status_code, exc.body, raw_headers, what=what, scope=scope, method=method
            ) from None
        except OSError as exc:  # urllib's URLError, timeouts and resets are all OSErrors
            raise network_error(exc, what=what, method=method) from None

    async def send_mail(self, payload: dict[str, Any]) -> MailAccepted:
        reply = await self.request("POST", ("mail", "send"), body=payload, what="Send email", scope=MAIL_SEND)
        message_id = next((v for k, v in reply.headers.items() if k.lower() == "x-message-id"), None)
        return MailAccepted(status_code=reply.status, message_id=message_id)

    async def list_templates(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Template], bool] | None = None,
        scan: int = 1000,
        kept_by: dict[str, Any] | None = None,
        generations: str = "dynamic,legacy",
    ) -> Page[Template]:
        """Templates of the given generations, most recently changed first, paged by SendGrid's page_token.

        Raises:
            InputError: the cursor is not ours, or was made for other filters.
            UpstreamError: SendGrid refused.
        """
        filters = {"generations": generations, **{f"kept:{k}": v for k, v in (kept_by or {}).items()}}
        size = min(TEMPLATE_PAGE, limit if keep is None else max(limit, TEMPLATE_PAGE))
        position = first_position(cursor, filters, size=size)

        async def fetch(current: Position) -> tuple[list[Template], Position | None]:
            query: dict[str, Any] = {"generations": generations, "page_size": current.size}
            if current.key is not None:
                if not isinstance(current.key, str) or not PAGE_TOKEN.fullmatch(current.key):
                    raise invalid_cursor("the cursor is not one this server gave out")
                query["page_token"] = current.key
            reply = await self.request("GET", ("templates",), query=query, what="List templates", scope=TEMPLATES_READ)
            body = reply.body if isinstance(reply.body, dict) else {}
            rows = [_template(item) for item in body.get("result") or [] if isinstance(item, dict)]
            token = _next_token(body.get("_metadata"))
            following = Position(key=token, size=current.size, filters=current.filters) if token else None
            return rows, following

        return await walk(position, fetch, limit=limit, keep=keep, scan=scan)

    async def get_template(self, template_id: str) -> Template:
        reply = await self.request(
            "GET", ("templates", _segment(template_id)), what="Get template", scope=TEMPLATES_READ
        )
        return _template(reply.body if isinstance(reply.body, dict) else {})

    async def _suppression_rows(self, kind: str, query: dict[str, Any]) -> list[dict[str, Any]]:
        reply = await self.request(
            "GET",
            SUPPRESSION_PATHS[kind][0],
            query=query,
            what=f"List {kind}",
            scope=suppression_scope(kind, "read"),
        )
        return [item for item in reply.body or [] if isinstance(item, dict)] if isinstance(reply.body, list) else []

    async def list_suppressions(
        self,
        kind: str,
        *,
        email: str | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Suppression]:
        """One suppression list, newest first, paged by SendGrid's offset and limit.

        Raises:
            InputError: the cursor is not ours, or was made for other filters.
            UpstreamError: SendGrid refused.
        """
        filters = {"kind": kind, "email": email, "start_time": start_time, "end_time": end_time}
        position = first_position(cursor, filters, size=min(limit, SUPPRESSION_PAGE))

        async def fetch(current: Position) -> tuple[list[Suppression], Position | None]:
            offset = current.key if current.key is not None else 0
            if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET or current.size > SUPPRESSION_PAGE:
                raise invalid_cursor("the cursor is not one this server gave out")
            query: dict[str, Any] = {"offset": offset, "limit": current.size + 1}
            query.update({k: v for k, v in filters.items() if k != "kind" and v is not None})
            rows = await self._suppression_rows(kind, query)
            more = len(rows) > current.size
            following = current.model_copy(update={"key": offset + current.size, "skip": 0}) if more else None
            return [_suppression(row) for row in rows[: current.size]], following

        return await walk(position, fetch, limit=limit)

    async def find_suppression(self, kind: str, email: str) -> Suppression | None:
        """The address's entry on one of SendGrid's suppression lists (compared case-insensitively), if any."""
        if kind == "global_unsubscribes":
            # The list's email filter matches prefixes, so the exact address is picked out here.
            found = await self._suppression_rows(kind, {"email": email, "limit": SUPPRESSION_PAGE + 1})
        else:
            reply = await self.request(
                "GET",
                (*SUPPRESSION_PATHS[kind][1], _segment(email)),
                what=f"Look up {kind}",
                scope=suppression_scope(kind, "read"),
            )
            found = [item for item in reply.body if isinstance(item, dict)] if isinstance(reply.body, list) else []
        wanted = email.lower()
        entry = next((item for item in found if str(item.get("email", "")).lower() == wanted), None)
        return _suppression(entry) if entry is not None else None

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


def _next_token(metadata: Any) -> str | None:
    """The page_token of the next page, read from the list's _metadata.next URL (None at the end)."""
    url = metadata.get("next") if isinstance(metadata, dict) else None
    if not isinstance(url, str) or not url:
        return None
    return parse_qs(urlsplit(url).query).get("page_token", [None])[0]


def _version(raw: dict[str, Any]) -> TemplateVersion:
    return TemplateVersion.from_api({**raw, "sid": raw.get("id"), "active": raw.get("active") == 1})


def _template(raw: dict[str, Any]) -> Template:
    versions = [_version(item) for item in raw.get("versions") or [] if isinstance(item, dict)]
    return Template.from_api({**raw, "sid": raw.get("id"), "versions": versions})


def _suppression(raw: dict[str, Any]) -> Suppression:
    created = raw.get("created")
    when = datetime.fromtimestamp(float(created), UTC).isoformat(timespec="seconds") if created is not None else None
    return Suppression.from_api({**raw, "created": when})


if TYPE_CHECKING:

    def _satisfies_port(gateway: SendGridGateway) -> SendGridPort:
        return gateway  # mypy proves the class has every method the core calls
