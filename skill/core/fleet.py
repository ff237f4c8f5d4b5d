"""The fleet: every account the profile acts on (its own and each environment), seen side by side.

Each account's sections are read on their own; one that fails (say, a product API with no key for
that account) is named in the account's `problems` and the rest go on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from skill.core.context import Services
from skill.core.environments import bind
from skill.core.timeutil import parse_iso, upstream_now
from skill.errors import SkillError

log = logging.getLogger("twilio_skill.fleet")
LIST_LIMIT = 1000


def accounts_of(services: Services) -> list[tuple[str | None, Services]]:
    """(environment name, services bound to it) for the profile's own account and each environment."""
    out: list[tuple[str | None, Services]] = [(None, services)]
    for env in services.environments:
        scoped = bind(services, env.account_sid)
        if scoped is not services:
            out.append((env.name, scoped))
    return out


def _now(services: Services) -> datetime:
    return datetime.fromtimestamp(upstream_now(services), UTC)


async def _numbers(services: Services) -> dict[str, Any]:
    numbers = await services.twilio.numbers.all(LIST_LIMIT)
    kinds = Counter(number.kind or "unknown" for number in numbers)
    return {"numbers": len(numbers), "numbers_by_type": dict(sorted(kinds.items()))}


async def _services(services: Services) -> dict[str, Any]:
    listed = (await services.twilio.messaging_services.list(limit=LIST_LIMIT)).items
    return {"messaging_services": sorted(item.friendly_name or item.sid for item in listed)}


async def _keys(services: Services) -> dict[str, Any]:
    now = _now(services)
    keys = []
    for key in await services.twilio.keys.all(LIST_LIMIT):
        created = parse_iso(key.date_created)
        age = (now - created).days if created is not None else None
        keys.append({"sid": key.sid, "friendly_name": key.friendly_name, "age_days": age})
    return {"api_keys": sorted(keys, key=lambda k: str(k["sid"]))}


async def _usage(services: Services) -> dict[str, Any]:
    records = await services.twilio.usage.records(period="this_month", category="totalprice")
    total, unit = Decimal(0), None
    for record in records:
        try:
            total += Decimal(str(record.price or 0))
        except InvalidOperation:
            continue
        unit = unit or record.price_unit
    return {"usage_this_month": format(total.quantize(Decimal("0.0001")), "f"), "usage_unit": unit}


async def _alerts(services: Services) -> dict[str, Any]:
    since = _now(services) - timedelta(hours=24)
    alerts = (await services.twilio.monitor.alerts(start_date=since, limit=LIST_LIMIT)).items
    errors = Counter(str(a.error_code) for a in alerts if str(a.log_level).lower() == "error")
    return {
        "errors_24h": sum(errors.values()),
        "error_codes_24h": dict(sorted(errors.items())),
        "alerts_24h": len(alerts),
    }


Section = Callable[[Services], Awaitable[dict[str, Any]]]
SECTIONS: tuple[tuple[str, Section], ...] = (
    ("numbers", _numbers),
    ("messaging services", _services),
    ("API keys", _keys),
    ("usage", _usage),
    ("alerts", _alerts),
)


async def account_overview(name: str | None, services: Services) -> dict[str, Any]:
    sid = services.twilio.account_sid
    row: dict[str, Any] = {"account_sid": sid, "name": name, "problems": []}
    try:
        account = await services.twilio.accounts.get(sid)
        row["status"], row["friendly_name"] = account.status, account.friendly_name
    except SkillError as exc:
        row["problems"].append(f"account: {exc.code}: {exc.message}"[:300])
    for label, section in SECTIONS:
        try:
            row.update(await section(services))
        except SkillError as exc:
            row["problems"].append(f"{label}: {exc.code}: {exc.message}"[:300])
        except Exception as exc:
            log.exception("fleet overview section %s failed for %s", label, sid)
            row["problems"].append(f"{label}: unexpected {exc.__class__.__name__}")
    return row


async def fleet_overview(services: Services) -> list[dict[str, Any]]:
    """One row per account: status, numbers by type, messaging services, API keys and their ages, usage
    this month, errors and alerts in the last 24 hours, and what could not be read."""
    return [await account_overview(name, scoped) for name, scoped in accounts_of(services)]
