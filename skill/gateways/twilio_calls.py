"""Calls, their notifications, recordings and conferences (API v2010)."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from skill.gateways.area import MAX_PAGE_SIZE, Area, unset_none
from skill.records.calls import Call, Conference, Notification, Recording
from skill.records.page import Page

if TYPE_CHECKING:
    from skill.ports.twilio.calls import CallsPort

DAY = timedelta(days=1)


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
    ) -> Call:
        optional = unset_none(
            url=url,
            twiml=twiml,
            status_callback=status_callback,
            status_callback_event=status_callback_event or None,
            record=record_call,
            timeout=timeout,
            machine_detection=machine_detection,
        )
        raw = await self.one(
            lambda c: self.account(c).calls.create_async(to=to, from_=from_, **optional), "Create call"
        )
        return Call.from_api(raw)

    async def fetch(self, sid: str) -> Call:
        return Call.from_api(await self.one(lambda c: self.account(c).calls(sid).fetch_async(), "Fetch call"))

    async def list(
        self,
        *,
        to: str | None = None,
        from_: str | None = None,
        status: str | None = None,
        start_time_after: datetime | None = None,
        start_time_before: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Call]:
        return await self.page(
            lambda c: self.account(c).calls,
            "List calls",
            into=Call.from_api,
            limit=limit,
            cursor=cursor,
            filters={
                "to": to,
                "from_": from_,
                "status": status,
                "start_time_after": start_time_after,
                "start_time_before": start_time_before,
            },
        )

    async def update(self, sid: str, *, status: str | None, url: str | None, twiml: str | None) -> Call:
        raw = await self.one(
            lambda c: self.account(c).calls(sid).update_async(**unset_none(status=status, url=url, twiml=twiml)),
            "Update call",
        )
        return Call.from_api(raw)

    async def notifications(self, sid: str, *, limit: int) -> builtins.list[Notification]:
        rows = await self.many(
            lambda c: self.account(c).calls(sid).notifications.list_async(limit=limit), "List call notifications"
        )
        return [Notification.from_api(row) for row in rows]

    async def recordings(
        self,
        *,
        call_sid: str | None = None,
        date_created_after: datetime | None = None,
        date_created_before: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Recording]:
        return await self.page(
            lambda c: self.account(c).recordings,
            "List recordings",
            into=Recording.from_api,
            limit=limit,
            cursor=cursor,
            filters={
                "call_sid": call_sid,
                "date_created_after": date_created_after,
                "date_created_before": date_created_before,
            },
        )

    async def fetch_recording(self, sid: str) -> Recording:
        raw = await self.one(lambda c: self.account(c).recordings(sid).fetch_async(), "Fetch recording")
        return Recording.from_api(raw)

    async def delete_recording(self, sid: str) -> bool:
        return await self.deleted(lambda c: self.account(c).recordings(sid).delete_async(), "Delete recording")

    async def conferences(
        self,
        *,
        status: str | None = None,
        friendly_name: str | None = None,
        date_created_after: datetime | None = None,
        date_created_before: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Conference]:
        """Conferences, newest first. Twilio filters their creation by whole days (UTC): the days around
        the bounds are asked for there, and the exact times are matched here (see Page.scanned).

        Raises:
            InputError: the cursor is not one of ours, or was made with other filters.
            UpstreamError: as TwilioGateway.run.
        """
        exact = date_created_after is not None or date_created_before is not None

        def within(conference: Conference) -> bool:
            created = _moment(conference.date_created)
            if created is None:
                return False
            after_ok = date_created_after is None or created >= date_created_after
            return after_ok and (date_created_before is None or created < date_created_before)

        return await self.page(
            lambda c: self.account(c).conferences,
            "List conferences",
            into=Conference.from_api,
            limit=limit,
            cursor=cursor,
            filters={
                "status": status,
                "friendly_name": friendly_name,
                "date_created_after": date_created_after.date() if date_created_after else None,
                # Twilio's day bound is inclusive, however it reads it: the day after covers the whole day.
                "date_created_before": (date_created_before + DAY).date() if date_created_before else None,
            },
            keep=within if exact else None,
            scan=MAX_PAGE_SIZE,
            kept_by={"after": date_created_after, "before": date_created_before},
        )


def _moment(value: str | None) -> datetime | None:
    """A record's ISO 8601 time as an aware datetime (naive means UTC), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if TYPE_CHECKING:

    def _implements_the_port(calls: Calls) -> CallsPort:
        return calls  # mypy proves the gateway satisfies what the core calls
