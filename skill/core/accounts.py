"""Accounts and subaccounts: read the account, list, create, suspend, reactivate or close subaccounts."""

from __future__ import annotations

from typing import Any

from skill.core.context import Services
from skill.errors import InputError

# Fields of the Account resource that never leave the gateway layer.
SECRET_FIELDS = ("auth_token",)


def public_account(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "friendly_name": raw.get("friendly_name"),
        "status": raw.get("status"),
        "type": raw.get("type"),
        "owner_account_sid": raw.get("owner_account_sid"),
        "date_created": raw.get("date_created"),
    }


async def get_account(services: Services, sid: str | None = None) -> dict[str, Any]:
    account = public_account(await services.twilio.accounts.fetch(sid))
    balance = await services.twilio.accounts.balance(account["sid"])
    account["balance"] = balance.get("balance")
    account["currency"] = balance.get("currency")
    account["is_subaccount"] = account["owner_account_sid"] not in (None, account["sid"])
    return account


async def list_subaccounts(
    services: Services, *, status: str | None, friendly_name: str | None, limit: int
) -> list[dict[str, Any]]:
    parent = services.twilio.account_sid
    # The parent itself is part of the Accounts listing; ask for one more so the limit still holds.
    raw = await services.twilio.accounts.list(status=status, friendly_name=friendly_name, limit=limit + 1)
    return [public_account(item) for item in raw if item.get("sid") != parent][:limit]


async def create_subaccount(services: Services, friendly_name: str) -> dict[str, Any]:
    return public_account(await services.twilio.accounts.create(friendly_name))


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


async def set_subaccount_status(services: Services, sid: str, status: str) -> dict[str, Any]:
    """Raises:
    InputError: the SID is the parent account itself.
    """
    refuse_own_account(services, sid)
    return public_account(await services.twilio.accounts.set_status(sid, status))
