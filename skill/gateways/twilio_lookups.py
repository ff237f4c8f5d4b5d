"""Phone number lookups (Lookup v2)."""

from __future__ import annotations

from typing import Any

from skill.gateways.area import Area


class Lookups(Area):
    async def fetch(self, phone_number: str, fields: list[str]) -> dict[str, Any]:
        """Lookup v2 for one E.164 number with the given data packages (comma-joined in Fields)."""
        return await self.one(
            lambda c: c.lookups.v2.phone_numbers(phone_number).fetch_async(fields=",".join(fields)),
            "Look up phone number",
        )
