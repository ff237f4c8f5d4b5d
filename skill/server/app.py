"""build_server(): the MCP server over the tool registry, with services injected by lifespan."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
from mcp.server.lowlevel import Server
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    EmptyResult,
    InputRequiredResult,
    ListToolsResult,
    PaginatedRequestParams,
    SubscribeRequestParams,
    SubscriptionsListenRequestParams,
    SubscriptionsListenResult,
    Tool,
    ToolAnnotations,
    UnsubscribeRequestParams,
)

import skill
from skill.errors import InputError
from skill.policy.confirm import check_confirm
from skill.policy.policy import Policy, check_names, load_policy
from skill.server.listing import ListedTool, listed_tools, resolve
from skill.server.prompts import get_prompt, list_prompts
from skill.server.registry import ToolSpec, all_tools
from skill.server.registry import enabled_tools as enabled_for
from skill.server.resources import list_resource_templates, list_resources, resource_reader
from skill.server.runtime import Runtime
from skill.server.schemas import with_shared
from skill.toolsets import TOOLSETS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from mcp.server.context import ServerRequestContext

    from skill.config import Settings
    from skill.core.context import Services

GATES = (
    "Results are JSON; environment 'sandbox' means the embedded sandbox answered and nothing real happened. "
    "Errors carry a stable code and an ordered remediation list: follow it in order. A result with error.code "
    "'policy.approval_required' means nothing happened yet: show the person error.approval.summary and impact, "
    "ask them to approve out of band (the command is in error.approval), wait with approval_status (wait_seconds) "
    "or subscribe to twilio://approvals/{id}, then repeat "
    "the same call with the same arguments plus approval_id. Never try to get around a gate."
)
SHARED_ARGUMENTS = (
    "Arguments shared by many tools: limit (most records, default 50) and cursor (the next_cursor of the "
    "previous page) on every list, which says has_more when it stopped early; after and before, ISO 8601 times "
    "bounding a list by its records' date (after inclusive); approval_id, the id of an approved request, to "
    "repeat a gated call."
)
ACCOUNT = (
    "A tool's optional `account` (an environment name or a subaccount's AC SID) runs it on that account "
    "under that account's policy; left out, on this profile's own account. Approvals are per account."
)
ENTRY_TOOLS = (
    "Start with error_explain for any Twilio error code, account_audit for the account's health, and "
    "message_timeline for one message's delivery story."
)


def instructions(settings: Settings) -> str:
    """The server's instructions: what it is, how gates work, which toolsets are on and how to add more."""
    on = [toolset for toolset in TOOLSETS if toolset.name in settings.toolsets]
    off = [toolset for toolset in TOOLSETS if toolset.name not in settings.toolsets]
    parts = [
        "Twilio operations.",
        GATES,
        SHARED_ARGUMENTS,
        ACCOUNT,
        "Toolsets enabled: " + "; ".join(f"{t.name} ({t.purpose})" for t in on) + ".",
    ]
    if settings.tools:
        parts.append("Single tools enabled as well: " + ", ".join(settings.tools) + ".")
    if off:
        parts.append(
            "Not enabled: "
            + "; ".join(f"{t.name} ({t.purpose})" for t in off)
            + ". To use them, the server is started with --toolsets a,b (or all) or --tools name,name."
        )
    parts.append(ENTRY_TOOLS)
    return " ".join(parts)


def argument_names(spec: ToolSpec) -> set[str]:
    """The names an agent passes for a tool (aliases included), for checking policy rules."""
    names = {field.alias or name for name, field in spec.input.model_fields.items()}
    return names | {"account"} if spec.takes_account else names


def enabled_tools(settings: Settings) -> tuple[ToolSpec, ...]:
    return enabled_for(settings.toolsets, settings.tools, settings.read_only)


def lists_accounts(settings: Settings, policy: Policy) -> bool:
    """Whether tools list `account`: multi-account operation is opt-in (the fleet toolset, or environments
    in the policy), so a single-account profile's catalogue carries no argument it would not use."""
    return "fleet" in settings.toolsets or bool(policy.environments)


