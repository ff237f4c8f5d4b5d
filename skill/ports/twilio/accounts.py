"""Accounts and subaccounts (API v2010), as the core calls them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.accounts import Account, Balance
    from skill.records.page import Page


class AccountsPort(Protocol):
    async def get(self, sid: str | None = None) -> Account: ...

    async def get_balance(self, sid: str | None = None) -> Balance: ...

    async def all(self, *, status: str | None, limit: int) -> list[Account]: ...

    async def list_page(
        self,
        *,
        status: str | None = None,
        friendly_name: str | None = None,
        local: dict[str, object] | None = None,
        limit: int,
        cursor: str | None = None,
        keep: Callable[[Account], bool] | None = None,
        scan: int = 1000,
    ) -> Page[Account]: ...

    async def create(self, friendly_name: str | None) -> Account: ...

    async def set_status(self, sid: str, status: str) -> Account: ...
