"""The account audit tool: one read-only pass that lists what to fix, with the tool that fixes each."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from skill.core import audit as core
from skill.core.context import Services
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec


class Finding(Model):
    severity: str = Field(description="high, medium, low or info.")
    check: str = Field(description="The check that found it.")
    resource: str = Field(description="What it is about.")
    finding: str = Field(description="What is wrong.")
    remediation: list[str] = Field(description="Ordered steps that fix it.")
    fix_tool: str | None = Field(default=None, description="The tool that fixes it, if one does.")
    account: str | None = Field(default=None, description="The account it was found in (scope all).")


class CheckRun(Model):
    check: str = Field(description="Check name.")
    ok: bool = Field(description="False when the check could not run.")
    findings: int = Field(description="Findings it produced.")
    account: str | None = Field(default=None, description="The account it ran on (scope all).")


class SeverityCounts(Model):
    high: int = Field(description="High-severity findings.")
    medium: int = Field(description="Medium-severity findings.")
    low: int = Field(description="Low-severity findings.")
    info: int = Field(description="Informational findings.")


class AccountAuditInput(Model):
    balance_threshold: Decimal = Field(
        default=Decimal("20.00"), ge=0, le=1_000_000, description="Report a balance under this amount."
    )
    scope: Literal["account", "all"] = Field(default="account", description="all: every account.")


class AccountAuditOutput(ToolResult):
    findings: list[Finding] = Field(description="Findings, most serious first.")
    counts: SeverityCounts = Field(description="Findings per severity.")
    checks: list[CheckRun] = Field(description="Each check and whether it ran.")
    notes: list[str] = Field(description="What the audit does not cover, and how it judges.")


async def account_audit(services: Services, args: AccountAuditInput) -> AccountAuditOutput:
    """Raises:
    InputError: scope all together with an account.
    """
    if args.scope == "all":
        if services.scope is not None:
            raise InputError(
                "scope 'all' audits every account; it cannot be combined with account.",
                code="input.invalid",
                remediation=["Leave account out with scope 'all', or audit one account with account and no scope."],
            )
        from skill.core.fleet import accounts_of

        found = await core.run_fleet_audit(services, accounts_of(services), balance_threshold=args.balance_threshold)
        return AccountAuditOutput(**found)
    return AccountAuditOutput(**await core.run_audit(services, balance_threshold=args.balance_threshold))


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="account_audit",
        title="Audit account",
        description="Check the account for risks (old keys, broken webhooks, low balance, recent errors, idle "
        "subaccounts) and say which tool fixes each. Read-only; a few dozen requests.",
        toolset="ops",
        tier=Tier.READ,
        input=AccountAuditInput,
        output=AccountAuditOutput,
        handler=account_audit,
    ),
)
