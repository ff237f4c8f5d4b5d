"""Accounts and subaccounts: read the account, list, create, suspend, reactivate or close subaccounts,
and what a status change would touch, for the operator who approves it."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from skill.core.context import Services
from skill.core.display import quoted
from skill.core.timeutil import as_utc, parse_iso
from skill.errors import InputError, UpstreamError
from skill.records.accounts import Account, AccountReport
from skill.records.approvals import Fact, Impact
from skill.records.numbers import Tally
from skill.records.page import Page

# Twilio cannot filter accounts by date: at most this many are looked through per call.
ACCOUNT_SCAN = 1000
# Numbers and keys inside a subaccount are counted up to this many for an approval's impact.
COUNT_CAP = 1000


async def get_account(services: Services, sid: str | None = None) -> AccountReport:
    """The account (by default the configured one) with its balance.

    Raises:
        UpstreamError: twilio.20404 for an unknown account, twilio.20003 for one these credentials cannot read.
    """
    account = await services.twilio.accounts.get(sid)
    balance = await services.twilio.accounts.get_balance(account.sid)
    return AccountReport(
        **account.model_dump(),
        balance=balance.balance,
        currency=balance.currency,
        is_subaccount=account.owner_account_sid not in (None, account.sid),
    )


def _created_between(after: datetime | None, before: datetime | None, account: Account) -> bool:
    created = parse_iso(account.date_created)
    if created is None:
        return after is None and before is None
    return (after is None or created >= after) and (before is None or created < before)


async def list_subaccounts(
    services: Services,
    *,
    status: str | None,
    friendly_name: str | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Account]:
    """Subaccounts of the configured account. Status and name filter at Twilio; the parent itself (which
    Twilio lists too) and the creation dates are left out here, over at most ACCOUNT_SCAN accounts per call.

    Raises:
        InputError: the cursor is not one of ours, or was made for other filters.
    """
    parent = services.twilio.account_sid
    start = as_utc(after) if after else None
    end = as_utc(before) if before else None
    return await services.twilio.accounts.list_page(
        status=status,
        friendly_name=friendly_name,
        local={"after": start, "before": end},
        limit=limit,
        cursor=cursor,
        # The listing answers the credentials' whole tree; an account's subaccounts are those it owns.
        keep=lambda account: (
            account.sid != parent
            and account.owner_account_sid in (None, parent)
            and _created_between(start, end, account)
        ),
        scan=ACCOUNT_SCAN,
    )


async def create_subaccount(services: Services, friendly_name: str) -> Account:
    return await services.twilio.accounts.create(friendly_name)


def refuse_own_account(services: Services, sid: str) -> None:
    """Raises:
    InputError: input.not_a_subaccount when the SID is the account the skill is authenticated as.
    """
    if sid.lower() == services.twilio.account_sid.lower():
        raise InputError(
            "This is the account the skill is authenticated as, not a subaccount.",
            code="input.not_a_subaccount",
            remediation=[
                "Pass the SID of a subaccount (see subaccounts_list).",
                "The main account's status can only be changed in the Twilio Console.",
            ],
        )


async def set_subaccount_status(services: Services, sid: str, status: str) -> Account:
    """Raises:
    InputError: the SID is the parent account itself.
    UpstreamError: the account does not exist or cannot change (a closed one stays closed).
    """
    refuse_own_account(services, sid)
    return await services.twilio.accounts.set_status(sid, status)


async def _count(counting: Awaitable[Tally]) -> str:
    """A count for an impact line; 'unknown' when these credentials may not read it."""
    try:
        return (await counting).text()
    except UpstreamError as exc:
        return f"unknown ({exc.code})"


async def status_change_impact(services: Services, sid: str, status: str) -> Impact:
    """What changing a subaccount's status would do; refuses a change that cannot or need not happen.

    Raises:
        InputError: input.not_a_subaccount, input.subaccount_closed, or input.nothing_to_change.
        UpstreamError: twilio.20404 when there is no such account.
    """
    account = await services.twilio.accounts.get(sid)
    if account.owner_account_sid != services.twilio.account_sid:
        raise InputError(
            f"Account {sid} is not a subaccount of the account this server uses.",
            code="input.not_a_subaccount",
            remediation=["Pass the SID of one of this account's subaccounts (see subaccounts_list)."],
        )
    if account.status == "closed":
        raise InputError(
            f"Subaccount {sid} is closed; a closed account cannot be changed or reopened.",
            code="input.subaccount_closed",
            remediation=["Create a new subaccount with subaccount_create if one is needed."],
        )
    if account.status == status:
        raise InputError(
            f"Subaccount {sid} is already {status}; nothing to change.",
            code="input.nothing_to_change",
            remediation=["Check the status with subaccounts_list; call again only to set another status."],
        )
    numbers = await _count(services.twilio.numbers.count(sid, COUNT_CAP))
    keys = await _count(services.twilio.keys.count(sid, COUNT_CAP))
    closing = status == "closed"
    return Impact(
        resource=f"Subaccount {quoted(account.friendly_name or '')} ({sid})",
        facts=[
            Fact(label="status now", value=account.status or "unknown"),
            Fact(label="status after", value=status),
            Fact(label="created", value=account.date_created or "unknown"),
        ],
        blast_radius=[
            Fact(label="phone numbers in it", value=numbers + (" (released when closed)" if closing else "")),
            Fact(label="API keys in it", value=keys + (" (stop working)" if status != "active" else "")),
        ],
        reversibility="not reversible" if closing else "reversible",
    )
