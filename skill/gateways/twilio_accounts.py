"""Accounts, subaccounts and balance (API v2010).

`fetch`, `balance` and `list` answer plain dicts for the areas that still read dicts (usage, the
account audit); this area's core uses the record methods `get`, `get_balance` and `list_page`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.ports.twilio.accounts import AccountsPort
from skill.records.accounts import Account, Balance
from skill.records.page import Page


def account_record(raw: dict[str, Any]) -> Account:
    """An Account record from the API's resource; its `type` (Trial or Full) is our `kind`."""
    return Account.from_api({**raw, "kind": raw.get("type")})


class Accounts(Area):
    async def get(self, sid: str | None = None) -> Account:
        return account_record(await self.one(lambda c: self.account(c, sid).fetch_async(), "Fetch account"))

    async def get_balance(self, sid: str | None = None) -> Balance:
        return Balance.from_api(await self.one(lambda c: self.account(c, sid).balance.fetch_async(), "Fetch balance"))

    async def list_page(
        self,
        *,
        status: str | None = None,
        friendly_name: str | None = None,
        local: dict[str, object] | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Account], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
    ) -> Page[Account]:
        return await self.page(
            lambda c: c.api.v2010.accounts,
            "List accounts",
            into=account_record,
            limit=limit,
            cursor=cursor,
            filters={"status": status, "friendly_name": friendly_name},
            keep=keep,
            scan=scan,
            kept_by=local,
        )

    async def create(self, friendly_name: str | None) -> Account:
        raw = await self.one(
            lambda c: c.api.v2010.accounts.create_async(**unset_none(friendly_name=friendly_name)), "Create subaccount"
        )
        return account_record(raw)

    async def set_status(self, sid: str, status: str) -> Account:
        raw = await self.one(lambda c: c.api.v2010.accounts(sid).update_async(status=status), "Update account status")
        return account_record(raw)

    async def all(self, *, status: str | None, limit: int) -> builtins.list[Account]:
        raws = await self.many(
            lambda c: c.api.v2010.accounts.list_async(**unset_none(status=status), limit=limit), "List accounts"
        )
        return [account_record(raw) for raw in raws]


PORT: type[AccountsPort] = Accounts  # mypy proves the gateway answers the port
