"""Usage records and usage triggers (API v2010)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.records.page import Page
from skill.records.usage import UsageRecord, UsageTrigger

if TYPE_CHECKING:
    from twilio.rest import Client


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
    ) -> builtins.list[UsageRecord]:
        """Usage per category, for a named period or a date range (of a subaccount when account_sid is set)."""

        def source(c: Client) -> Any:
            records = self.account(c, account_sid).usage.records
            # Each named period is its own Records sub-resource.
            lists = {
                "today": records.today,
                "yesterday": records.yesterday,
                "this_month": records.this_month,
                "last_month": records.last_month,
            }
            return lists[period] if period else records

        filters = unset_none(category=category, start_date=start_date, end_date=end_date)
        raw = await self.many(lambda c: source(c).list_async(**filters, limit=limit), "List usage records")
        return [UsageRecord.from_api(item) for item in raw]

    async def triggers(
        self,
        *,
        usage_category: str | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[UsageTrigger], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[UsageTrigger]:
        return await self.page(
            lambda c: self.account(c).usage.triggers,
            "List usage triggers",
            into=UsageTrigger.from_api,
            limit=limit,
            cursor=cursor,
            filters={"usage_category": usage_category},
            keep=keep,
            scan=scan,
            kept_by=kept_by,
        )

    async def trigger(self, sid: str) -> UsageTrigger:
        raw = await self.one(lambda c: self.account(c).usage.triggers(sid).fetch_async(), "Fetch usage trigger")
        return UsageTrigger.from_api(raw)

    async def create_trigger(
        self,
        *,
        usage_category: str,
        trigger_value: str,
        callback_url: str,
        trigger_by: str,
        recurring: str,
        friendly_name: str | None,
    ) -> UsageTrigger:
        optional = unset_none(trigger_by=trigger_by, recurring=recurring, friendly_name=friendly_name)
        raw = await self.one(
            lambda c: self.account(c).usage.triggers.create_async(
                callback_url=callback_url, trigger_value=trigger_value, usage_category=usage_category, **optional
            ),
            "Create usage trigger",
        )
        return UsageTrigger.from_api(raw)

    async def delete_trigger(self, sid: str) -> bool:
        return await self.deleted(lambda c: self.account(c).usage.triggers(sid).delete_async(), "Delete usage trigger")
