"""Messages (API v2010)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from skill.gateways.area import Area, unset_none


class Messages(Area):
    async def create(
        self,
        *,
        to: str,
        body: str | None,
        from_: str | None,
        messaging_service_sid: str | None,
        media_url: builtins.list[str] | None,
        status_callback: str | None,
        validity_period: int | None,
        send_at: datetime | None = None,
        schedule_type: str | None = None,
    ) -> dict[str, Any]:
        optional = unset_none(
            body=body,
            from_=from_,
            messaging_service_sid=messaging_service_sid,
            media_url=media_url or None,
            status_callback=status_callback,
            validity_period=validity_period,
            send_at=send_at,
            schedule_type=schedule_type,
        )
        return await self.one(lambda c: self.account(c).messages.create_async(to=to, **optional), "Send message")

    async def fetch(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c).messages(sid).fetch_async(), "Fetch message")

    async def list(
        self,
        *,
        to: str | None,
        from_: str | None,
        date_sent_after: datetime | None,
        date_sent_before: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        filters = unset_none(to=to, from_=from_, date_sent_after=date_sent_after, date_sent_before=date_sent_before)
        return await self.many(lambda c: self.account(c).messages.list_async(**filters, limit=limit), "List messages")

    async def cancel(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c).messages(sid).update_async(status="canceled"), "Cancel message")
