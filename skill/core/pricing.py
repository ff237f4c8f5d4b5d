"""Prices, from one place: Twilio's Pricing API (Messaging and PhoneNumbers v1, Voice v2), kept in
memory per server for a bounded time and turned into estimates in the account's currency.

Every figure comes back as an `Estimate`: an amount, its currency, the basis it was worked out on
("per segment x 3 segments x 1 recipient, at 0.0083 USD ...") and a note for caveats. Callers
writing an approval's impact turn one into a `Cost` with `as_cost`.

    number_monthly_price(services, country, kind)           a number of a country and kind, per month
    message_price(services, to, segments=, recipients=)     SMS to a destination
    call_price(services, to, minutes=)                      a call to a destination
    country_prices(services, country)                       every published price of a country, flat
    account_currency(services)                              the currency the account is billed in
    convert(estimate, currency, rates)                      an estimate in another currency, if a rate is known
    as_cost(estimate)                                       the approvals Cost record
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio

from skill.core import phones
from skill.errors import InputError, NotFoundError, UpstreamError
from skill.records.approvals import Cost
from skill.records.pricing import (
    CountryPrices,
    Estimate,
    MessagingPrices,
    NumberPrices,
    PrefixPrice,
    TypePrice,
    VoicePrices,
)

if TYPE_CHECKING:
    from skill.core.context import Services
    from skill.ports.clock import Clock
    from skill.ports.twilio.pricing import PricingPort

T = TypeVar("T")
NumberKind = Literal["local", "mobile", "toll_free"]
# Our kinds of number -> Twilio's number_type in price lists.
NUMBER_TYPES: dict[str, str] = {"local": "local", "mobile": "mobile", "toll_free": "toll free"}
MAX_ENTRIES = 512
CENTS = Decimal("0.000001")


def money(value: Decimal) -> str:
    """An amount as text: at most six decimals, at least two ("2.00", "0.0249")."""
    text = f"{value.quantize(CENTS, rounding=ROUND_HALF_UP):f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _join(*notes: str | None) -> str | None:
    kept = [note for note in notes if note]
    return "; ".join(kept) if kept else None


class PriceBook:
    """Price lists per country and the account's currency, fetched once and kept for `ttl_seconds`
    (at most `max_entries` lists, least recently used dropped first). Concurrent asks for the same
    list wait for one request."""

    def __init__(self, source: PricingPort, clock: Clock, ttl_seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.source = source
        self.clock = clock
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[float, Any]] = OrderedDict()
        self._locks: dict[tuple[str, str], anyio.Lock] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, key: tuple[str, str]) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None or self.clock.now() - entry[0] >= self.ttl_seconds:
            return False, None
        self._entries.move_to_end(key)
        return True, entry[1]

    async def _get(self, key: tuple[str, str], fetch: Callable[[], Awaitable[T]]) -> T:
        found, value = self._fresh(key)
        if found:
            return value  # type: ignore[no-any-return]
        lock = self._locks.setdefault(key, anyio.Lock())
        async with lock:
            found, value = self._fresh(key)
            if found:
                return value  # type: ignore[no-any-return]
            fetched = await fetch()  # a failure is not kept: the next ask tries again
            self._entries[key] = (self.clock.now(), fetched)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        self._locks.pop(key, None)
        return fetched

    async def messaging(self, iso_country: str) -> MessagingPrices:
        return await self._get(("messaging", iso_country), lambda: self.source.messaging_country(iso_country))

    async def voice(self, iso_country: str) -> VoicePrices:
        return await self._get(("voice", iso_country), lambda: self.source.voice_country(iso_country))

    async def numbers(self, iso_country: str) -> NumberPrices:
        return await self._get(("numbers", iso_country), lambda: self.source.number_country(iso_country))

    async def currency(self) -> str | None:
        return await self._get(("currency", ""), self.source.currency)


def iso_country(country: str) -> str:
    """Raises:
    InputError: input.invalid_country when it is not a two-letter ISO code.
    """
    code = country.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise InputError(
            f"{country[:20]!r} is not an ISO country code.",
            code="input.invalid_country",
            remediation=["Pass the two-letter ISO 3166 code of the country, e.g. US, GB, FR."],
        )
    return code


def destination(services: Services, to: str) -> tuple[str, str]:
    """(E.164 number, ISO country) of a destination; a channel prefix (whatsapp:) is dropped.

    Raises:
        InputError: not a valid phone number, or its country cannot be told.
    """
    region = services.settings.default_region
    number = phones.bare_number(phones.normalize_address(to, region=region, field="to"))
    country = phones.region_of(number, region)
    if country is None:
        raise phones.invalid_phone(to, "to", region, "its country cannot be told")
    return number, country


def _no_price(what: str, country: str) -> NotFoundError:
    return NotFoundError(
        f"Twilio publishes no {what} for {country}.",
        code="not_found.price",
        remediation=[
            "Check the country code; pricing_get shows what Twilio lists for a country.",
            "Twilio's pricing pages (twilio.com/en-us/pricing) list prices the Pricing API leaves out.",
        ],
    )


async def _listed(fetch: Awaitable[T], what: str, country: str) -> T:
    """Raises:
    NotFoundError: not_found.price when Twilio has no such list (404).
    UpstreamError: the Pricing API failed.
    """
    try:
        return await fetch
    except UpstreamError as exc:
        if exc.http_status == 404:
            raise _no_price(what, country) from None
        raise


def exchange_rate(source: str, target: str, rates: Mapping[tuple[str, str], Decimal]) -> Decimal | None:
    """How many `target` one `source` is worth, from the configured rates (either direction)."""
    if source == target:
        return Decimal(1)
    if (source, target) in rates:
        return rates[(source, target)]
    if (target, source) in rates:
        return Decimal(1) / rates[(target, source)]
    return None


def convert(estimate: Estimate, currency: str | None, rates: Mapping[tuple[str, str], Decimal]) -> Estimate:
    """The estimate in `currency` when a rate is known; else unchanged, with a note saying so."""
    source = estimate.currency.upper()
    target = (currency or source).upper()
    rate = exchange_rate(source, target, rates)
    if target == source:
        return estimate
    if rate is None:
        note = f"no {source}/{target} rate in the policy's [pricing] rates, so left in {source}"
        return estimate.model_copy(update={"note": _join(estimate.note, note)})
    note = f"converted from {estimate.amount} {source} at {money(rate)} {target} per {source}"
    return estimate.model_copy(
        update={"amount": money(estimate.value * rate), "currency": target, "note": _join(estimate.note, note)}
    )


async def account_currency(services: Services) -> str | None:
    """The account's currency: the policy's [pricing] currency, else the price_unit Twilio reports for
    the account's usage; None when neither is known."""
    configured = services.policy.pricing.currency
    if configured:
        return configured
    try:
        return await services.prices.currency()
    except UpstreamError:
        return None


