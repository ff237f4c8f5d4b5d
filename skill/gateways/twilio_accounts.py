"""Accounts, subaccounts and balance (API v2010)."""

from __future__ import annotations

import builtins
from typing import Any

from skill.gateways.area import Area, unset_none


class Accounts(Area):
    async def fetch(self, sid: str | None = None) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c, sid).fetch_async(), "Fetch account")

    async def balance(self, sid: str | None = None) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c, sid).balance.fetch_async(), "Fetch balance")

    async def list(self, *, status: str | None, friendly_name: str | None, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: c.api.v2010.accounts.list_async(
                **unset_none(status=status, friendly_name=friendly_name), limit=limit
            ),
            "List accounts",
        )

    async def create(self, friendly_name: str | None) -> dict[str, Any]:
        return await self.one(
            lambda c: c.api.v2010.accounts.create_async(**unset_none(friendly_name=friendly_name)), "Create subaccount"
        )

    async def set_status(self, sid: str, status: str) -> dict[str, Any]:
        return await self.one(lambda c: c.api.v2010.accounts(sid).update_async(status=status), "Update account status")
