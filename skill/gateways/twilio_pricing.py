"""Prices (Pricing v1 and v2) and what Twilio billed (the account's total usage per day)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from skill.gateways.area import Area
from skill.records.pricing import BilledTotal, MessagingPrices, NumberPrices, VoicePrices, decimal_text

TOTAL_CATEGORY = "totalprice"


class Pricing(Area):
    async def messaging_country(self, iso_country: str) -> MessagingPrices:
        raw = await self.one(
            lambda c: c.pricing.v1.messaging.countries(iso_country).fetch_async(), "Fetch messaging prices"
        )
        return MessagingPrices.model_validate(raw)

    async def voice_country(self, iso_country: str) -> VoicePrices:
        raw = await self.one(lambda c: c.pricing.v2.voice.countries(iso_country).fetch_async(), "Fetch voice prices")
        return VoicePrices.model_validate(raw)

    async def number_country(self, iso_country: str) -> NumberPrices:
        raw = await self.one(
            lambda c: c.pricing.v1.phone_numbers.countries(iso_country).fetch_async(), "Fetch phone number prices"
        )
        return NumberPrices.model_validate(raw)

    async def billed(self, day: date) -> BilledTotal:
        """Twilio's usage total for one UTC day, in the account's currency (its price_unit)."""
        rows = await self.many(
            lambda c: self.account(c).usage.records.list_async(
                category=TOTAL_CATEGORY, start_date=day, end_date=day, limit=1
            ),
            "Read the day's usage total",
        )
        row = rows[0] if rows else {}
        return BilledTotal(
            day=day.isoformat(),
            amount=decimal_text(row.get("price")) or str(Decimal(0)),
            currency=str(row.get("price_unit") or "").upper(),
        )

    async def currency(self) -> str | None:
        """The account's currency as Twilio reports it: the price_unit of today's usage total."""
        rows = await self.many(
            lambda c: self.account(c).usage.records.today.list_async(category=TOTAL_CATEGORY, limit=1),
            "Read the account's currency",
        )
        unit = rows[0].get("price_unit") if rows else None
        return str(unit).upper()[:8] if unit else None
