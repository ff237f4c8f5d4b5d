"""Messages (API v2010)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


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
        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).messages.create_async(
                to=to,
                **unset_none(
                    body=body,
                    from_=from_,
                    messaging_service_sid=messaging_service_sid,
                    media_url=media_url or None,
                    status_callback=status_callback,
                    validity_period=validity_period,
                    send_at=send_at,
                    schedule_type=schedule_type,
                ),
            )
            return record(created)

        return await self.gw.run(op, what="Send message")

    async def fetch(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).messages(sid).fetch_async())

        return await self.gw.run(op, what="Fetch message")

    async def list(
        self,
        *,
        to: str | None,
        from_: str | None,
        date_sent_after: datetime | None,
        date_sent_before: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).messages.list_async(
                **unset_none(to=to, from_=from_, date_sent_after=date_sent_after, date_sent_before=date_sent_before),
                limit=limit,
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List messages")

    async def cancel(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return record(await self.account(c).messages(sid).update_async(status="canceled"))

        return await self.gw.run(op, what="Cancel message")
