"""Messages (API v2010)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.records.messages import Message
from skill.records.page import Page


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
        content_sid: str | None = None,
        content_variables: str | None = None,
    ) -> Message:
        optional = unset_none(
            body=body,
            from_=from_,
            messaging_service_sid=messaging_service_sid,
            media_url=media_url or None,
            status_callback=status_callback,
            validity_period=validity_period,
            send_at=send_at,
            schedule_type=schedule_type,
            content_sid=content_sid,
            content_variables=content_variables,
        )
        raw = await self.one(lambda c: self.account(c).messages.create_async(to=to, **optional), "Send message")
        return Message.from_api(raw)

    async def fetch(self, sid: str) -> Message:
        return Message.from_api(await self.one(lambda c: self.account(c).messages(sid).fetch_async(), "Fetch message"))

    async def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        date_sent_after: datetime | None = None,
        date_sent_before: datetime | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Message], bool] | None = None,
        scan: int = MAX_PAGE_SIZE,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[Message]:
        return await self.page(
            lambda c: self.account(c).messages,
            "List messages",
            into=Message.from_api,
            limit=limit,
            cursor=cursor,
            filters={
                "to": to,
                "from_": from_,
                "date_sent_after": date_sent_after,
                "date_sent_before": date_sent_before,
            },
            keep=keep,
            scan=scan,
            kept_by=kept_by,
        )

    async def cancel(self, sid: str) -> Message:
        raw = await self.one(lambda c: self.account(c).messages(sid).update_async(status="canceled"), "Cancel message")
        return Message.from_api(raw)
