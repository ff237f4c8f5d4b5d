"""Calls, their notifications, recordings and conferences (API v2010)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from skill.gateways.area import Area, unset_none


class Calls(Area):
    async def create(
        self,
        *,
        to: str,
        from_: str,
        url: str | None,
        twiml: str | None,
        status_callback: str | None,
        status_callback_event: builtins.list[str] | None,
        record_call: bool | None,
        timeout: int | None,
        machine_detection: str | None,
    ) -> dict[str, Any]:
        optional = unset_none(
            url=url,
            twiml=twiml,
            status_callback=status_callback,
            status_callback_event=status_callback_event or None,
            record=record_call,
            timeout=timeout,
            machine_detection=machine_detection,
        )
        return await self.one(
            lambda c: self.account(c).calls.create_async(to=to, from_=from_, **optional), "Create call"
        )

    async def fetch(self, sid: str) -> dict[str, Any]:
        return await self.one(lambda c: self.account(c).calls(sid).fetch_async(), "Fetch call")

    async def list(
        self,
        *,
        to: str | None,
        from_: str | None,
        status: str | None,
        started_after: datetime | None,
        started_before: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        filters = unset_none(
            to=to, from_=from_, status=status, start_time_after=started_after, start_time_before=started_before
        )
        return await self.many(lambda c: self.account(c).calls.list_async(**filters, limit=limit), "List calls")

    async def update(self, sid: str, *, status: str | None, url: str | None, twiml: str | None) -> dict[str, Any]:
        return await self.one(
            lambda c: self.account(c).calls(sid).update_async(**unset_none(status=status, url=url, twiml=twiml)),
            "Update call",
        )

    async def notifications(self, sid: str, *, limit: int) -> builtins.list[dict[str, Any]]:
        return await self.many(
            lambda c: self.account(c).calls(sid).notifications.list_async(limit=limit), "List call notifications"
        )

    async def recordings(
        self,
        *,
        call_sid: str | None,
        created_after: datetime | None,
        created_before: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        filters = unset_none(call_sid=call_sid, date_created_after=created_after, date_created_before=created_before)
        return await self.many(
            lambda c: self.account(c).recordings.list_async(**filters, limit=limit), "List recordings"
        )

    async def delete_recording(self, sid: str) -> bool:
        return await self.deleted(lambda c: self.account(c).recordings(sid).delete_async(), "Delete recording")

    async def conferences(
        self, *, status: str | None, friendly_name: str | None, limit: int
    ) -> builtins.list[dict[str, Any]]:
        filters = unset_none(status=status, friendly_name=friendly_name)
        return await self.many(
            lambda c: self.account(c).conferences.list_async(**filters, limit=limit), "List conferences"
        )
