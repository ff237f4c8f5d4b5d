"""Twilio Monitor: alerts (debugger events) of the account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from skill.gateways.area import MAX_PAGE_SIZE, Area
from skill.records.monitor import Alert, AlertDetail
from skill.records.page import Page


class Monitor(Area):
    async def alerts(
        self,
        *,
        log_level: str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Alert], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[Alert]:
        """Alerts, newest first, filtered the way the Alerts list filters (and by `keep` after fetching)."""
        return await self.page(
            lambda c: c.monitor.v1.alerts,
            "List alerts",
            into=Alert.from_api,
            limit=limit,
            cursor=cursor,
            filters={"log_level": log_level, "start_date": start_date, "end_date": end_date},
            keep=keep,
            scan=scan,
            kept_by=kept_by,
        )

    async def alert(self, sid: str) -> AlertDetail:
        """One alert with its request and response details."""
        return AlertDetail.from_api(await self.one(lambda c: c.monitor.v1.alerts(sid).fetch_async(), "Fetch alert"))
