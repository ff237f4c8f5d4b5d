"""Configuration as code: export an account's configuration, plan a desired document against an
account, apply the plan (gated as a whole)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from skill.core import config_apply as applying
from skill.core import config_code as core
from skill.core import config_impact
from skill.core import config_plan as planning
from skill.core.context import Services
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.records.approvals import Impact
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

Role = Annotated[str, StringConstraints(min_length=3, max_length=120)]
ROLES_FIELD: Any = Field(
    default_factory=list,
    max_length=core.MAX_ROLES,
    description="Numbers by role, e.g. alerts=+18005550100.",
)
Document = Annotated[str, StringConstraints(min_length=2, max_length=core.MAX_DOCUMENT_CHARS)]
DOCUMENT_FIELD: Any = Field(description="JSON in config_export's form.")


class ConfigExportInput(Model):
    roles: list[Role] = ROLES_FIELD


class ConfigExportOutput(ToolResult):
    document: dict[str, Any] = Field(description="The configuration, in stable order, with SIDs beside names.")


async def config_export(services: Services, args: ConfigExportInput) -> ConfigExportOutput:
    return ConfigExportOutput(document=await core.export_config(services, core.parse_roles(args.roles)))


class ConfigPlanInput(Model):
    document: Document = DOCUMENT_FIELD
    roles: list[Role] = ROLES_FIELD


class ConfigPlanOutput(ToolResult):
    account_sid: str = Field(description="The account planned against.")
    changes: list[dict[str, Any]] = Field(description="create/update/delete/skip, with tool, tier and fields.")
    plan_digest: str = Field(description="Pass to config_apply: binds the plan to the account's state now.")
    state_digest: str = Field(description="Digest of the account's configuration when planned.")


async def config_plan(services: Services, args: ConfigPlanInput) -> ConfigPlanOutput:
    return ConfigPlanOutput(**await planning.plan_config(services, args.document, core.parse_roles(args.roles)))


class ConfigApplyInput(Model):
    document: Document = DOCUMENT_FIELD
    roles: list[Role] = ROLES_FIELD
    plan_digest: str = Field(pattern=r"^[0-9a-f]{64}$", max_length=64, description="From config_plan.")


class ConfigApplyOutput(ToolResult):
    plan_digest: str = Field(description="The plan applied.")
    complete: bool = Field(description="True when every step ran.")
    done: list[dict[str, Any]] = Field(description="Steps that ran, in order.")
    failed: dict[str, Any] | None = Field(default=None, description="The step that failed, with its error.")
    not_done: list[dict[str, Any]] = Field(description="Steps not run because an earlier one failed.")


async def config_apply(services: Services, args: ConfigApplyInput) -> ConfigApplyOutput:
    roles = core.parse_roles(args.roles)
    return ConfigApplyOutput(**await applying.apply_config(services, args.document, roles, args.plan_digest))


async def apply_impact(services: Services, args: ConfigApplyInput) -> Impact:
    """The plan as it stands now: refused when stale or empty, so no operator approves what cannot run.

    Raises:
        PolicyError: policy.plan_stale, policy.denied. InputError: nothing to apply.
    """
    plan = await planning.plan_config(services, args.document, core.parse_roles(args.roles))
    if plan["plan_digest"] != args.plan_digest:
        raise applying.state_changed(args.plan_digest, plan["plan_digest"])
    steps = [c for c in plan["changes"] if c["action"] != "skip"]
    if not steps:
        raise InputError(
            "The plan changes nothing; there is nothing to apply.",
            code="input.nothing_to_change",
            remediation=["Compare with config_plan; edit the document if something should change."],
        )
    applying.refuse_denied_steps(services, steps)
    return await config_impact.plan_impact(services, plan, steps)


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="config_export",
        title="Export configuration",
        description="An account's configuration as JSON: numbers by role, messaging and Verify services, flows, "
        "usage triggers. No secrets.",
        toolset="fleet",
        tier=Tier.READ,
        input=ConfigExportInput,
        output=ConfigExportOutput,
        handler=config_export,
    ),
    ToolSpec(
        name="config_plan",
        title="Plan configuration",
        description="Changes from an account to a desired document, with tool and tier, and a plan_digest for "
        "config_apply. Buys or releases numbers only with numbers_manage.",
        toolset="fleet",
        tier=Tier.READ,
        input=ConfigPlanInput,
        output=ConfigPlanOutput,
        handler=config_plan,
    ),
    ToolSpec(
        name="config_apply",
        title="Apply configuration",
        description="Apply a config_plan (same arguments plus plan_digest) as one approved change; refused if the "
        "account changed since. Stops at the first failure.",
        toolset="fleet",
        tier=Tier.DESTRUCTIVE,
        input=ConfigApplyInput,
        output=ConfigApplyOutput,
        handler=config_apply,
        inspect=apply_impact,
        summary=lambda a: f"Apply configuration plan {a['plan_digest']}.",
        atomic=False,
    ),
)