def mcp_tool(tool: ListedTool, policy: Policy | None = None, *, accounts: bool = True) -> Tool:
    hints = tool.annotations
    return Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=with_shared(
            tool.input_schema,
            tool.name,
            tool.tier,
            takes_account=tool.takes_account,
            sets_webhooks=tool.sets_webhooks,
            policy=policy,
            accounts=accounts,
        ),  # fmt: skip
        output_schema=tool.output_schema,
        _meta={"tier": tool.tier.value},
        annotations=ToolAnnotations(
            read_only_hint=hints.get("readOnlyHint"),
            destructive_hint=hints.get("destructiveHint"),
            idempotent_hint=hints.get("idempotentHint"),
            open_world_hint=hints.get("openWorldHint"),
        ),
    )


def build_server(settings: Settings, services: Services | None = None) -> Server[Runtime]:
    """The MCP server. With `services` given (tests), they are used as they are and not closed.

    Listing needs no tool module (skill.server.listing); a tool's module is imported on its first call.
    """
    tools = listed_tools(settings)
    by_name = {tool.name: tool for tool in tools}
    resolved: dict[str, ToolSpec] = {}
    policy = services.policy if services is not None else load_policy(settings.policy_path)
    if settings.policy_path is not None:
        # Only a policy file can misspell a name; the built-in rules are covered by the tests.
        check_names(policy, {spec.name: argument_names(spec) for spec in all_tools()})
        check_confirm(policy, {spec.name: spec.tier for spec in all_tools()})
    accounts = lists_accounts(settings, policy)
    listed = [mcp_tool(tool, policy, accounts=accounts) for tool in tools]

    @asynccontextmanager
    async def lifespan(_: Server[Runtime]) -> AsyncIterator[Runtime]:
        runtime = Runtime(settings, services)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(runtime.keep_background)
                group.start_soon(runtime.keep_watching)
                group.start_soon(runtime.keep_bulk_worker)
                try:
                    yield runtime
                finally:
                    group.cancel_scope.cancel()
        finally:
            await runtime.aclose()

    async def list_tools(ctx: ServerRequestContext[Runtime], params: PaginatedRequestParams | None) -> ListToolsResult:
        ctx.lifespan_context.answered()
        return ListToolsResult(tools=listed)

    async def call_tool(
        ctx: ServerRequestContext[Runtime], params: CallToolRequestParams
    ) -> CallToolResult | InputRequiredResult:
        # The call path is imported with the first call, so a start imports nothing a listing does not need.
        from skill.results import error_payload
        from skill.server.confirm import asker
        from skill.server.dispatch import Dispatcher, json_result
        from skill.server.http import agent_of
        from skill.server.progress import reporting

        tool = by_name.get(params.name)
        if tool is None:
            unknown = InputError(
                f"Unknown tool {params.name!r}. It may be in a toolset that is not enabled (see --toolsets).",
                code="input.unknown_tool",
                remediation=["List the tools again and use one of them."],
            )
            return json_result(error_payload(unknown.to_dict(), settings.mode), is_error=True)
        spec = resolved.get(tool.name) or resolved.setdefault(tool.name, resolve(tool))
        runtime = ctx.lifespan_context
        runtime.answered()
        services = await runtime.services()
        agent = agent_of(ctx.request)
        ask = asker(ctx, params, runtime.confirmations, services.clock, services.profile, agent)
        with reporting(ctx.session.report_progress):
            return await Dispatcher(services, requested_by=agent, ask=ask)(spec, params.arguments)

    async def subscribe(ctx: ServerRequestContext[Runtime], params: SubscribeRequestParams) -> EmptyResult:
        return await ctx.lifespan_context.subscriptions.subscribe(ctx, params)

    async def unsubscribe(ctx: ServerRequestContext[Runtime], params: UnsubscribeRequestParams) -> EmptyResult:
        return await ctx.lifespan_context.subscriptions.unsubscribe(ctx, params)

    async def listen(
        ctx: ServerRequestContext[Runtime], params: SubscriptionsListenRequestParams
    ) -> SubscriptionsListenResult:
        return await ctx.lifespan_context.subscriptions.listen(ctx, params)

    return Server(
        "twilio-skill",
        version=skill.__version__,
        instructions=instructions(settings),
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=resource_reader(len(tools)),
        on_subscribe_resource=subscribe,
        on_unsubscribe_resource=unsubscribe,
        on_subscriptions_listen=listen,
    )
