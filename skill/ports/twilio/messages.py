"""Messages (API v2010), as the core calls them."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from skill.records.messages import Message
    from skill.records.page import Page


class MessagesPort(Protocol):
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
    ) -> Message: ...

    async def fetch(self, sid: str) -> Message: ...

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
        scan: int = 1000,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[Message]: ...

    async def cancel(self, sid: str) -> Message: ...
