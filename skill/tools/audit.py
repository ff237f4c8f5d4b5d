"""The account audit tool: one read-only pass that lists what to fix, with the tool that fixes each."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, WithJsonSchema

from skill.core import audit as core
from skill.core.context import Services
from skill.errors import InputError
from skill.policy.tiers import Tier
from skill.records.account_audit import AuditReport
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec

# A number in the schema (one type); a Decimal inside, so 19.99 stays 19.99.
Amount = Annotated[Decimal, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1_000_000})]


class AccountAuditInput(Model):
    balance_threshold: Amount = Field(
        default=Decimal(20),
        ge=0,
        le=1_000_000,
        json_schema_extra={"default": 20},
        description="Report a balance under this.",
    )
    scope: Literal["account", "all"] = Field(default="account", description="all: every account.")


class AccountAuditOutput(ToolResult, AuditReport):
    pass


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

        report = await core.run_fleet_audit(accounts_of(services), balance_threshold=args.balance_threshold)
    else:
        report = await core.run_audit(services, balance_threshold=args.balance_threshold)
    return AccountAuditOutput(**report.model_dump())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="account_audit",
        title="Audit account",
        description="Find account risks (old keys, broken webhooks, low balance, errors, idle subaccounts, 10DLC) "
        "and the tool that fixes each.",
        toolset="ops",
        tier=Tier.READ,
        input=AccountAuditInput,
        output=AccountAuditOutput,
        handler=account_audit,
    ),
)
