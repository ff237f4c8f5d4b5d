"""Incoming and available phone numbers (API v2010)."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


class Numbers(Area):
    async def list(self, *, phone_number: str | None, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).incoming_phone_numbers.list_async(
                **unset_none(phone_number=phone_number), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List phone numbers")

    async def fetch(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).incoming_phone_numbers(sid).fetch_async())

        return await self.gw.run(op, what="Fetch phone number")

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
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            country_ctx = self.account(c).available_phone_numbers(country)
            listing = {"local": country_ctx.local, "mobile": country_ctx.mobile, "toll_free": country_ctx.toll_free}[
                kind
            ]
            filters = unset_none(
                area_code=area_code, contains=contains, sms_enabled=sms, voice_enabled=voice, mms_enabled=mms
            )
            items = await listing.list_async(**filters, limit=limit)
            return [record(item) for item in items]

        return await self.gw.run(op, what="Search available numbers")

    async def buy(
        self, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
    ) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).incoming_phone_numbers.create_async(
                phone_number=phone_number,
                **unset_none(friendly_name=friendly_name, sms_url=sms_url, voice_url=voice_url),
            )
            return record(created)

        return await self.gw.run(op, what="Buy phone number")

    async def update(self, sid: str, **fields: Any) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            updated = await self.account(c).incoming_phone_numbers(sid).update_async(**unset_none(**fields))
            return record(updated)

        return await self.gw.run(op, what="Configure phone number")

    async def release(self, sid: str) -> bool:
        async def op(c: Client) -> bool:
            return bool(await self.account(c).incoming_phone_numbers(sid).delete_async())

        return await self.gw.run(op, what="Release phone number")
