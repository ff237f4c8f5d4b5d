"""Phone number lookups (Lookup v2), as the core calls them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.lookups import Lookup


class LookupsPort(Protocol):
    async def fetch(self, phone_number: str, fields: list[str]) -> Lookup: ...
