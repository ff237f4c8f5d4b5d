"""Usage and billing (API v2010): usage records per category, a period's summary, usage triggers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, Field

from skill.records.base import Record


def decimal_of(value: object) -> Decimal:
    """An amount as a Decimal (0 when empty or unreadable); a binary float is taken in its short form,
    since the SDK hands some prices over as floats."""
    if value is None or value == "":
        return Decimal(0)
    try:
        exact = Decimal(str(value))
        return Decimal(repr(float(exact))) if len(exact.as_tuple().digits) > 15 else exact
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _amount_text(value: object) -> object:
    """A number, or text holding one, in its short decimal form; anything else is left for the field to judge."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return value
    try:
        Decimal(str(value))
    except InvalidOperation:
        return value
    return str(decimal_of(value))


# An amount as Twilio writes it (text), also when the SDK handed it over as a number.
Amount = Annotated[str, BeforeValidator(_amount_text)]


class UsageRecord(Record):
    category: str | None = Field(default=None, description="Usage category, e.g. sms, calls.")
    description: str | None = Field(default=None, description="What the category covers.")
    count: Amount | None = Field(default=None, description="Number of items.")
    count_unit: str | None = Field(default=None, description="Unit of count.")
    usage: Amount | None = Field(default=None, description="Amount used.")
    usage_unit: str | None = Field(default=None, description="Unit of usage, e.g. segments, minutes.")
    price: Amount = Field(default="0", description="Price for the period.")
    price_unit: str | None = Field(default=None, description="Currency of the price.")
    start_date: str | None = Field(default=None, description="First day covered.")
    end_date: str | None = Field(default=None, description="Last day covered.")

    @property
    def active(self) -> bool:
        """Whether anything happened in the category (Twilio lists every category, mostly at zero)."""
        return any(decimal_of(value) != 0 for value in (self.count, self.usage, self.price))


class CategoryPrice(Record):
    category: str | None = Field(default=None, description="Usage category.")
    price: str = Field(description="Its price for the period.")


class UsageSummary(Record):
    period: str = Field(description="The named period, or 'custom' for a date range.")
    start_date: str | None = Field(default=None, description="First day covered.")
    end_date: str | None = Field(default=None, description="Last day covered.")
    categories: list[UsageRecord] = Field(description="Categories with activity in the period.")
    top_categories: list[CategoryPrice] = Field(description="The costliest categories, highest first.")
    total_price: str = Field(description="Total price for the period.")
    price_unit: str | None = Field(default=None, description="Currency of the prices.")
    balance: str | None = Field(default=None, description="Current account balance.")
    currency: str | None = Field(default=None, description="Currency of the balance.")


class UsageTrigger(Record):
    sid: str = Field(description="Trigger SID (UT...).")
    friendly_name: str | None = Field(default=None, description="Display name.")
    usage_category: str | None = Field(default=None, description="Category watched.")
    trigger_by: str | None = Field(default=None, description="count, usage or price.")
    trigger_value: Amount | None = Field(default=None, description="Value at which it fires.")
    current_value: Amount | None = Field(default=None, description="Value now.")
    recurring: str | None = Field(default=None, description="daily, monthly, yearly, alltime or none.")
    callback_url: str | None = Field(default=None, description="URL called when it fires.")
    callback_method: str | None = Field(default=None, description="GET or POST.")
    date_fired: str | None = Field(default=None, description="When it last fired.")
    date_created: str | None = Field(default=None, description="When it was created.")
