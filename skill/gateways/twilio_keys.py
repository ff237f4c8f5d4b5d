"""API keys (API v2010 Keys and NewKeys)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


class Keys(Area):
    async def list(self, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            return [record(item) for item in await self.account(c).keys.list_async(limit=limit)]

        return await self.gw.run(op, what="List API keys")

    async def fetch(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).keys(sid).fetch_async())

        return await self.gw.run(op, what="Fetch API key")

    async def rename(self, sid: str, friendly_name: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).keys(sid).update_async(friendly_name=friendly_name))

        return await self.gw.run(op, what="Rename API key")

    async def create(self, friendly_name: str | None) -> dict[str, Any]:
        """The new key including its secret; the caller must hand the secret to the sink at once."""

        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).new_keys.create_async(**unset_none(friendly_name=friendly_name))
            return record(created)

        return await self.gw.run(op, what="Create API key")

    async def delete(self, sid: str) -> bool:
        async def op(c: Client) -> bool:
            return bool(await self.account(c).keys(sid).delete_async())

        return await self.gw.run(op, what="Revoke API key")

    async def verify(self, sid: str, secret: str) -> bool:
        """True when the key authenticates: one small read made as that key.

        A standard key may not read the Accounts or Keys resources, so the probe lists phone numbers.
        """

        async def op(_: Client) -> bool:
            other = self.gw.client_with_key(sid, secret)
            await other.api.v2010.accounts(self.gw.account_sid).incoming_phone_numbers.list_async(limit=1)
            return True

        return await self.gw.run(op, what="Verify API key")