async def in_account_currency(services: Services, estimate: Estimate) -> Estimate:
    """The estimate converted to the account's currency where a rate is known (see `convert`)."""
    currency = await account_currency(services)
    if currency is None:
        return estimate.model_copy(update={"note": _join(estimate.note, "the account's currency is unknown")})
    return convert(estimate, currency, services.policy.pricing.rates)


def as_cost(estimate: Estimate) -> Cost:
    """The estimate as the Cost of an approval's impact (its note kept in the basis)."""
    basis = estimate.basis + (f" ({estimate.note})" if estimate.note else "")
    return Cost(amount=estimate.amount, currency=estimate.currency, basis=basis, estimate=estimate.estimate)


def _type_prices(rows: list[TypePrice], number_type: str | None) -> list[Decimal]:
    matching = [row.price for row in rows if number_type and (row.number_type or "").lower() == number_type]
    chosen = matching if any(price is not None for price in matching) else [row.price for row in rows]
    return [price for price in chosen if price is not None]


def _carrier_matches(name: str, row: Any) -> bool:
    wanted = name.strip().lower()
    codes = {f"{row.mcc}-{row.mnc}", f"{row.mcc}/{row.mnc}", f"{row.mcc}{row.mnc}"}
    return wanted == (row.carrier or "").lower() or wanted in codes


