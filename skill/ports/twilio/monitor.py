"""Monitor alerts (monitor.twilio.com v1), as the core calls them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from skill.records.monitor import Alert, AlertDetail
    from skill.records.page import Page


class MonitorPort(Protocol):
    async def alerts(
        self,
        *,
        log_level: str | None = None,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Alert], bool] | None = None,
        scan: int = 1000,
        kept_by: dict[str, Any] | None = None,
    ) -> Page[Alert]: ...

    async def alert(self, sid: str) -> AlertDetail: ...
