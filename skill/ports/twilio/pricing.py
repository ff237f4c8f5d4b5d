"""Prices (Pricing v1 and v2) and what Twilio billed, as the core calls them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from skill.records.pricing import BilledTotal, MessagingPrices, NumberPrices, VoicePrices


class PricingPort(Protocol):
    async def messaging_country(self, iso_country: str) -> MessagingPrices: ...

    async def voice_country(self, iso_country: str) -> VoicePrices: ...

    async def number_country(self, iso_country: str) -> NumberPrices: ...

    async def billed(self, day: date) -> BilledTotal:
        """Twilio's usage total for one UTC day, in the account's currency."""
        ...

    async def currency(self) -> str | None:
        """The account's currency as Twilio reports it (the price_unit of its usage)."""
        ...
