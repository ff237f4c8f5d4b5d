"""Twilio Monitor: alerts (debugger events) of the account."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from skill.gateways.area import Area, unset_none


class Monitor(Area):
    async def alerts(
        self,
        *,
        log_level: str | None,
        start_date: datetime | None,
        end_date: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        """Alerts, newest first, filtered the way the Alerts list filters."""
        filters = unset_none(log_level=log_level, start_date=start_date, end_date=end_date)
        return await self.many(lambda c: c.monitor.v1.alerts.list_async(**filters, limit=limit), "List alerts")

    async def alert(self, sid: str) -> dict[str, Any]:
        """One alert with its request and response details."""
        return await self.one(lambda c: c.monitor.v1.alerts(sid).fetch_async(), "Fetch alert")
