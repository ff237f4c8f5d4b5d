"""Spend of SEND calls, against the policy's daily and monthly caps: what one call is estimated to
cost, and past days' estimates replaced by what Twilio billed.

Each SEND tool has an estimator in ESTIMATORS, keyed by its name (a test keeps the table in step
with the registry). Estimates are in the account's currency; what the Pricing API does not list
(MMS, Verify's fee, email, Lookup, calls to apps) comes from the policy's [pricing] figures or
Twilio's published list prices, in USD, and is converted like any published price.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from skill.core import pricing
from skill.core.phones import SHORT_CODE
from skill.core.pricing import money
from skill.core.segments import analyze
from skill.errors import InputError, PolicyError
from skill.records.pricing import Estimate, Reconciled, SpendTotals

if TYPE_CHECKING:
    from skill.core.context import Services

# Twilio's published list prices (USD) for what the Pricing API does not cover.
APP_CALL_MINUTE = Decimal("0.0040")  # a call to a Voice SDK client or a SIP endpoint
LOOKUP_PRICES: dict[str, Decimal] = {"line_type_intelligence": Decimal("0.008"), "caller_name": Decimal("0.01")}
NORTH_AMERICA_TOLL_FREE = ("+1800", "+1833", "+1844", "+1855", "+1866", "+1877", "+1888")
MAX_RECONCILE_DAYS = 62

Estimator = Callable[["Services", dict[str, Any]], Awaitable[Estimate]]


def _uncomparable(reason: str) -> PolicyError:
    return PolicyError(
        f"The cost of this call cannot be counted against the spend caps: {reason}.",
        code="policy.spend_unknown",
        remediation=[
            "An operator can approve the call, or add the missing rate under [pricing] rates in the policy file.",
        ],
    )


async def _listed_usd(services: Services, amount: Decimal, basis: str) -> Estimate:
    return await pricing.in_account_currency(services, Estimate(amount=money(amount), currency="USD", basis=basis))


def _sum(first: Estimate, second: Estimate) -> Estimate:
    """Raises:
    PolicyError: policy.spend_unknown when the two are in different currencies.
    """
    if first.currency != second.currency:
        raise _uncomparable(f"its parts are in {first.currency} and {second.currency}")
    note = "; ".join(note for note in (first.note, second.note) if note) or None
    return Estimate(
        amount=money(first.value + second.value), currency=first.currency, basis=f"{first.basis} + {second.basis}",
        note=note,
    )  # fmt: skip


def sender_kind(sender: object) -> str | None:
    """The kind of number a message goes out from, as price lists name it; None when unknown."""
    if not isinstance(sender, str) or not sender:
        return None
    if SHORT_CODE.match(sender):
        return "shortcode"
    if sender.startswith(NORTH_AMERICA_TOLL_FREE):
        return "toll free"
    return "local" if sender.startswith("+") else None


async def _message_send(services: Services, args: dict[str, Any]) -> Estimate:
    to = str(args.get("to") or "")
    if args.get("media_urls"):
        # MMS is billed per message, and the Pricing API lists SMS only.
        return await _listed_usd(services, services.policy.pricing.mms_price, "per MMS message ([pricing] mms_price)")
    body = str(args.get("body") or "")
    segments = analyze(body).segments if body else 1
    estimate = await pricing.message_price(
        services, to, segments=max(segments, 1), sender_kind=sender_kind(args.get("from"))
    )
    if to.lower().startswith("whatsapp:"):
        return estimate.model_copy(update={"basis": f"WhatsApp counted as SMS: {estimate.basis}"})
    return estimate


async def _call_create(services: Services, args: dict[str, Any]) -> Estimate:
    to = str(args.get("to") or "")
    minutes = services.policy.pricing.call_minutes
    if to.lower().startswith(("client:", "sip:")):
        basis = f"per minute x {minutes} minutes ([pricing] call_minutes), at Twilio's client and SIP rate"
        return await _listed_usd(services, APP_CALL_MINUTE * minutes, basis)
    estimate = await pricing.call_price(services, to, minutes=minutes)
    return estimate.model_copy(update={"basis": f"{estimate.basis}; length assumed ([pricing] call_minutes)"})


async def _verification_start(services: Services, args: dict[str, Any]) -> Estimate:
    # The Pricing API lists no Verify prices: the policy's figure, plus the message or call it sends.
    fee = await _listed_usd(
        services, services.policy.pricing.verification_price, "Verify fee ([pricing] verification_price)"
    )
    channel, to = args.get("channel") or "sms", str(args.get("to") or "")
    if channel in ("sms", "whatsapp"):
        return _sum(fee, await pricing.message_price(services, to, segments=1))
    if channel == "call":
        return _sum(fee, await pricing.call_price(services, to, minutes=1))
    return fee


async def _email_send(services: Services, args: dict[str, Any]) -> Estimate:
    recipients = sum(len(args.get(field) or []) for field in ("to", "cc", "bcc"))
    price = services.policy.pricing.email_price
    return await _listed_usd(services, price * recipients, f"per recipient ([pricing] email_price) x {recipients}")


async def _number_lookup(services: Services, args: dict[str, Any]) -> Estimate:
    fields = [str(name) for name in args.get("fields") or ["line_type_intelligence"]]
    amount = sum((LOOKUP_PRICES.get(name, max(LOOKUP_PRICES.values())) for name in fields), Decimal(0))
    return await _listed_usd(services, amount, f"per lookup of {', '.join(fields)}, Twilio's list price")


async def _studio_execution_start(services: Services, args: dict[str, Any]) -> Estimate:
    estimate = await pricing.message_price(services, str(args.get("to") or ""), segments=1)
    return estimate.model_copy(update={"basis": f"assumed: the flow sends one SMS segment; {estimate.basis}"})


async def _bulk_send_create(services: Services, args: dict[str, Any]) -> Estimate:
    # A bulk job is counted message by message as it goes out; this is the whole job's estimate.
    from skill.core.bulk_jobs import make_report, request_from_args

    _, report, _ = await make_report(services, request_from_args(args))
    if report.cost is None:
        raise _uncomparable(report.cost_note or "no price is published for its destinations")
    return report.cost


ESTIMATORS: dict[str, Estimator] = {
    "message_send": _message_send,
    "call_create": _call_create,
    "verification_start": _verification_start,
    "email_send": _email_send,
    "number_lookup": _number_lookup,
    "studio_execution_start": _studio_execution_start,
    "bulk_send_create": _bulk_send_create,
}


async def estimate_call(services: Services, tool: str, args: dict[str, Any]) -> Estimate:
    """What one SEND call is estimated to cost, in the account's currency.

    Raises:
        PolicyError: policy.spend_unknown when the tool has no estimator or the estimate cannot be
            expressed in the account's currency.
        InputError, NotFoundError, UpstreamError: as the pricing functions.
    """
    estimator = ESTIMATORS.get(tool)
    if estimator is None:
        raise _uncomparable(f"no estimate is defined for {tool}")
    estimate = await estimator(services, args)
    currency = await pricing.account_currency(services)
    if currency is not None and estimate.currency != currency:
        raise _uncomparable(f"it is estimated in {estimate.currency} and the account is billed in {currency}")
    return estimate


@dataclass(frozen=True)
class SpendStatus:
    """Spend so far against the caps, in the account's currency."""

    totals: SpendTotals
    per_day: Decimal | None
    per_month: Decimal | None
    currency: str | None


