"""Calls, their notifications, recordings and conferences (API v2010), as the core calls them."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.calls import Call, Conference, Notification, Recording
    from skill.records.page import Page


class CallsPort(Protocol):
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
    ) -> Call: ...

    async def fetch(self, sid: str) -> Call: ...

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
    ) -> Page[Call]: ...

    async def update(self, sid: str, *, status: str | None, url: str | None, twiml: str | None) -> Call: ...

    async def notifications(self, sid: str, *, limit: int) -> builtins.list[Notification]: ...

    async def recordings(
        self,
        *,
        call_sid: str | None = None,
        date_created_after: datetime | None = None,
        date_created_before: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Recording]: ...

    async def fetch_recording(self, sid: str) -> Recording: ...

    async def delete_recording(self, sid: str) -> bool: ...

    async def conferences(
        self,
        *,
        status: str | None = None,
        friendly_name: str | None = None,
        date_created_after: datetime | None = None,
        date_created_before: datetime | None = None,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Conference]: ...
