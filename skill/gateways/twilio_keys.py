"""API keys (API v2010 Keys and NewKeys).

`list` answers plain dicts for the account audit, which still reads dicts; this area's core uses
`list_page`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.ports.twilio.keys import KeysPort
from skill.records.credentials import ApiKey
from skill.records.numbers import Tally
from skill.records.page import Page

if TYPE_CHECKING:
    from twilio.rest import Client


class Keys(Area):
    async def list_page(
        self,
        *,
        local: dict[str, object] | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[ApiKey], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
    ) -> Page[ApiKey]:
        return await self.page(
            lambda c: self.account(c).keys,
            "List API keys",
            into=ApiKey.from_api,
            limit=limit,
            cursor=cursor,
            keep=keep,
            scan=scan,
            kept_by=local,
        )

    async def count(self, account_sid: str, cap: int) -> Tally:
        """How many keys an account (this one or a subaccount) has, counted up to `cap`."""
        found = await self.page(
            lambda c: self.account(c, account_sid).keys, "Count API keys", into=lambda raw: raw, limit=cap, cursor=None
        )
        return Tally(count=len(found.items), more=found.has_more)

    async def fetch(self, sid: str) -> ApiKey:
        return ApiKey.from_api(await self.one(lambda c: self.account(c).keys(sid).fetch_async(), "Fetch API key"))

    async def rename(self, sid: str, friendly_name: str) -> ApiKey:
        raw = await self.one(
            lambda c: self.account(c).keys(sid).update_async(friendly_name=friendly_name), "Rename API key"
        )
        return ApiKey.from_api(raw)

    async def create(self, friendly_name: str | None) -> tuple[ApiKey, str | None]:
        """The new key and its secret, apart: the caller must hand the secret to the sink at once."""
        raw = await self.one(
            lambda c: self.account(c).new_keys.create_async(**unset_none(friendly_name=friendly_name)),
            "Create API key",
        )
        secret = raw.pop("secret", None)
        return ApiKey.from_api(raw), secret if isinstance(secret, str) and secret else None

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

    async def all(self, limit: int) -> builtins.list[ApiKey]:
        raws = await self.many(lambda c: self.account(c).keys.list_async(limit=limit), "List API keys")
        return [ApiKey.from_api(raw) for raw in raws]


PORT: type[KeysPort] = Keys  # mypy proves the gateway answers the port
