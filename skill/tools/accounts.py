"""Tools for the account and its subaccounts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from skill.core import accounts as core
from skill.core.context import Services
from skill.core.display import quoted
from skill.policy.tiers import Tier
from skill.records.accounts import Account, AccountReport
from skill.records.approvals import Impact
from skill.results import ListResult, Model, ToolResult
from skill.server.registry import ToolSpec
from skill.tools.fields import AccountSid, After, Before, Cursor, Limit

Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Status = Literal["active", "suspended", "closed"]


class AccountGetInput(Model):
    sid: AccountSid | None = Field(default=None, description="Account SID; default: this account.")


class AccountGetOutput(ToolResult, AccountReport):
    pass


async def account_get(services: Services, args: AccountGetInput) -> AccountGetOutput:
    return AccountGetOutput(**(await core.get_account(services, args.sid)).model_dump())


class SubaccountsListInput(Model):
    status: Status | None = Field(default=None)
    friendly_name: Name | None = Field(default=None, description="Exact name.")
    after: After | None = None
    before: Before | None = None
    limit: Limit = 50
    cursor: Cursor | None = None


class SubaccountsListOutput(ListResult[Account]):
    pass


async def subaccounts_list(services: Services, args: SubaccountsListInput) -> SubaccountsListOutput:
    page = await core.list_subaccounts(
        services,
        status=args.status,
        friendly_name=args.friendly_name,
        after=args.after,
        before=args.before,
        limit=args.limit,
        cursor=args.cursor,
    )
    return SubaccountsListOutput.of(page)


class SubaccountCreateInput(Model):
    friendly_name: Name = Field(description="E.g. staging, or a customer id.")


class SubaccountOutput(ToolResult, Account):
    pass


async def subaccount_create(services: Services, args: SubaccountCreateInput) -> SubaccountOutput:
    return SubaccountOutput(**(await core.create_subaccount(services, args.friendly_name)).model_dump())


class SubaccountSetStatusInput(Model):
    sid: AccountSid
    status: Status = Field(description="closed cannot be undone.")


async def subaccount_set_status(services: Services, args: SubaccountSetStatusInput) -> SubaccountOutput:
    return SubaccountOutput(**(await core.set_subaccount_status(services, args.sid, args.status)).model_dump())


async def inspect_set_status(services: Services, args: SubaccountSetStatusInput) -> Impact:
    return await core.status_change_impact(services, args.sid, args.status)


# Summaries get every value quoted (see skill.core.display.quote_values): status arrives as '"closed"'.
STATUS_VERBS = {quoted("closed"): "Permanently close", quoted("suspended"): "Suspend", quoted("active"): "Reactivate"}


def _status_summary(args: dict[str, Any]) -> str:
    return f"{STATUS_VERBS[args['status']]} subaccount {args['sid']}."


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="account_get",
        title="Get account",
        description="The account's status, kind (Trial/Full) and balance; call first to see where you are.",
        toolset="accounts",
        tier=Tier.READ,
        input=AccountGetInput,
        output=AccountGetOutput,
        handler=account_get,
    ),
    ToolSpec(
        name="subaccounts_list",
        title="List subaccounts",
        description="Subaccounts, by status, name or creation time.",
        toolset="accounts",
        tier=Tier.READ,
        input=SubaccountsListInput,
        output=SubaccountsListOutput,
        handler=subaccounts_list,
    ),
    ToolSpec(
        name="subaccount_create",
        title="Create subaccount",
        description="Create a subaccount (one per environment or customer). Free.",
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
        description="Suspend, reactivate or close a subaccount; closing is permanent and releases its numbers.",
        toolset="accounts",
        tier=Tier.DESTRUCTIVE,
        input=SubaccountSetStatusInput,
        output=SubaccountOutput,
        handler=subaccount_set_status,
        idempotent=True,
        summary=_status_summary,
        precheck=lambda services, args: core.refuse_own_account(services, args.sid),
        inspect=inspect_set_status,
    ),
)
