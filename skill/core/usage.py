"""Usage and billing: totals per category for a period, the balance, and usage triggers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from skill.core.context import Services
from skill.core.timeutil import as_utc, check_window, parse_iso, upstream_now
from skill.core.urls import check_webhook_url, host_of
from skill.errors import InputError
from skill.records.approvals import Fact, Impact
from skill.records.page import Page
from skill.records.usage import CategoryPrice, UsageRecord, UsageSummary, UsageTrigger, decimal_of

TOP_COUNT = 5
# Categories that add up others; listed, but never counted twice into the total.
TOTAL_CATEGORY = "totalprice"
# Triggers looked through per call when filtering by creation time, which Twilio cannot do itself.
TRIGGER_SCAN = 1000


def upstream_today(services: Services) -> date:
    """Today on the clock of whatever answers as Twilio (the sandbox's own clock there)."""
    return datetime.fromtimestamp(upstream_now(services), UTC).date()


def resolve_period(
    services: Services, period: str | None, after: datetime | None, before: datetime | None
) -> tuple[str | None, date | None, date | None]:
    """The named period, or the whole days from after up to before (through today when before is
    left out); this_month when nothing is given.

    Raises:
        InputError: input.invalid_period when a period and a range are mixed, before comes alone, or
            the range holds no day.
    """
    if period and (after or before):
        raise InputError(
            "Give either period or after/before, not both.",
            code="input.invalid_period",
            remediation=["Drop period to use the range, or drop after/before to use the period."],
        )
    if before and not after:
        raise InputError(
            "before needs after: a range starts somewhere.",
            code="input.invalid_period",
            remediation=["Add after (the first day), or use period (today, yesterday, this_month, last_month)."],
        )
    if after is None:
        return period or "this_month", None, None
    start = as_utc(after).date()
    # before is exclusive: the range ends on the last day that starts before it.
    end = (as_utc(before) - timedelta(microseconds=1)).date() if before else upstream_today(services)
    if start > end:
        raise InputError(
            "The range holds no day: after must be earlier than before.",
            code="input.invalid_period",
            remediation=["Swap after and before, or leave before out to count through today."],
        )
    return None, start, end


async def usage_summary(
    services: Services, *, period: str | None, after: datetime | None, before: datetime | None
) -> UsageSummary:
    """Usage per category with prices, the top categories by price, the total, and the balance.

    Raises:
        InputError: the period or range is not usable.
    """
    named, start, end = resolve_period(services, period, after, before)
    listed = await services.twilio.usage.records(period=named, start_date=start, end_date=end)
    # Twilio lists every category, mostly at zero; only the ones with activity matter here.
    active = [record for record in listed if record.active]
    categories = sorted((r for r in active if r.category != TOTAL_CATEGORY), key=lambda r: str(r.category))
    total_record = next((r for r in active if r.category == TOTAL_CATEGORY), None)
    total = (
        decimal_of(total_record.price) if total_record else sum((decimal_of(r.price) for r in categories), Decimal(0))
    )
    ranked = sorted(categories, key=lambda r: decimal_of(r.price), reverse=True)
    top = [CategoryPrice(category=r.category, price=r.price) for r in ranked[:TOP_COUNT] if decimal_of(r.price) > 0]
    first = listed[0] if listed else None
    priced = total_record or (categories[0] if categories else None)
    balance = await services.twilio.accounts.get_balance()
    return UsageSummary(
        period=named or "custom",
        start_date=(first.start_date if first else None) or (start.isoformat() if start else None),
        end_date=(first.end_date if first else None) or (end.isoformat() if end else None),
        categories=categories,
        top_categories=top,
        total_price=str(total),
        price_unit=priced.price_unit if priced else None,
        balance=balance.balance,
        currency=balance.currency,
    )


async def list_triggers(
    services: Services,
    *,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[UsageTrigger]:
    """Usage triggers in Twilio's order. Creation times are matched here, as Twilio cannot filter by
    them, over at most TRIGGER_SCAN triggers per call (the page says how many it scanned).

    Raises:
        InputError: the window is reversed, or the cursor is not one of ours.
    """
    check_window(after, before)

    def created_within(trigger: UsageTrigger) -> bool:
        created = parse_iso(trigger.date_created)
        if created is None:
            return False
        return (after is None or created >= as_utc(after)) and (before is None or created < as_utc(before))

    timed = after is not None or before is not None
    return await services.twilio.usage.triggers(
        limit=limit,
        cursor=cursor,
        keep=created_within if timed else None,
        scan=TRIGGER_SCAN,
        kept_by={"after": after, "before": before},
    )


def check_trigger(services: Services, callback_url: str) -> list[str]:
    """Warnings for the callback URL, or an InputError before anything is created.

    Raises:
        InputError: the URL is not absolute http(s), or plain http in live mode.
    """
    warning = check_webhook_url(callback_url, field="callback_url", mode=services.settings.mode)
    return [warning] if warning else []


async def current_usage(services: Services, usage_category: str, recurring: str) -> UsageRecord | None:
    """The category's usage over the period a trigger with this recurrence watches now.

    Raises:
        UpstreamError: Twilio refused, e.g. twilio.20001 for a category it does not know.
    """
    usage = services.twilio.usage
    if recurring in ("daily", "monthly"):
        period = "today" if recurring == "daily" else "this_month"
        found = await usage.records(period=period, category=usage_category, limit=1)
    elif recurring == "yearly":
        today = upstream_today(services)
        found = await usage.records(
            start_date=today.replace(month=1, day=1), end_date=today, category=usage_category, limit=1
        )
    else:
        found = await usage.records(category=usage_category, limit=1)
    return found[0] if found else None


async def trigger_create_impact(
    services: Services, *, usage_category: str, trigger_value: str, trigger_by: str, recurring: str, callback_url: str
) -> Impact:
    """What creating the trigger would watch, where it would call, and the category's value now (the
    callback URL itself was checked before, by check_trigger).

    Raises:
        UpstreamError: Twilio does not know the category (twilio.20001), or could not answer.
    """
    record = await current_usage(services, usage_category, recurring)
    value = getattr(record, trigger_by, None) if record else None
    facts = [Fact(label="now", value=f"{trigger_by} {value if value is not None else 'unknown'} ({recurring})")]
    facts.append(Fact(label="callback URL", value=callback_url))
    return Impact(
        resource=f"a usage trigger on {usage_category}: {trigger_by} reaches {trigger_value}, {recurring}",
        facts=facts,
        blast_radius=[Fact(label="called when it fires", value=host_of(callback_url) or callback_url)],
        reversibility="reversible",
    )


async def create_trigger(
    services: Services,
    *,
    usage_category: str,
    trigger_value: str,
    trigger_by: str,
    recurring: str,
    callback_url: str,
    friendly_name: str | None,
) -> tuple[UsageTrigger, list[str]]:
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
    return created, warnings


async def trigger_delete_impact(services: Services, sid: str) -> Impact:
    """The trigger a delete would remove, in human terms.

    Raises:
        UpstreamError: twilio.20404 when there is no such trigger.
    """
    trigger = await services.twilio.usage.trigger(sid)
    facts = [
        Fact(label="fires when", value=f"{trigger.trigger_by} reaches {trigger.trigger_value} ({trigger.recurring})"),
        Fact(label="value now", value=str(trigger.current_value)),
        Fact(label="callback URL", value=str(trigger.callback_url)),
    ]
    if trigger.date_fired:
        facts.append(Fact(label="last fired", value=trigger.date_fired))
    name = f" {trigger.friendly_name}" if trigger.friendly_name else ""
    return Impact(
        resource=f"usage trigger{name} ({trigger.sid}) on {trigger.usage_category}",
        facts=facts,
        reversibility="reversible",
    )


async def delete_trigger(services: Services, sid: str) -> bool:
    """Raises:
    UpstreamError: twilio.20404 when there is no such trigger.
    """
    return await services.twilio.usage.delete_trigger(sid)
