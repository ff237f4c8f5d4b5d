"""What tools/list needs of a tool, without importing the module that holds it.

A server lists its tools from the shipped listing (skill.server.listed_schemas) when it is current, and
imports a tool's module only when the tool is first called; without a current listing, the same
entries are made from the registry's specs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skill.policy.tiers import Tier
from skill.server.listed_schemas import shipped_entries
from skill.server.registry import ToolSpec, enabled_tools, select_tools, tools_of
from skill.server.schemas import base_input_schema, output_schema

if TYPE_CHECKING:
    from skill.config import Settings


@dataclass(frozen=True)
class ListedTool:
    name: str
    title: str
    description: str
    toolset: str
    tier: Tier
    annotations: dict[str, Any]
    takes_account: bool
    sets_webhooks: bool
    input_schema: dict[str, Any]  # before the shared arguments are added (skill.server.schemas.with_shared)
    output_schema: dict[str, Any]

    @classmethod
    def of(cls, spec: ToolSpec) -> ListedTool:
        return cls(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            toolset=spec.toolset,
            tier=spec.tier,
            annotations=spec.annotations(),
            takes_account=spec.takes_account,
            sets_webhooks=bool(spec.webhook_args),
            input_schema=base_input_schema(spec),
            output_schema=output_schema(spec, listed=True),
        )

    def summary(self) -> dict[str, Any]:
        """This entry as the shipped listing keeps it."""
        return {
            "title": self.title,
            "description": self.description,
            "toolset": self.toolset,
            "tier": self.tier.value,
            "annotations": self.annotations,
            "takes_account": self.takes_account,
            "sets_webhooks": self.sets_webhooks,
        }

    @classmethod
    def from_entry(cls, name: str, entry: dict[str, Any]) -> ListedTool:
        summary = entry["summary"]
        return cls(
            name=name,
            title=summary["title"],
            description=summary["description"],
            toolset=summary["toolset"],
            tier=Tier(summary["tier"]),
            annotations=dict(summary["annotations"]),
            takes_account=bool(summary["takes_account"]),
            sets_webhooks=bool(summary["sets_webhooks"]),
            input_schema=entry["input"],
            output_schema=entry["output"],
        )


def listed_tools(settings: Settings) -> tuple[ListedTool, ...]:
    """The tools a server started with these settings lists, in the registry's order."""
    entries = None if settings.tools else shipped_entries()
    if entries is not None:
        every = tuple(ListedTool.from_entry(name, entry) for name, entry in entries)
        return select_tools(every, settings.toolsets, settings.read_only)
    return tuple(ListedTool.of(spec) for spec in enabled_tools(settings.toolsets, settings.tools, settings.read_only))


def resolve(tool: ListedTool) -> ToolSpec:
    """The spec of a listed tool, importing the modules of its toolset the first time.

    Raises:
        LookupError: the registry has no such tool (a listing out of step with the code).
    """
    for spec in tools_of((tool.toolset,)):
        if spec.name == tool.name:
            return spec
    raise LookupError(tool.name)
