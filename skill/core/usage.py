"""Usage and billing: totals per category for a period, the balance, and usage triggers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from skill.core.context import Services
from skill.core.timeutil import parse_day
from skill.core.urls import check_webhook_url
from skill.errors import InputError

TOP_COUNT = 5
# Categories that add up others; listed, but never counted twice into the total.
TOTAL_CATEGORY = "totalprice"


def _decimal(value: Any) -> Decimal:
    """A price or amount as a Decimal; the SDK hands prices over as binary floats, so take their short form."""
    if value in (None, ""):
        return Decimal(0)
    try:
        exact = Decimal(str(value))
        return Decimal(repr(float(exact))) if len(exact.as_tuple().digits) > 15 else exact
    except (InvalidOperation, ValueError):
        return Decimal(0)


def resolve_period(
    period: str | None, start_date: str | None, end_date: str | None
) -> tuple[str | None, date | None, date | None]:
    """The named period, or the date range; this_month when nothing is given.

    Raises:
        InputError: input.invalid_period when a period and dates are mixed, or only one date is given,
            or the range is reversed.
    """
    if period and (start_date or end_date):
        raise InputError(
            "Give either period or start_date/end_date, not both.",
            code="input.invalid_period",
            remediation=["Drop period to use the dates, or drop the dates to use the period."],
        )
    if bool(start_date) != bool(end_date):
        raise InputError(
            "start_date and end_date go together.",
            code="input.invalid_period",
            remediation=["Pass both dates, or use period (today, yesterday, this_month, last_month)."],
        )
    if start_date and end_date:
        start, end = parse_day(start_date, "start_date"), parse_day(end_date, "end_date")
        if start > end:
            raise InputError(
                "start_date is after end_date.", code="input.invalid_period", remediation=["Swap the two dates."]
            )
        return None, start, end
    return period or "this_month", None, None


def public_record(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": raw.get("category"),
        "description": raw.get("description"),
        "count": raw.get("count"),
        "count_unit": raw.get("count_unit"),
        "usage": raw.get("usage"),
        "usage_unit": raw.get("usage_unit"),
        "price": str(_decimal(raw.get("price"))),
        "price_unit": raw.get("price_unit"),
    }


def _active(record: dict[str, Any]) -> bool:
    return any(_decimal(record.get(name)) != 0 for name in ("count", "usage", "price"))


async def usage_summary(
    services: Services, *, period: str | None, start_date: str | None, end_date: str | None
) -> dict[str, Any]:
    """Usage per category with prices, the top categories by price, the total, and the balance.

    Raises:
        InputError: the period or dates are not usable.
    """
    named, start, end = resolve_period(period, start_date, end_date)
    raw = await services.twilio.usage.records(period=named, start_date=start, end_date=end)
    # Twilio lists every category, mostly at zero; only the ones with activity matter here.
    records = [public_record(item) for item in raw if _active(item)]
    categories = [r for r in records if r["category"] != TOTAL_CATEGORY]
    total_record = next((r for r in records if r["category"] == TOTAL_CATEGORY), None)
    total = (
        _decimal(total_record["price"]) if total_record else sum((_decimal(r["price"]) for r in categories), Decimal(0))
    )
    ranked = sorted(categories, key=lambda r: _decimal(r["price"]), reverse=True)
    top = [{"category": r["category"], "price": r["price"]} for r in ranked[:TOP_COUNT] if _decimal(r["price"]) > 0]
    first = raw[0] if raw else {}
    balance = await services.twilio.accounts.balance()
    return {
        "period": named or "custom",
        "start_date": first.get("start_date") or (start.isoformat() if start else None),
        "end_date": first.get("end_date") or (end.isoformat() if end else None),
        "categories": sorted(categories, key=lambda r: str(r["category"])),
        "top_categories": top,
        "total_price": str(total),
        "price_unit": (total_record or (categories[0] if categories else {})).get("price_unit"),
        "balance": balance.get("balance"),
        "currency": balance.get("currency"),
    }


def public_trigger(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "sid": raw.get("sid"),
        "friendly_name": raw.get("friendly_name"),
        "usage_category": raw.get("usage_category"),
        "trigger_by": raw.get("trigger_by"),
        "trigger_value": raw.get("trigger_value"),
        "current_value": raw.get("current_value"),
        "recurring": raw.get("recurring"),
        "callback_url": raw.get("callback_url"),
        "callback_method": raw.get("callback_method"),
        "date_fired": raw.get("date_fired"),
        "date_created": raw.get("date_created"),
    }


async def list_triggers(services: Services, limit: int) -> list[dict[str, Any]]:
    return [public_trigger(item) for item in await services.twilio.usage.triggers(limit)]


def check_trigger(services: Services, callback_url: str) -> list[str]:
    """Warnings for the callback URL, or an InputError before anything is created.

    Raises:
        InputError: the URL is not absolute http(s), or plain http in live mode.
    """
    warning = check_webhook_url(callback_url, field="callback_url", mode=services.settings.mode)
    return [warning] if warning else []


async def create_trigger(
    services: Services,
    *,
    usage_category: str,
    trigger_value: str,
    trigger_by: str,
    recurring: str,
    callback_url: str,
    friendly_name: str | None,
) -> tuple[dict[str, Any], list[str]]:
    """Create a usage trigger that calls callback_url once the category passes trigger_value.

    Raises:
        InputError: the callback URL is refused.
        UpstreamError: Twilio refused (e.g. an unknown usage category).
    """
    warnings = check_trigger(services, callback_url)
    created = await services.twilio.usage.create_trigger(
        usage_category=usage_category,
        trigger_value=trigger_value,
        callback_url=callback_url.strip(),
        trigger_by=trigger_by,
        recurring=recurring,
        friendly_name=friendly_name,
    )
    return public_trigger(created), warnings


async def delete_trigger(services: Services, sid: str) -> bool:
    """Raises:
    UpstreamError: twilio.20404 when there is no such trigger.
    """
    return await services.twilio.usage.delete_trigger(sid)
