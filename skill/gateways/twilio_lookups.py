"""Phone number lookups (Lookup v2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skill.gateways.area import Area
from skill.gateways.twilio_gateway import record

if TYPE_CHECKING:
    from twilio.rest import Client


class Lookups(Area):
    async def fetch(self, phone_number: str, fields: list[str]) -> dict[str, Any]:
        """Lookup v2 for one E.164 number with the given data packages (comma-joined in Fields)."""

        async def op(c: Client) -> dict[str, Any]:
            found = await c.lookups.v2.phone_numbers(phone_number).fetch_async(fields=",".join(fields))
            return record(found)

        return await self.gw.run(op, what="Look up phone number")
