"""MCP resources: the error catalogue by code, approval requests, the account in use, and the policy.

twilio://errors/{code}      one catalogue entry as JSON (template)
twilio://approvals/{id}     one approval request: status, summary, impact, decided_by, reason
                            (template; subscribe to hear when it is decided, skill.server.subscriptions)
twilio://account            mode, account SID, profile, enabled toolsets, tool count
twilio://policy             the policy in force (it never holds secrets)
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    ListResourcesResult,
    ListResourceTemplatesResult,
    PaginatedRequestParams,
    ReadResourceRequestParams,
    ReadResourceResult,
    Resource,
    ResourceTemplate,
    TextResourceContents,
)

from skill.config import Settings
from skill.core.context import Services
from skill.errors import SkillError, twilio_docs_url
from skill.server.runtime import Runtime
from skill.server.subscriptions import APPROVAL_TEMPLATE, approval_id_of

ACCOUNT_URI = "twilio://account"
POLICY_URI = "twilio://policy"
ERROR_TEMPLATE = "twilio://errors/{code}"
RESOURCE_NOT_FOUND = -32002  # the MCP specification's code for an unknown resource
_ERROR_URI = re.compile(r"^twilio://errors/(\d{3,6})$")
JSON = "application/json"

RESOURCES = (
    Resource(
        name="account",
        title="Account in use",
        uri=ACCOUNT_URI,
        description="Mode (sandbox or live), account SID, profile, enabled toolsets and tool count.",
        mime_type=JSON,
    ),
    Resource(
        name="policy",
        title="Policy in force",
        uri=POLICY_URI,
        description="Which tools run, wait for approval or are denied, and the sending limits.",
        mime_type=JSON,
    ),
)
TEMPLATES = (
    ResourceTemplate(
        name="error",
        title="Twilio error code",
        uri_template=ERROR_TEMPLATE,
        description="What a Twilio error code means, its causes and ordered remediation steps.",
        mime_type=JSON,
    ),
    ResourceTemplate(
        name="approval",
        title="Approval request",
        uri_template=APPROVAL_TEMPLATE,
        description="One approval request: status, summary, impact, who decided and why. Subscribe for its decision.",
        mime_type=JSON,
    ),
)


def _plain(value: Any) -> Any:
    """A catalogue answer as JSON-ready data, whatever shape the catalogue returns."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(item) for key, item in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def error_entry(code: int, settings: Settings) -> dict[str, Any]:
    """The catalogue's entry for a Twilio error code, or a pointer to Twilio's page when it has none."""
    from skill import catalog

    explain = getattr(catalog, "explain", None)
    if explain is not None:
        try:
            entry = _plain(explain(code, settings))
        except SkillError:
            entry = None
        if isinstance(entry, dict):
            entry.setdefault("code", code)
            return entry
    from skill.catalog.curated import CURATED

    curated = CURATED.get(code)
    if curated is not None:
        return {**_plain(curated), "docs_url": twilio_docs_url(code), "curated": True}
    return {
        "code": code,
        "curated": False,
        "remediation": catalog.remediation_for(code),
        "docs_url": twilio_docs_url(code),
    }


def _credential_kind(settings: Settings) -> str | None:
    """Which kind of credential is configured, never its value."""
    if settings.api_key and settings.api_secret:
        return "api_key"
    return "auth_token" if settings.auth_token else None


def account_summary(services: Services, tool_count: int) -> dict[str, Any]:
    """Where the server points: never a credential, only identifiers."""
    settings = services.settings
    account_sid = settings.account_sid
    if account_sid is None:
        try:
            account_sid = services.twilio.account_sid
        except (AssertionError, AttributeError):
            account_sid = None
    return {
        "mode": settings.mode,
        "account_sid": account_sid,
        "profile": services.profile,
        "credential": _credential_kind(settings),
        "region": settings.region,
        "edge": settings.edge,
        "toolsets": list(settings.toolsets),
        "read_only": settings.read_only,
        "tool_count": tool_count,
    }


def approval_entry(services: Services, approval_id: str) -> dict[str, Any] | None:
    """A request as its resource shows it (no arguments: the summary and impact describe the call)."""
    approval = services.stores.approvals.get(approval_id)
    if approval is None:
        return None
    public = services.approvals.public(approval)
    shown = ("id", "tool", "status", "summary", "impact", "requested_by", "decided_by", "decided_at", "reason")
    entry = {key: public[key] for key in shown}
    entry.update(
        created_at=public["created_at"],
        expires_at=public["expires_at"],
        console_url=services.approvals.console_link(approval.id),
    )
    return entry


def _contents(uri: str, data: dict[str, Any]) -> ReadResourceResult:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return ReadResourceResult(contents=[TextResourceContents(uri=uri, mime_type=JSON, text=text)])


async def list_resources(
    ctx: ServerRequestContext[Runtime], params: PaginatedRequestParams | None
) -> ListResourcesResult:
    """resources/list: the fixed resources."""
    return ListResourcesResult(resources=list(RESOURCES))


async def list_resource_templates(
    ctx: ServerRequestContext[Runtime], params: PaginatedRequestParams | None
) -> ListResourceTemplatesResult:
    """resources/templates/list: error codes and approval requests."""
    return ListResourceTemplatesResult(resource_templates=list(TEMPLATES))


ResourceReader = Callable[[ServerRequestContext[Runtime], ReadResourceRequestParams], Awaitable[ReadResourceResult]]


def resource_reader(tool_count: int) -> ResourceReader:
    """The resources/read handler for a server that lists tool_count tools."""

    async def read_resource(
        ctx: ServerRequestContext[Runtime], params: ReadResourceRequestParams
    ) -> ReadResourceResult:
        services = await ctx.lifespan_context.services()
        uri = str(params.uri)
        if uri == ACCOUNT_URI:
            return _contents(uri, account_summary(services, tool_count))
        if uri == POLICY_URI:
            return _contents(uri, services.policy.describe())
        match = _ERROR_URI.match(uri)
        if match:
            return _contents(uri, error_entry(int(match.group(1)), services.settings))
        if uri.startswith("twilio://errors/"):
            raise MCPError(INVALID_PARAMS, f"{uri}: an error code is 3 to 6 digits, e.g. twilio://errors/21211.")
        approval_id = approval_id_of(uri)
        if approval_id is not None:
            entry = await anyio.to_thread.run_sync(approval_entry, services, approval_id)
            if entry is None:
                raise MCPError(RESOURCE_NOT_FOUND, f"No approval request has id {approval_id}.")
            return _contents(uri, entry)
        if uri.startswith("twilio://approvals/"):
            raise MCPError(INVALID_PARAMS, f"{uri[:100]}: an approval id reads apr_ and 16 hex digits.")
        known = f"{ACCOUNT_URI}, {POLICY_URI}, {ERROR_TEMPLATE}, {APPROVAL_TEMPLATE}"
        raise MCPError(RESOURCE_NOT_FOUND, f"No resource {uri[:100]}. Known: {known}.")

    return read_resource
