"""Usage records and usage triggers (API v2010)."""

from __future__ import annotations

import builtins
from datetime import date
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client

# Named periods and the Records sub-resource that answers each.
PERIODS = ("today", "yesterday", "this_month", "last_month")


class Usage(Area):
    async def records(
        self,
        *,
        period: str | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        category: str | None = None,
        account_sid: str | None = None,
        limit: int = 1000,
    ) -> builtins.list[dict[str, Any]]:
        """Usage per category, for a named period or a date range (of a subaccount when account_sid is set)."""

        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            records = self.account(c, account_sid).usage.records
            lists = {
                "today": records.today,
                "yesterday": records.yesterday,
                "this_month": records.this_month,
                "last_month": records.last_month,
            }
            source = lists[period] if period else records
            items = await source.list_async(
                **unset_none(category=category, start_date=start_date, end_date=end_date), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List usage records")

    async def triggers(self, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            return [record(item) for item in await self.account(c).usage.triggers.list_async(limit=limit)]

        return await self.gw.run(op, what="List usage triggers")

    async def create_trigger(
        self,
        *,
        usage_category: str,
        trigger_value: str,
        callback_url: str,
        trigger_by: str,
        recurring: str,
        friendly_name: str | None,
    ) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).usage.triggers.create_async(
                callback_url=callback_url,
                trigger_value=trigger_value,
                usage_category=usage_category,
                **unset_none(trigger_by=trigger_by, recurring=recurring, friendly_name=friendly_name),
            )
            return record(created)

        return await self.gw.run(op, what="Create usage trigger")

    async def delete_trigger(self, sid: str) -> bool:
        async def op(c: Client) -> bool:
            return bool(await self.account(c).usage.triggers(sid).delete_async())

        return await self.gw.run(op, what="Delete usage trigger")
