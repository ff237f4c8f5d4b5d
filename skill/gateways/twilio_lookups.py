"""Phone number lookups (Lookup v2)."""

from __future__ import annotations

from typing import Any

from skill.gateways.area import Area
from skill.ports.twilio.lookups import LookupsPort
from skill.records.lookups import CallerNameInfo, LineTypeInfo, Lookup


def lookup_record(raw: dict[str, Any]) -> Lookup:
    """A Lookup from the API's resource; a package's `type` is our `kind`, and only packages that came
    back as objects are kept."""
    line = raw.get("line_type_intelligence")
    cnam = raw.get("caller_name")
    return Lookup.from_api(
        {
            **raw,
            "line_type_intelligence": (
                LineTypeInfo.from_api({**line, "kind": line.get("type")}) if isinstance(line, dict) else None
            ),
            "caller_name": CallerNameInfo.from_api(cnam) if isinstance(cnam, dict) else None,
        }
    )


class Lookups(Area):
    async def fetch(self, phone_number: str, fields: list[str]) -> Lookup:
        """Lookup v2 for one E.164 number with the given data packages (comma-joined in Fields)."""
        raw = await self.one(
            lambda c: c.lookups.v2.phone_numbers(phone_number).fetch_async(fields=",".join(fields)),
            "Look up phone number",
        )
        return lookup_record(raw)


PORT: type[LookupsPort] = Lookups  # mypy proves the gateway answers the port
