"""Twilio Monitor: alerts (debugger events) of the account."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


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

        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await c.monitor.v1.alerts.list_async(
                **unset_none(log_level=log_level, start_date=start_date, end_date=end_date), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List alerts")

    async def alert(self, sid: str) -> dict[str, Any]:
        """One alert with its request and response details."""

        async def op(c: Client) -> dict[str, Any]:
            return record(await c.monitor.v1.alerts(sid).fetch_async())

        return await self.gw.run(op, what="Fetch alert")
