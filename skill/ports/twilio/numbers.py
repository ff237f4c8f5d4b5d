"""Phone numbers: owned, available, and what one is doing (API v2010, Messaging v1), as the core calls them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.numbers import AvailableNumber, NumberTraffic, PhoneNumber, ServiceRef, Tally
    from skill.records.page import Page


class NumbersPort(Protocol):
    async def list_page(
        self,
        *,
        phone_number: str | None = None,
        friendly_name: str | None = None,
        local: dict[str, object] | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[PhoneNumber], bool] | None = None,
        scan: int = 1000,
    ) -> Page[PhoneNumber]: ...

    async def fetch(self, sid: str) -> PhoneNumber: ...

    async def all(self, limit: int) -> list[PhoneNumber]: ...

    async def search(
        self,
        *,
        country: str,
        kind: str,
        area_code: int | None,
        contains: str | None,
        sms: bool | None,
        voice: bool | None,
        mms: bool | None,
        limit: int,
    ) -> list[AvailableNumber]: ...

    async def buy(
        self, *, phone_number: str, friendly_name: str | None, sms_url: str | None, voice_url: str | None
    ) -> PhoneNumber: ...

    async def update(self, sid: str, **settings: str) -> PhoneNumber: ...

    async def release(self, sid: str) -> bool: ...

    async def count(self, account_sid: str, cap: int) -> Tally: ...

    async def traffic(self, phone_number: str, since: datetime, cap: int) -> NumberTraffic: ...

    async def services_using(self, sid: str, services_cap: int) -> tuple[list[ServiceRef], bool]: ...
