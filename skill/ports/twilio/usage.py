"""Usage records and usage triggers (API v2010), as the core calls them."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from skill.records.page import Page
    from skill.records.usage import UsageRecord, UsageTrigger


class UsagePort(Protocol):
    async def records(
        self,
        *,
        period: str | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        category: str | None = None,
        account_sid: str | None = None,
        limit: int = 1000,
    ) -> builtins.list[UsageRecord]: ...

    async def triggers(
        self,
        *,
        usage_category: str | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[UsageTrigger], bool] | None = None,
        scan: int = 1000,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[UsageTrigger]: ...

    async def trigger(self, sid: str) -> UsageTrigger: ...

    async def create_trigger(
        self,
        *,
        usage_category: str,
        trigger_value: str,
        callback_url: str,
        trigger_by: str,
        recurring: str,
        friendly_name: str | None,
    ) -> UsageTrigger: ...

    async def delete_trigger(self, sid: str) -> bool: ...
