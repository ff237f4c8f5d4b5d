"""Incoming and available phone numbers (API v2010)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none

if TYPE_CHECKING:
    from twilio.rest import Client


class Numbers(Area):
    async def list(self, *, phone_number: str | None, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: self.account(c).incoming_phone_numbers.list_async(
                **unset_none(phone_number=phone_number), limit=limit
            ),
            "List phone numbers",
        )

    async def fetch(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c).incoming_phone_numbers(sid).fetch_async(), "Fetch phone number")

    async def search(
        self,
        *,
        country: str,
        kind: str,
        area_code: int | None,
        contains: str | None,
        sms: bool | None,
        voice: bool | None,
        mms: bool | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        def listing(c: Client) -> Any:
            country_ctx = self.account(c).available_phone_numbers(country)
            return {"local": country_ctx.local, "mobile": country_ctx.mobile, "toll_free": country_ctx.toll_free}[kind]

        filters = unset_none(
            area_code=area_code, contains=contains, sms_enabled=sms, voice_enabled=voice, mms_enabled=mms
        )
        return await self.many(lambda c: listing(c).list_async(**filters, limit=limit), "Search available numbers")

    async def buy(
        self, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
    ) -> dict[str, Any]:
        return await self.one(
            lambda c: self.account(c).incoming_phone_numbers.create_async(
                phone_number=phone_number,
                **unset_none(friendly_name=friendly_name, sms_url=sms_url, voice_url=voice_url),
            ),
            "Buy phone number",
        )

    async def update(self, sid: str, **fields: Any) -> dict[str, Any]:
        return await self.one(
            lambda c: self.account(c).incoming_phone_numbers(sid).update_async(**unset_none(**fields)),
            "Configure phone number",
        )

    async def release(self, sid: str) -> bool:
        return await self.deleted(
            lambda c: self.account(c).incoming_phone_numbers(sid).delete_async(), "Release phone number"
        )
