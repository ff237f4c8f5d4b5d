"""build_server(): the MCP server over the tool registry, with services injected by lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.types import (
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    Tool,
    ToolAnnotations,
)

import skill
from skill.config import Settings
from skill.core.context import Services
from skill.errors import InputError
from skill.policy.policy import Policy, check_names, load_policy
from skill.results import error_payload
from skill.server.dispatch import dispatch, json_result
from skill.server.prompts import get_prompt, list_prompts
from skill.server.registry import ToolSpec, all_tools, select_tools, tools_of
from skill.server.resources import list_resource_templates, list_resources, resource_reader
from skill.server.schemas import input_schema, output_schema

INSTRUCTIONS = (
    "Twilio operations. Results are JSON; environment 'sandbox' means the embedded sandbox answered and "
    "nothing real happened. Errors carry a stable code and an ordered remediation list: follow it in order. "
    "A result with error.code 'policy.approval_required' means nothing happened yet: show the person "
    "error.approval.summary, ask them to approve out of band (the command is in error.approval), then repeat "
    "the same call with the same arguments plus approval_id. Never try to get around a gate."
)


def argument_names(spec: ToolSpec) -> set[str]:
    """The names an agent passes for a tool (aliases included), for checking policy rules."""
    return {field.alias or name for name, field in spec.input.model_fields.items()}


def enabled_tools(settings: Settings) -> tuple[ToolSpec, ...]:
    return select_tools(tools_of(settings.toolsets), settings.toolsets, settings.read_only)


def mcp_tool(spec: ToolSpec, policy: Policy | None = None) -> Tool:
    hints = spec.annotations()
    return Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=input_schema(spec, policy),
        output_schema=output_schema(spec),
        annotations=ToolAnnotations(
            read_only_hint=hints.get("readOnlyHint"),
            destructive_hint=hints.get("destructiveHint"),
            idempotent_hint=hints.get("idempotentHint"),
            open_world_hint=hints.get("openWorldHint"),
        ),
    )


def build_server(settings: Settings, services: Services | None = None) -> Server[Services]:
    """The MCP server. With `services` given (tests), they are used as they are and not closed."""
    specs = enabled_tools(settings)
    by_name = {spec.name: spec for spec in specs}
    policy = services.policy if services is not None else load_policy(settings.policy_path)
    if settings.policy_path is not None:
        # Only a policy file can misspell a name; the built-in rules are covered by the tests.
        check_names(policy, {spec.name: argument_names(spec) for spec in all_tools()})
    listed = [mcp_tool(spec, policy) for spec in specs]

    @asynccontextmanager
    async def lifespan(_: Server[Services]) -> AsyncIterator[Services]:
        if services is not None:
            yield services
            return
        from skill.wiring import build_services

        owned = build_services(settings)
        try:
            async with AsyncExitStack() as stack:
                # e.g. the embedded sandbox, posting its status callbacks in the background
                for background in owned.background:
                    await stack.enter_async_context(background())
                yield owned
        finally:
            await owned.aclose()

    async def list_tools(ctx: ServerRequestContext[Services], params: PaginatedRequestParams | None) -> ListToolsResult:
        return ListToolsResult(tools=listed)

    async def call_tool(ctx: ServerRequestContext[Services], params: CallToolRequestParams) -> CallToolResult:
        spec = by_name.get(params.name)
        if spec is None:
            unknown = InputError(
                f"Unknown tool {params.name!r}. It may be in a toolset that is not enabled (see --toolsets).",
                code="input.unknown_tool",
                remediation=["List the tools again and use one of them."],
            )
            return json_result(error_payload(unknown.to_dict(), settings.mode), is_error=True)
        return await dispatch(ctx.lifespan_context, spec, params.arguments)

    return Server(
        "twilio-skill",
        version=skill.__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_prompts=list_prompts,
        on_get_prompt=get_prompt,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=resource_reader(len(specs)),
    )