async def spend_status(services: Services) -> SpendStatus:
    policy = services.policy
    return SpendStatus(
        totals=services.stores.spend.totals(services.profile),
        per_day=policy.spend_per_day,
        per_month=policy.spend_per_month,
        currency=await pricing.account_currency(services),
    )


def utc_today(services: Services) -> date:
    return datetime.fromtimestamp(services.clock.now(), UTC).date()


async def reconcile_day(services: Services, day: date) -> Reconciled:
    """Replace the spend estimated for a past UTC day with the total of Twilio's usage records for it.

    Raises:
        InputError: input.invalid_day when the day has not ended yet.
        PolicyError: policy.spend_unknown when Twilio bills in a currency the caps cannot take.
        UpstreamError: the usage records could not be read.
    """
    if day >= utc_today(services):
        raise InputError(
            f"{day.isoformat()} has not ended yet (UTC), so Twilio's usage for it is not final.",
            code="input.invalid_day",
            remediation=["Reconcile a day before today (UTC); today's spend stays an estimate until then."],
        )
    billed = await services.twilio.pricing.billed(day)
    currency = (await pricing.account_currency(services)) or billed.currency
    amount = Decimal(billed.amount)
    if billed.currency and billed.currency != currency:
        rate = pricing.exchange_rate(billed.currency, currency, services.policy.pricing.rates)
        if rate is None:
            raise _uncomparable(f"Twilio bills in {billed.currency} and the caps are in {currency}")
        amount *= rate
    estimated = services.stores.spend.reconcile(services.profile, day.isoformat(), amount)
    return Reconciled(day=day.isoformat(), estimated=estimated, billed=amount, currency=currency)


async def reconcile_recent(services: Services, days: int) -> list[Reconciled]:
    """Reconcile each of the `days` days before today (UTC), oldest first.

    Raises:
        InputError: days is not between 1 and MAX_RECONCILE_DAYS.
        PolicyError, UpstreamError: as reconcile_day.
    """
    if not 1 <= days <= MAX_RECONCILE_DAYS:
        raise InputError(
            f"Reconcile between 1 and {MAX_RECONCILE_DAYS} days, not {days}.",
            code="input.invalid",
            remediation=[f"Pass --days from 1 to {MAX_RECONCILE_DAYS}."],
        )
    today = utc_today(services)
    return [await reconcile_day(services, today - timedelta(days=back)) for back in range(days, 0, -1)]
