"""Prices from the Pricing API: the math of an estimate, currencies, and the in-memory cache."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import anyio
import pytest

from skill.config import Settings
from skill.core import pricing
from skill.core.context import Services
from skill.errors import InputError, NotFoundError, UpstreamError
from skill.ports.clock import ManualClock
from skill.records.pricing import Estimate, MessagingPrices
from skill.sandbox.app import Sandbox
from skill.sandbox.magic import VALID
from skill.wiring import build_services

pytestmark = pytest.mark.anyio
GB_MOBILE = "+447400123456"
GB_LANDLINE = "+442071838750"
HOST = "pricing.twilio.com"


def pricing_requests(sandbox: Sandbox, path_start: str = "/") -> int:
    return sum(1 for r in sandbox.served if r["host"] == HOST and r["path"].startswith(path_start))


@pytest.fixture
def euro_services(settings: Settings, sandbox: Sandbox, wall_clock: ManualClock, tmp_path: Path) -> Iterator[Services]:
    path = tmp_path / "policy.toml"
    path.write_text('[pricing]\ncurrency = "EUR"\nrates = { "EUR/USD" = "1.25" }\n')
    created = build_services(settings.with_overrides(policy_path=path), sandbox=sandbox, clock=wall_clock)
    yield created
    created.stores.close()


def test_money_keeps_up_to_six_decimals_and_at_least_two() -> None:
    assert pricing.money(Decimal("0.02490000")) == "0.0249"
    assert pricing.money(Decimal(2)) == "2.00"
    assert pricing.money(Decimal("0.00000049")) == "0.00"
    assert pricing.money(Decimal("1.0000005")) == "1.000001"


async def test_an_sms_estimate_is_the_segment_price_times_segments_times_recipients(services: Services) -> None:
    estimate = await pricing.message_price(services, GB_MOBILE, segments=3, recipients=2)
    assert estimate.amount == "0.3144"  # 0.0524 (dearest GB carrier) x 3 x 2
    assert estimate.currency == "USD" and estimate.estimate is True
    assert estimate.basis.startswith("per segment x 3 segments x 2 recipients, at 0.0524 USD")
    single = await pricing.message_price(services, VALID)
    assert single.amount == "0.0083"
    assert "1 segment x 1 recipient" in single.basis


async def test_a_named_carrier_is_priced_at_its_own_rate_and_an_unknown_one_at_the_dearest(services: Services) -> None:
    assert (await pricing.message_price(services, GB_MOBILE, carrier="Three")).amount == "0.0463"
    assert (await pricing.message_price(services, GB_MOBILE, carrier="234-10")).amount == "0.0498"
    unknown = await pricing.message_price(services, GB_MOBILE, carrier="Nobody Mobile")
    assert unknown.amount == "0.0524"
    assert "carrier not found" in unknown.basis


def test_the_sending_numbers_kind_picks_its_price_and_an_unlisted_or_unreadable_one_the_dearest() -> None:
    prices = MessagingPrices.model_validate(
        {
            "iso_country": "XX",
            "outbound_sms_prices": [
                {
                    "carrier": "One",
                    "prices": [
                        {"number_type": "local", "current_price": "0.01"},
                        {"number_type": "shortcode", "current_price": "0.03"},
                        {"number_type": "toll free", "current_price": "not a price"},
                        {"number_type": "mobile", "current_price": "-5", "base_price": "Infinity"},
                    ],
                    "unknown_field_twilio_may_add": True,
                }
            ],
        }
    )
    assert pricing.sms_unit_price(prices, sender_kind="local")[0] == Decimal("0.01")
    assert pricing.sms_unit_price(prices, sender_kind="shortcode")[0] == Decimal("0.03")
    assert pricing.sms_unit_price(prices, sender_kind="toll_free")[0] == Decimal("0.03")  # unreadable: dearest
    assert pricing.sms_unit_price(prices, sender_kind="mobile")[0] == Decimal("0.03")  # negative, infinite: unread
    assert pricing.sms_unit_price(prices)[0] == Decimal("0.03")


async def test_a_call_is_priced_at_the_longest_matching_destination_prefix(services: Services) -> None:
    mobile = await pricing.call_price(services, GB_MOBILE, minutes=2)
    assert mobile.amount == "0.079"
    assert "prefix +447" in mobile.basis and "2 minutes" in mobile.basis
    assert (await pricing.call_price(services, GB_LANDLINE)).amount == "0.014"
    assert (await pricing.call_price(services, "+19075550123")).amount == "0.09"  # Alaska, over the +1 rate


async def test_a_number_is_priced_per_month_by_country_and_kind(services: Services) -> None:
    mobile = await pricing.number_monthly_price(services, "de", "mobile")
    assert (mobile.amount, mobile.currency, mobile.basis) == ("20.00", "USD", "per month, mobile number in DE")
    assert (await pricing.number_monthly_price(services, "US", "toll_free")).amount == "2.15"
    with pytest.raises(NotFoundError) as missing:
        await pricing.number_monthly_price(services, "US", "mobile")
    assert missing.value.code == "not_found.price"
    with pytest.raises(InputError) as bad:
        await pricing.number_monthly_price(services, "USA", "local")
    assert bad.value.code == "input.invalid_country"


async def test_a_destination_twilio_lists_no_price_for_is_not_found(services: Services) -> None:
    with pytest.raises(NotFoundError) as missing:
        await pricing.message_price(services, "+5511987654321")  # Brazil: not in the sandbox's lists
    assert missing.value.code == "not_found.price"
    with pytest.raises(InputError) as invalid:
        await pricing.message_price(services, "12345")
    assert invalid.value.code == "input.invalid_phone"


def test_conversion_uses_a_rate_in_either_direction_and_says_so() -> None:
    usd = Estimate(amount="2.00", currency="USD", basis="per month")
    forward = pricing.convert(usd, "EUR", {("USD", "EUR"): Decimal("0.92")})
    assert (forward.amount, forward.currency) == ("1.84", "EUR")
    assert forward.note == "converted from 2.00 USD at 0.92 EUR per USD"
    backward = pricing.convert(usd, "EUR", {("EUR", "USD"): Decimal("1.25")})
    assert (backward.amount, backward.currency) == ("1.60", "EUR")
    assert pricing.convert(usd, "usd", {}) == usd


def test_without_a_rate_the_amount_stays_in_its_own_currency_with_a_note() -> None:
    usd = Estimate(amount="2.00", currency="USD", basis="per month")
    kept = pricing.convert(usd, "JPY", {("USD", "EUR"): Decimal("0.92")})
    assert (kept.amount, kept.currency) == ("2.00", "USD")
    assert kept.note is not None and "no USD/JPY rate" in kept.note and "left in USD" in kept.note
    assert "no USD/JPY rate" in pricing.as_cost(kept).basis


async def test_estimates_come_in_the_accounts_currency(euro_services: Services) -> None:
    estimate = await pricing.message_price(euro_services, VALID, segments=2)
    assert (estimate.amount, estimate.currency) == ("0.01328", "EUR")  # 0.0166 USD / 1.25
    assert estimate.note == "converted from 0.0166 USD at 0.80 EUR per USD"


async def test_the_accounts_currency_is_the_one_twilio_reports_unless_the_policy_names_one(
    services: Services, euro_services: Services
) -> None:
    assert await pricing.account_currency(services) == "USD"  # the sandbox bills in usd
    assert await pricing.account_currency(euro_services) == "EUR"


def test_an_estimate_becomes_the_cost_of_an_approvals_impact() -> None:
    cost = pricing.as_cost(Estimate(amount="1.15", currency="USD", basis="per month, local number in US"))
    assert cost.text() == "about 1.15 USD per month, local number in US"
    assert cost.estimate is True


async def test_a_price_list_is_fetched_once_while_fresh_and_again_after(
    services: Services, sandbox: Sandbox, wall_clock: ManualClock
) -> None:
    sandbox.record_responses = True
    for _ in range(3):
        await pricing.message_price(services, GB_MOBILE)
    assert pricing_requests(sandbox, "/v1/Messaging") == 1
    wall_clock.advance(services.policy.pricing.cache_seconds)
    await pricing.message_price(services, GB_MOBILE)
    assert pricing_requests(sandbox, "/v1/Messaging") == 2


async def test_parallel_asks_for_one_list_make_one_request(services: Services, sandbox: Sandbox) -> None:
    sandbox.record_responses = True
    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(pricing.message_price, services, VALID)
    assert pricing_requests(sandbox, "/v1/Messaging") == 1


async def test_the_cache_holds_a_bounded_number_of_lists(services: Services, sandbox: Sandbox) -> None:
    book = pricing.PriceBook(services.twilio.pricing, services.clock, ttl_seconds=3600, max_entries=2)
    sandbox.record_responses = True
    for iso in ("US", "GB", "FR"):
        await book.messaging(iso)
    assert len(book) == 2
    await book.messaging("FR")
    assert pricing_requests(sandbox) == 3  # FR was still held
    await book.messaging("US")
    assert pricing_requests(sandbox) == 4  # US, the least recently used, had been dropped


async def test_a_failed_fetch_is_not_kept(services: Services, sandbox: Sandbox) -> None:
    sandbox.faults.queue = ["500"] * 5  # reads are retried: fail every attempt
    with pytest.raises(UpstreamError) as failed:
        await pricing.message_price(services, VALID)
    assert failed.value.http_status == 500
    sandbox.faults.queue = []
    assert (await pricing.message_price(services, VALID)).amount == "0.0083"