def sms_unit_price(
    prices: MessagingPrices, *, sender_kind: str | None = None, carrier: str | None = None
) -> tuple[Decimal, str]:
    """The per-segment price of an SMS to a country and how it was chosen: the carrier's when named
    (a name or MCC-MNC), else the dearest carrier's; the sending number's kind when known, else the
    dearest kind.

    Raises:
        NotFoundError: not_found.price when the list has no outbound price.
    """
    rows = prices.outbound_sms_prices
    named = [row for row in rows if carrier and _carrier_matches(carrier, row)]
    chosen = named or rows
    kind = NUMBER_TYPES.get(sender_kind or "", sender_kind)
    candidates = [(price, row) for row in chosen for price in _type_prices(row.prices, kind)]
    if not candidates:
        raise _no_price("outbound SMS price", prices.iso_country or "this country")
    price, row = max(candidates, key=lambda item: item[0])
    if named:
        which = f"carrier {row.carrier or row.mcc}"
    else:
        which = f"dearest of {_plural(len(rows), 'carrier')}" + (" (carrier not found)" if carrier else "")
    return price, which


def voice_unit_price(prices: VoicePrices, number: str) -> tuple[Decimal, str]:
    """The per-minute price of a call to an E.164 number: the longest matching destination prefix,
    the dearest when several match it or none does.

    Raises:
        NotFoundError: not_found.price when the list has no outbound price.
    """
    digits = number.lstrip("+")
    priced = [(row, row.price) for row in prices.outbound_prefix_prices if row.price is not None]
    if not priced:
        raise _no_price("outbound voice price", prices.iso_country or "this country")

    def longest(row: PrefixPrice) -> int:
        return max((len(prefix) for prefix in row.destination_prefixes if digits.startswith(prefix)), default=0)

    best = max(longest(row) for row, _ in priced)
    matched = [(row, price) for row, price in priced if best and longest(row) == best]
    row, price = max(matched or priced, key=lambda item: item[1] or Decimal(0))
    which = f"prefix +{digits[:best]}" if matched else "dearest prefix (none matched)"
    return price or Decimal(0), which + (f", {row.friendly_name}" if row.friendly_name else "")


async def message_price(
    services: Services,
    to: str,
    *,
    segments: int = 1,
    recipients: int = 1,
    sender_kind: str | None = None,
    carrier: str | None = None,
) -> Estimate:
    """Outbound SMS to `to`: per-segment price x segments x recipients, in the account's currency.

    Raises:
        InputError: `to` is not a valid phone number.
        NotFoundError: not_found.price when Twilio lists no SMS price for its country.
        UpstreamError: the Pricing API failed.
    """
    _, country = destination(services, to)
    prices = await _listed(services.prices.messaging(country), "SMS prices", country)
    unit, which = sms_unit_price(prices, sender_kind=sender_kind, carrier=carrier)
    basis = (
        f"per segment x {_plural(segments, 'segment')} x {_plural(recipients, 'recipient')}, "
        f"at {money(unit)} {prices.currency} ({which} in {country})"
    )
    estimate = Estimate(amount=money(unit * segments * recipients), currency=prices.currency, basis=basis)
    return await in_account_currency(services, estimate)


async def call_price(services: Services, to: str, *, minutes: int = 1) -> Estimate:
    """An outbound call to `to`: per-minute price x minutes, in the account's currency.

    Raises:
        InputError: `to` is not a valid phone number.
        NotFoundError: not_found.price when Twilio lists no voice price for its country.
        UpstreamError: the Pricing API failed.
    """
    number, country = destination(services, to)
    prices = await _listed(services.prices.voice(country), "voice prices", country)
    unit, which = voice_unit_price(prices, number)
    basis = f"per minute x {_plural(minutes, 'minute')}, at {money(unit)} {prices.currency} ({which})"
    estimate = Estimate(amount=money(unit * minutes), currency=prices.currency, basis=basis)
    return await in_account_currency(services, estimate)


