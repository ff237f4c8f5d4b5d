"""API keys (API v2010 Keys and NewKeys), as the core calls them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.credentials import ApiKey
    from skill.records.numbers import Tally
    from skill.records.page import Page


class KeysPort(Protocol):
    async def list_page(
        self,
        *,
        local: dict[str, object] | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[ApiKey], bool] | None = None,
        scan: int = 1000,
    ) -> Page[ApiKey]: ...

    async def fetch(self, sid: str) -> ApiKey: ...

    async def all(self, limit: int) -> list[ApiKey]: ...

    async def create(self, friendly_name: str | None) -> tuple[ApiKey, str | None]: ...

    async def delete(self, sid: str) -> bool: ...

    async def verify(self, sid: str, secret: str) -> bool: ...

    async def count(self, account_sid: str, cap: int) -> Tally: ...
