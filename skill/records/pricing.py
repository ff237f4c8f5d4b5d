"""Published prices as Twilio's Pricing API lists them, the estimates made from them, and the spend
kept against the policy's caps.

Prices travel as decimal strings ("0.0083"), never binary floats. A price list from Twilio is
bounded and checked here: a price that is not a non-negative decimal reads as unknown (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from skill.records.base import Record

MAX_TEXT = 200
MAX_PRICE = Decimal(1_000_000)
MAX_ROWS = 2000  # carriers or prefixes of one country; Twilio's largest lists are a few hundred


def decimal_text(value: Any) -> str | None:
    """A price from the API as a plain decimal string, or None when it is not one we can trust."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > MAX_PRICE:
        return None
    if len(number.as_tuple().digits) > 15:
        number = Decimal(repr(float(number)))  # a binary float from the SDK: its short form is what was sent
    return f"{number:f}"


def _text(value: Any) -> str | None:
    return str(value)[:MAX_TEXT] if value is not None else None


def _rows(items: list[Any]) -> list[Any]:
    return items[:MAX_ROWS]


def _codes(items: list[Any]) -> list[str]:
    return [str(item)[:16] for item in items[:MAX_ROWS]]


PriceText = Annotated[str | None, BeforeValidator(decimal_text)]
Text = Annotated[str | None, BeforeValidator(_text)]


class Listed(Record):
    """A row inside a price list: unknown keys Twilio may add are ignored, not refused."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class TypePrice(Listed):
    """A price per kind of Twilio number (local, mobile, toll free, shortcode)."""

    number_type: Text = None
    base_price: PriceText = None
    current_price: PriceText = None

    @property
    def price(self) -> Decimal | None:
        text = self.current_price or self.base_price
        return Decimal(text) if text is not None else None


class CarrierPrices(Listed):
    """What one carrier's subscribers cost to message, per kind of sending number."""

    carrier: Text = None
    mcc: Text = None
    mnc: Text = None
    prices: Annotated[list[TypePrice], AfterValidator(_rows)] = Field(default_factory=list)


class PrefixPrice(Listed):
    """The per-minute price of calls to numbers starting with one of the destination prefixes."""

    destination_prefixes: Annotated[list[str], AfterValidator(_codes)] = Field(default_factory=list)
    origination_prefixes: Annotated[list[str], AfterValidator(_codes)] = Field(default_factory=list)
    base_price: PriceText = None
    current_price: PriceText = None
    friendly_name: Text = None

    @property
    def price(self) -> Decimal | None:
        text = self.current_price or self.base_price
        return Decimal(text) if text is not None else None


class PriceList(Listed):
    country: Text = None
    iso_country: Text = None
    price_unit: Text = None

    @property
    def currency(self) -> str:
        return (self.price_unit or "USD").upper()


class MessagingPrices(PriceList):
    """Pricing v1 Messaging Countries/{IsoCountry}: outbound SMS per carrier, inbound per number kind."""

    outbound_sms_prices: Annotated[list[CarrierPrices], AfterValidator(_rows)] = Field(default_factory=list)
    inbound_sms_prices: Annotated[list[TypePrice], AfterValidator(_rows)] = Field(default_factory=list)


class VoicePrices(PriceList):
    """Pricing v2 Voice Countries/{IsoCountry}: outbound per destination prefix, inbound per number kind."""

    outbound_prefix_prices: Annotated[list[PrefixPrice], AfterValidator(_rows)] = Field(default_factory=list)
    inbound_call_prices: Annotated[list[TypePrice], AfterValidator(_rows)] = Field(default_factory=list)


class NumberPrices(PriceList):
    """Pricing v1 PhoneNumbers Countries/{IsoCountry}: the monthly price per kind of number."""

    phone_number_prices: Annotated[list[TypePrice], AfterValidator(_rows)] = Field(default_factory=list)


class BilledTotal(Record):
    """What Twilio's usage records bill for one day, all categories together."""

    day: str
    amount: str
    currency: str


class Estimate(Record):
    amount: str = Field(description="Decimal amount, e.g. '0.0249'.")
    currency: str = Field(description="ISO currency code, e.g. 'USD'.")
    basis: str = Field(description="How it was worked out, e.g. 'per segment x 3 segments x 1 recipient'.")
    estimate: bool = Field(default=True, description="True: from published prices, not a bill.")
    note: str | None = Field(default=None, description="A caveat, e.g. no exchange rate to the account's currency.")

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)


# Published prices of one country, flat (no docstring: it would become schema text of pricing_get).
class CountryPrices(Record):
    sid: str = Field(description="ISO country code: Pricing keeps its prices per country.")
    country: str | None = Field(default=None, description="Country name.")
    currency: str = Field(description="Currency of every price here.")
    sms_outbound_high: str | None = Field(default=None, description="Per SMS segment sent, dearest carrier.")
    sms_outbound_low: str | None = Field(default=None, description="Per SMS segment sent, cheapest carrier.")
    sms_inbound: str | None = Field(default=None, description="Per SMS segment received.")
    voice_outbound_high: str | None = Field(default=None, description="Per minute called, dearest prefix.")
    voice_outbound_low: str | None = Field(default=None, description="Per minute called, cheapest prefix.")
    voice_inbound: str | None = Field(default=None, description="Per minute received on a local number.")
    number_local: str | None = Field(default=None, description="Per month, local number.")
    number_mobile: str | None = Field(default=None, description="Per month, mobile number.")
    number_toll_free: str | None = Field(default=None, description="Per month, toll-free number.")
    note: str | None = Field(default=None, description="Caveats: prices missing or not converted.")


@dataclass(frozen=True)
class SpendTotals:
    """Spend of one profile so far, in the account's currency: on `day` (UTC) and in its month."""

    day: str
    today: Decimal
    month: Decimal


@dataclass(frozen=True)
class Reconciled:
    """A past day's estimated spend replaced by what Twilio billed for it."""

    day: str
    estimated: Decimal
    billed: Decimal
    currency: str
