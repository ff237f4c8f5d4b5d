"""API keys (API v2010 Keys and NewKeys)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none

if TYPE_CHECKING:
    from twilio.rest import Client


class Keys(Area):
    async def list(self, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(lambda c: self.account(c).keys.list_async(limit=limit), "List API keys")

    async def fetch(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c).keys(sid).fetch_async(), "Fetch API key")

    async def rename(self, sid: str, friendly_name: str) -> dict[str, Any]:
        return await self.one(
            lambda c: self.account(c).keys(sid).update_async(friendly_name=friendly_name), "Rename API key"
        )

    async def create(self, friendly_name: str | None) -> dict[str, Any]:
        """The new key including its secret; the caller must hand the secret to the sink at once."""
        return await self.one(
            lambda c: self.account(c).new_keys.create_async(**unset_none(friendly_name=friendly_name)),
            "Create API key",
        )

    async def delete(self, sid: str) -> bool:
        return await self.deleted(lambda c: self.account(c).keys(sid).delete_async(), "Revoke API key")

    async def verify(self, sid: str, secret: str) -> bool:
        """True when the key authenticates: one small read made as that key.

        A standard key may not read the Accounts or Keys resources, so the probe lists phone numbers.
        """

        async def op(_: Client) -> bool:
            other = self.gw.client_with_key(sid, secret)
            await other.api.v2010.accounts(self.gw.account_sid).incoming_phone_numbers.list_async(limit=1)
            return True

        return await self.gw.run(op, what="Verify API key")
