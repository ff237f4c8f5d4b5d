"""Accounts, subaccounts and balance (API v2010)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


class Accounts(Area):
    async def fetch(self, sid: str | None = None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c, sid).fetch_async())

        return await self.gw.run(op, what="Fetch account")

    async def balance(self, sid: str | None = None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c, sid).balance.fetch_async())

        return await self.gw.run(op, what="Fetch balance")

    async def list(self, *, status: str | None, friendly_name: str | None, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await c.api.v2010.accounts.list_async(
                **unset_none(status=status, friendly_name=friendly_name), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List accounts")

    async def create(self, friendly_name: str | None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await c.api.v2010.accounts.create_async(**unset_none(friendly_name=friendly_name)))

        return await self.gw.run(op, what="Create subaccount")

    async def set_status(self, sid: str, status: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await c.api.v2010.accounts(sid).update_async(status=status))

        return await self.gw.run(op, what="Update account status")