async def number_monthly_price(services: Services, country: str, kind: NumberKind) -> Estimate:
    """A phone number of a country and kind (local, mobile, toll_free), per month, in the account's currency.

    Raises:
        InputError: not an ISO country code, or an unknown kind.
        NotFoundError: not_found.price when Twilio lists no such number for the country.
        UpstreamError: the Pricing API failed.
    """
    code = iso_country(country)
    number_type = NUMBER_TYPES.get(kind)
    if number_type is None:
        raise InputError(
            f"{kind!r} is not a kind of number.",
            code="input.invalid",
            remediation=["Use local, mobile or toll_free."],
        )
    prices = await _listed(services.prices.numbers(code), "phone number prices", code)
    found = [row.price for row in prices.phone_number_prices if (row.number_type or "").lower() == number_type]
    price = next((value for value in found if value is not None), None)
    if price is None:
        raise _no_price(f"{number_type} number price", code)
    estimate = Estimate(
        amount=money(price), currency=prices.currency, basis=f"per month, {number_type} number in {code}"
    )
    return await in_account_currency(services, estimate)


async def _optional(fetch: Awaitable[T], what: str, country: str, missing: list[str]) -> T | None:
    try:
        return await _listed(fetch, what, country)
    except NotFoundError:
        missing.append(what)
        return None


async def country_prices(services: Services, country: str) -> CountryPrices:
    """Messaging, voice and number prices of a country, flat, in the account's currency where a rate is known.

    Raises:
        InputError: not an ISO country code.
        NotFoundError: not_found.price when Twilio lists no price at all for the country.
        UpstreamError: the Pricing API failed.
    """
    code = iso_country(country)
    missing: list[str] = []
    sms = await _optional(services.prices.messaging(code), "messaging", code, missing)
    voice = await _optional(services.prices.voice(code), "voice", code, missing)
    numbers = await _optional(services.prices.numbers(code), "numbers", code, missing)
    lists = [item for item in (sms, voice, numbers) if item is not None]
    if not lists:
        raise _no_price("prices", code)
    source = lists[0].currency
    target = (await account_currency(services)) or source
    rate = exchange_rate(source, target, services.policy.pricing.rates)
    shown = target if rate is not None else source

    def text(values: list[Decimal], pick: Callable[[list[Decimal]], Decimal] = max) -> str | None:
        return money(pick(values) * (rate or Decimal(1))) if values else None

    outbound_sms = [p for row in (sms.outbound_sms_prices if sms else []) for p in _type_prices(row.prices, None)]
    outbound_voice = [row.price for row in (voice.outbound_prefix_prices if voice else []) if row.price is not None]

    def typed(rows: list[TypePrice], number_type: str) -> str | None:
        return text(
            [row.price for row in rows if (row.number_type or "").lower() == number_type and row.price is not None]
        )

    number_rows = numbers.phone_number_prices if numbers else []
    notes = [f"Twilio lists no {', '.join(missing)} prices for {code}" if missing else None]
    if rate is None:
        notes.append(f"no {source}/{target} rate in the policy's [pricing] rates, so shown in {source}")
    return CountryPrices(
        sid=code,
        country=next((item.country for item in lists if item.country), None),
        currency=shown,
        sms_outbound_high=text(outbound_sms),
        sms_outbound_low=text(outbound_sms, min),
        sms_inbound=text(_type_prices(sms.inbound_sms_prices, "local") if sms else []),
        voice_outbound_high=text(outbound_voice),
        voice_outbound_low=text(outbound_voice, min),
        voice_inbound=text(_type_prices(voice.inbound_call_prices, "local") if voice else []),
        number_local=typed(number_rows, "local"),
        number_mobile=typed(number_rows, "mobile"),
        number_toll_free=typed(number_rows, "toll free"),
        note=_join(*notes),
    )
