"""Calls, their notifications, recordings and conferences (API v2010)."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area, unset_none
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


def call_record(instance: Any) -> dict[str, Any]:
    """A Call instance as a dict; the SDK keeps the caller under `_from`, which record() skips."""
    out = record(instance)
    out["from"] = getattr(instance, "_from", None)
    return out


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
        async def op(c: Client) -> dict[str, Any]:
            created = await self.account(c).calls.create_async(
                to=to,
                from_=from_,
                **unset_none(
                    url=url,
                    twiml=twiml,
                    status_callback=status_callback,
                    status_callback_event=status_callback_event or None,
                    record=record_call,
                    timeout=timeout,
                    machine_detection=machine_detection,
                ),
            )
            return call_record(created)

        return await self.gw.run(op, what="Create call")

    async def fetch(self, sid: str) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            return call_record(await self.account(c).calls(sid).fetch_async())

        return await self.gw.run(op, what="Fetch call")

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
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).calls.list_async(
                **unset_none(
                    to=to,
                    from_=from_,
                    status=status,
                    start_time_after=started_after,
                    start_time_before=started_before,
                ),
                limit=limit,
            )
            return [call_record(item) for item in items]

        return await self.gw.run(op, what="List calls")

    async def update(self, sid: str, *, status: str | None, url: str | None, twiml: str | None) -> dict[str, Any]:
        async def op(c: Client) -> dict[str, Any]:
            updated = await self.account(c).calls(sid).update_async(**unset_none(status=status, url=url, twiml=twiml))
            return call_record(updated)

        return await self.gw.run(op, what="Update call")

    async def notifications(self, sid: str, *, limit: int) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).calls(sid).notifications.list_async(limit=limit)
            return [record(item) for item in items]

        return await self.gw.run(op, what="List call notifications")

    async def recordings(
        self,
        *,
        call_sid: str | None,
        created_after: datetime | None,
        created_before: datetime | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).recordings.list_async(
                **unset_none(call_sid=call_sid, date_created_after=created_after, date_created_before=created_before),
                limit=limit,
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List recordings")

    async def delete_recording(self, sid: str) -> bool:
        async def op(c: Client) -> bool:
            return bool(await self.account(c).recordings(sid).delete_async())

        return await self.gw.run(op, what="Delete recording")

    async def conferences(
        self, *, status: str | None, friendly_name: str | None, limit: int
    ) -> builtins.list[dict[str, Any]]:
        async def op(c: Client) -> builtins.list[dict[str, Any]]:
            items = await self.account(c).conferences.list_async(
                **unset_none(status=status, friendly_name=friendly_name), limit=limit
            )
            return [record(item) for item in items]

        return await self.gw.run(op, what="List conferences")
