"""Tools for the account and its subaccounts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from skill.core import accounts as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.results import Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import AccountSid


class Account(Model):
    sid: str = Field(description="Account SID.")
    friendly_name: str | None = Field(default=None, description="Display name.")
    status: str | None = Field(default=None, description="active, suspended or closed.")
    type: str | None = Field(default=None, description="Trial or Full.")
    owner_account_sid: str | None = Field(default=None, description="Parent account SID.")
    date_created: str | None = Field(default=None, description="When it was created.")


class AccountGetInput(Model):
    sid: AccountSid | None = Field(default=None, description="Account SID; default: the configured account.")


class AccountGetOutput(ToolResult, Account):
    balance: str | None = Field(default=None, description="Current balance.")
    currency: str | None = Field(default=None, description="Currency of the balance.")
    is_subaccount: bool = Field(description="True when this account belongs to a parent.")


async def account_get(services: Services, args: AccountGetInput) -> AccountGetOutput:
    return AccountGetOutput(**await core.get_account(services, args.sid))


class SubaccountsListInput(Model):
    status: Literal["active", "suspended", "closed"] | None = Field(default=None, description="Only this status.")
    friendly_name: str | None = Field(default=None, description="Only accounts with exactly this name.")
    limit: int = Field(default=50, ge=1, le=1000, description="Most records to return.")


class SubaccountsListOutput(ToolResult):
    subaccounts: list[Account] = Field(description="Subaccounts of the configured account.")
    count: int = Field(description="Number returned.")


async def subaccounts_list(services: Services, args: SubaccountsListInput) -> SubaccountsListOutput:
    items = await core.list_subaccounts(
        services, status=args.status, friendly_name=args.friendly_name, limit=args.limit
    )
    return SubaccountsListOutput(subaccounts=[Account(**item) for item in items], count=len(items))


class SubaccountCreateInput(Model):
    friendly_name: str = Field(min_length=1, max_length=64, description="Name, e.g. 'staging' or a customer id.")


class SubaccountOutput(ToolResult):
    account: Account = Field(description="The subaccount after the change.")


async def subaccount_create(services: Services, args: SubaccountCreateInput) -> SubaccountOutput:
    return SubaccountOutput(account=Account(**await core.create_subaccount(services, args.friendly_name)))


class SubaccountSetStatusInput(Model):
    sid: AccountSid
    status: Literal["active", "suspended", "closed"] = Field(
        description="suspended is reversible; closed is permanent and releases numbers."
    )


async def subaccount_set_status(services: Services, args: SubaccountSetStatusInput) -> SubaccountOutput:
    return SubaccountOutput(account=Account(**await core.set_subaccount_status(services, args.sid, args.status)))


# Summaries get every value quoted (see skill.core.display.quote_values): status arrives as '"closed"'.
STATUS_VERBS = {quoted("closed"): "Permanently close", quoted("suspended"): "Suspend", quoted("active"): "Reactivate"}


def _status_summary(args: dict[str, Any]) -> str:
    return f"{STATUS_VERBS[args['status']]} subaccount {args['sid']}."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="account_get",
        title="Get account",
        description="The account's status, type (Trial/Full) and balance. Use first to see where you are.",
        toolset="accounts",
        tier=Tier.READ,
        input=AccountGetInput,
        output=AccountGetOutput,
        handler=account_get,
    ),
    ToolSpec(
        name="subaccounts_list",
        title="List subaccounts",
        description="Subaccounts of this account, filtered by status or name.",
        toolset="accounts",
        tier=Tier.READ,
        input=SubaccountsListInput,
        output=SubaccountsListOutput,
        handler=subaccounts_list,
    ),
    ToolSpec(
        name="subaccount_create",
        title="Create subaccount",
        description="Create a subaccount (e.g. one per environment or customer). Free.",
        toolset="accounts",
        tier=Tier.WRITE,
        input=SubaccountCreateInput,
        output=SubaccountOutput,
        handler=subaccount_create,
        summary=lambda a: f"Create subaccount {a['friendly_name']}.",
    ),
    ToolSpec(
        name="subaccount_set_status",
        title="Set subaccount status",
        description="Set a subaccount active, suspended or closed. Closing is permanent and releases its numbers.",
        toolset="accounts",
        tier=Tier.DESTRUCTIVE,
        input=SubaccountSetStatusInput,
        output=SubaccountOutput,
        handler=subaccount_set_status,
        idempotent=True,
        summary=_status_summary,
        precheck=lambda services, args: core.refuse_own_account(services, args.sid),
    ),
)
