"""The escape hatch: find any of Twilio's ~1,400 operations, and call one, checked and gated.

twilio_api_find searches the operation index locally; twilio_api_call checks a call against it
(skill.core.operations), is tiered by its HTTP method (GET reads, DELETE is destructive, other writes
wait for approval unless [api].allow names them), and answers the operation's default output.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from skill.core import operations as core
from skill.core.context import Services
from skill.core.operation_rules import ALWAYS_DENIED, COVERED_BY
from skill.core.operation_search import search
from skill.core.operation_urls import pointed_urls
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.records.approvals import Fact, Impact
from skill.records.page import CursorError, Position, decode_cursor, encode_cursor, filters_digest
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.specs import Operation, load_index
from skill.tools.fields import Cursor, JsonObject, Limit

OperationId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,40}(\.[A-Za-z0-9_]{1,80})?$", max_length=121)]
FIND_SCAN = 200  # most matches a search ranks


class ApiFindInput(Model):
    query: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="What to do, in words: 'list TaskRouter workers', 'create Event Streams sink'."
    )
    product: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,40}$")] | None = Field(
        default=None, description="Only this product or spec, e.g. taskrouter, conversations_v1."
    )
    limit: Annotated[int, Field(ge=1, le=50)] = Field(default=8)
    cursor: Cursor | None = None


class OperationBrief(Model):
    id: str = Field(description="Qualified id to pass to twilio_api_call.")
    method: str
    path: str
    summary: str
    required: list[str] = Field(description="Required parameters (path ones included).")
    use_instead: str | None = Field(default=None, description="The tool that does this, or 'denied'.")


class ApiFindOutput(ToolResult):
    """A page of matches, in the shape of every list: {items, count, has_more, next_cursor}."""

    items: list[OperationBrief] = Field(description="Best matches first.")
    count: int = Field(description="Number of items on this page.")
    has_more: bool = Field(description="True when there are more; pass next_cursor to get them.")
    next_cursor: str | None = Field(default=None, description="Cursor of the next page.")


async def twilio_api_find(services: Services, args: ApiFindInput) -> ApiFindOutput:
    filters = {"query": args.query, "product": args.product or ""}
    start = 0
    if args.cursor:
        try:
            position = decode_cursor(args.cursor, filters)
        except CursorError as exc:
            raise InputError(
                f"The cursor cannot be used: {exc}.",
                code="input.invalid_cursor",
                remediation=["Pass next_cursor as the previous page gave it, with the same query and product."],
            ) from None
        start = int(position.key) if isinstance(position.key, int) else 0
    found = search(args.query, args.product, limit=FIND_SCAN)
    page = found[start : start + args.limit]
    more = start + args.limit < len(found)
    items = [
        OperationBrief(
            id=op.id,
            method=op.method,
            path=op.path,
            summary=op.summary,
            required=[param.name for param in op.required if param.name != "AccountSid"],
            use_instead="denied" if op.id in ALWAYS_DENIED else COVERED_BY.get(op.id),
        )
        for op, _score in page
    ]
    cursor = encode_cursor(Position(key=start + args.limit, filters=filters_digest(filters))) if more else None
    return ApiFindOutput(items=items, count=len(items), has_more=more, next_cursor=cursor)


class ApiCallInput(Model):
    operation: OperationId = Field(description="Operation id from twilio_api_find, e.g. taskrouter_v1.ListWorker.")
    parameters: JsonObject | None = Field(
        default=None,
        description='JSON object of path, query and body parameters by Twilio\'s names: {"WorkspaceSid":"WS..."}.',
    )
    fields: list[Annotated[str, StringConstraints(pattern=r"^(\*|[A-Za-z0-9_]{1,64})$", max_length=64)]] = Field(
        default_factory=list, max_length=50, description="More response properties to show; ['*'] for all."
    )
    limit: Limit = 50
    cursor: Cursor | None = None

    @field_validator("operation")
    @classmethod
    def _qualified(cls, value: str) -> str:
        # A bare operationId that one spec alone has becomes its qualified id, so policy globs match it.
        if "." not in value:
            matches = [key for key in load_index().operations if key.split(".", 1)[1] == value]
            if len(matches) == 1:
                return matches[0]
        return value


class ApiCallOutput(ToolResult):
    """One resource flat, a page of items, or {deleted: true}, plus which operation answered."""

    model_config = ConfigDict(extra="allow")

    operation: str = Field(description="The operation that ran.")
    items: list[dict[str, Any]] | None = Field(default=None, description="A list's items.")
    count: int | None = None
    has_more: bool | None = None
    next_cursor: str | None = None
    deleted: bool | None = None
    omitted: list[str] | None = Field(default=None, description="Properties left out; ask with fields.")


def _prepared(services: Services, args: ApiCallInput) -> core.Prepared:
    op = core.operation(args.operation)
    core.check_allowed(op)
    params = dict(args.parameters or {})
    if op.paging and args.limit:
        params["PageSize"] = min(args.limit, 1000)
    return core.prepare(op, {}, params, account_sid=services.twilio.account_sid)


def check_api_call(services: Services, args: ApiCallInput) -> None:
    _prepared(services, args)


def _tier(args: ApiCallInput) -> Tier:
    try:
        return core.tier_of(core.operation(args.operation))
    except InputError:
        return Tier.DESTRUCTIVE  # refused by the precheck before it matters


def _urls(args: ApiCallInput) -> tuple[str, ...]:
    """Every URL the call points Twilio at (StatusCallback, a Sink's nested destination, ...)."""
    try:
        op: Operation | None = core.operation(args.operation)
    except InputError:
        op = None  # refused by the precheck before it matters
    return pointed_urls(args.parameters or {}, op)


async def twilio_api_call(services: Services, args: ApiCallInput) -> ApiCallOutput:
    prepared = _prepared(services, args)
    op = prepared.op
    filters = {"operation": op.id, "query": json.dumps(prepared.query, sort_keys=True, default=str)}
    if args.cursor:
        if op.paging is None:
            raise InputError(f"{op.id} is not a list; it takes no cursor.", code="input.invalid_cursor")
        try:
            position = decode_cursor(args.cursor, filters)
        except CursorError as exc:
            raise InputError(
                f"The cursor cannot be used: {exc}.",
                code="input.invalid_cursor",
                remediation=["Pass next_cursor as the previous page gave it, with the same operation and parameters."],
            ) from None
        prepared.query.update({"Page": position.page, "PageSize": position.size})
        if position.token:
            prepared.query["PageToken"] = position.token
    _status, body = await services.twilio.operations.request(
        op.method,
        prepared.url,
        what=f"{op.id} ({op.method} {op.path})",
        query=prepared.query,
        form=prepared.form,
        json_body=prepared.json_body,
    )
    shaped = core.shape(op, body, tuple(args.fields))
    if "items" in shaped:
        nxt = core.next_page(op, body)
        cursor = None
        if nxt is not None:
            page = nxt.get("Page", "0")
            cursor = encode_cursor(
                Position(
                    page=int(page) if page.isdigit() else 0,
                    token=nxt.get("PageToken"),
                    size=min(args.limit, 1000),
                    filters=filters_digest(filters),
                )
            )
        shaped.update(count=len(shaped["items"]), has_more=cursor is not None, next_cursor=cursor)
    return ApiCallOutput.model_validate({"operation": op.id, **shaped})


def _fetch_of(op: Operation) -> Operation | None:
    """The GET on the same path: what a change to this resource can be checked against first."""
    for other in load_index().operations.values():
        if other.host == op.host and other.path == op.path and other.method == "GET":
            return other
    return None


async def inspect_api_call(services: Services, args: ApiCallInput) -> Impact:
    """What an operator approves: the operation, its parameters, and the resource as it is now. A change
    to a resource that does not exist fails here (Twilio's 404), before anyone is asked.

    Raises:
        InputError: the call does not fit the operation.
        UpstreamError: the resource cannot be read (e.g. 20404: it does not exist).
    """
    prepared = _prepared(services, args)
    op = prepared.op
    facts = [Fact(label="operation", value=f"{op.method} {op.path}: {op.summary}")]
    facts += [Fact(label=str(name), value=str(value)) for name, value in list((args.parameters or {}).items())[:6]]
    fetch = _fetch_of(op) if op.path_type == "instance" and op.method != "GET" else None
    if fetch is not None:
        _status, body = await services.twilio.operations.request(
            "GET", prepared.url, what=f"{fetch.id} (before {op.id})"
        )
        now = core.shape(fetch, body, ())
        facts.append(Fact(label="now", value=", ".join(f"{k}={v}" for k, v in now.items() if k != "omitted")))
    return Impact(
        resource=f"Twilio {op.product} resource at {op.host}{op.path} ({op.id})",
        facts=facts,
        reversibility="not reversible" if op.method == "DELETE" else "reversible",
    )


def _call_summary(args: dict[str, Any]) -> str:
    try:
        op = core.operation(str(args.get("operation", "")).strip("'\""))
        what = f"{op.method} {op.id} ({op.summary})"
    except InputError:
        what = str(args.get("operation"))
    given = args.get("parameters")
    shown = ", ".join(f"{k}={v}" for k, v in list(given.items())[:12]) if isinstance(given, dict) else ""
    return f"Twilio API call {what}" + (f" with {shown}" if shown else "") + "."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="twilio_api_find",
        title="Find Twilio API operation",
        description="Search all ~1,400 Twilio API operations (TaskRouter, Conversations, Sync, Flex, Event Streams...) "
        "by words; gives ids for twilio_api_call. Use a dedicated tool when one exists.",
        toolset="api",
        tier=Tier.READ,
        input=ApiFindInput,
        output=ApiFindOutput,
        handler=twilio_api_find,
        idempotent=True,
        open_world=False,
    ),
    ToolSpec(
        name="twilio_api_call",
        title="Call Twilio API operation",
        description="Run one Twilio API operation by id, checked against its spec. GET reads; other methods wait "
        "for operator approval unless policy allows; DELETE is destructive.",
        toolset="api",
        tier=Tier.DESTRUCTIVE,
        input=ApiCallInput,
        output=ApiCallOutput,
        handler=twilio_api_call,
        summary=_call_summary,
        precheck=check_api_call,
        inspect=inspect_api_call,
        tier_of=_tier,
        urls_of=_urls,
    ),
)
