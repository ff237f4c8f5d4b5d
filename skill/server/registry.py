"""The tool registry: one frozen ToolSpec per tool, and the filters applied when it is listed."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from skill.errors import ConfigError
from skill.policy.tiers import Tier
from skill.toolsets import modules_of

if TYPE_CHECKING:
    from skill.core.context import Services
    from skill.records.approvals import Impact

Handler = Callable[["Services", Any], Awaitable[BaseModel]]
# Tools that reach a provider but no Twilio account's resources: SendGrid, public price lists, the numbers
# on offer (the same for every account), Lookup, a body's segments, a flow definition's validity.
ACCOUNTLESS_TOOLSETS = frozenset({"email"})
ACCOUNTLESS = frozenset({"pricing_get", "number_search", "number_lookup", "message_preview", "studio_flow_validate"})


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    toolset: str
    tier: Tier
    input: type[BaseModel]
    output: type[BaseModel]
    handler: Handler
    idempotent: bool = False
    open_world: bool = True  # False for tools that never leave this machine
    summary: Callable[[Any], str] | None = None  # human summary of the effect, for approvals
    destination: str | None = None  # SEND tools: the argument holding the phone number contacted
    # Local checks that need no request, run before the policy gate so that a call which could never
    # succeed is refused at once instead of after an operator approved it.
    precheck: Callable[[Services, Any], None] | None = None
    # For a call that needs approval: fetch the target, confirm the call can run on it (raise if not), and
    # say what it would do; runs before the request is opened, so nothing is asked that could not run.
    inspect: Callable[[Services, Any], Awaitable[Impact | None]] | None = None
    secret_args: tuple[str, ...] = ()  # arguments never written to the audit log or approvals (e.g. a code)
    recipients: Callable[[dict[str, Any]], int] | None = None  # SEND tools: how many people one call reaches
    # SEND tools whose reach is counted with the services (recipients in a file); raise to refuse.
    audience: Callable[[Services, Any], int] | None = None
    # SEND tools whose messages are counted against the caps one by one as they go out (a bulk job).
    metered: bool = False
    webhook_args: tuple[str, ...] = ()  # arguments that point live traffic at a URL (gated by host)
    # True when the handler makes at most one change upstream, so a refusal from Twilio means nothing
    # changed and an approval used for it can be given back.
    atomic: bool = True
    # For a tool whose harm depends on its arguments (twilio_api_call: by HTTP method): the tier of one
    # call, which the gate and the policy see instead of `tier`; `tier` is then the most it can be.
    tier_of: Callable[[Any], Tier] | None = None
    # The URLs one call points live traffic at, when they are not fixed arguments (see webhook_args).
    urls_of: Callable[[Any], tuple[str, ...]] | None = None
    # Whether the tool takes `account` (an environment or subaccount to act on); None: every tool that
    # reaches Twilio does, except those that read nothing of an account (see ACCOUNTLESS).
    account_scoped: bool | None = None

    @property
    def takes_account(self) -> bool:
        if self.account_scoped is not None:
            return self.account_scoped
        return self.open_world and self.toolset not in ACCOUNTLESS_TOOLSETS and self.name not in ACCOUNTLESS

    def annotations(self) -> dict[str, Any]:
        """MCP tool annotations, derived from the tier and never written by hand.

        Hints equal to the protocol's defaults (readOnly false, idempotent false, openWorld true)
        are left out; destructiveHint defaults to true, so non-read tools always state it.
        """
        hints: dict[str, Any] = {}
        if self.tier is Tier.READ:
            hints["readOnlyHint"] = True
        else:
            hints["destructiveHint"] = self.tier is Tier.DESTRUCTIVE
            if self.idempotent:
                hints["idempotentHint"] = True
        if not self.open_world:
            hints["openWorldHint"] = False
        return hints


def tools_of(toolsets: Iterable[str] | None = None) -> tuple[ToolSpec, ...]:
    """The tools of the given toolsets (all when None), importing only the modules that hold them."""
    wanted = set(toolsets) if toolsets is not None else None
    specs: list[ToolSpec] = []
    for module_name in modules_of(tuple(wanted) if wanted is not None else None):
        module = importlib.import_module(f"skill.tools.{module_name}")
        specs.extend(spec for spec in module.TOOLS if wanted is None or spec.toolset in wanted)
    return tuple(specs)


def all_tools() -> tuple[ToolSpec, ...]:
    """Every tool of every area, in a stable order."""
    return tools_of(None)


class Selectable(Protocol):
    """What choosing the tools to list reads of a tool: a spec, or a listed entry (skill.server.listing)."""

    @property
    def name(self) -> str: ...
    @property
    def toolset(self) -> str: ...
    @property
    def tier(self) -> Tier: ...


S = TypeVar("S", bound=Selectable)


def select_tools(
    specs: Iterable[S],
    toolsets: Iterable[str] | None = None,
    read_only: bool = False,
    tools: Iterable[str] = (),
) -> tuple[S, ...]:
    """The tools a server lists: those of the enabled toolsets and the single tools named, only READ
    tools in read-only mode."""
    wanted = set(toolsets) if toolsets is not None else None
    singles = set(tools)
    return tuple(
        spec
        for spec in specs
        if (wanted is None or spec.toolset in wanted or spec.name in singles)
        and (not read_only or spec.tier is Tier.READ)
    )


def enabled_tools(toolsets: tuple[str, ...], tools: tuple[str, ...], read_only: bool) -> tuple[ToolSpec, ...]:
    """The tools of a server started with these options, importing only the modules it needs.

    Raises:
        ConfigError: a single tool named does not exist.
    """
    if not tools:
        return select_tools(tools_of(toolsets), toolsets, read_only)
    every = all_tools()
    unknown = sorted(set(tools) - {spec.name for spec in every})
    if unknown:
        raise ConfigError(
            f"No such tool: {', '.join(unknown)}.",
            code="config.unknown_tool",
            remediation=["`twilio-skill --toolsets all tools list` shows every tool."],
        )
    return select_tools(every, toolsets, read_only, tools)
