"""Sandbox routes for usage records (per period or date range) and usage triggers.

Each account has a steady daily usage per category (seeded by skill.sandbox.seed_usage); a record for
a range is that day's usage times the number of days in it (up to today), so totals stay consistent
between periods.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import rfc2822
from skill.sandbox.dates import parse_day
from skill.sandbox.http import TwilioHTTPError, bad_request, deleted, first, form, owned, page, request_account
from skill.sandbox.state import SandboxState

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

# category -> (description, count unit, usage unit)
CATEGORIES: dict[str, tuple[str, str, str]] = {
    "calls": ("Voice Minutes", "calls", "minutes"),
    "lookups": ("Lookups", "lookups", "lookups"),
    "mms": ("MMS Messages", "messages", "messages"),
    "phonenumbers": ("Phone Numbers", "phonenumbers", "phonenumbers"),
    "sms": ("SMS Messages", "messages", "segments"),
    "totalprice": ("Total Price", "", "usd"),
}
RECURRING = ("daily", "monthly", "yearly", "alltime")
TRIGGER_FIELDS = ("count", "usage", "price")
# Path under Usage/Records -> (subresource name in a record's subresource_uris, period for period_range).
PERIOD_PATHS: dict[str, tuple[str, str]] = {
    "AllTime": ("all_time", "alltime"),
    "Today": ("today", "today"),
    "Yesterday": ("yesterday", "yesterday"),
    "ThisMonth": ("this_month", "this_month"),
    "LastMonth": ("last_month", "last_month"),
}


def today(state: SandboxState) -> date:
    return state.clock.now_dt().date()


def period_range(state: SandboxState, period: str) -> tuple[date, date]:
    """First and last day of a named period on the sandbox clock."""
    day = today(state)
    if period == "today":
        return day, day
    if period == "yesterday":
        return day - timedelta(days=1), day - timedelta(days=1)
    if period == "this_month":
        return day.replace(day=1), day
    if period == "last_month":
        last = day.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "yearly":
        return day.replace(month=1, day=1), day
    return day - timedelta(days=365 * 3), day


def usage_values(state: SandboxState, account: str, category: str, start: date, end: date) -> dict[str, float]:
    """count, usage and price of one category over [start, end], counting days up to today only."""
    days = max(0, (min(end, today(state)) - start).days + 1)
    rates = state.usage_rates.get(account, {})
    if category == "totalprice":
        price = sum(rate["price"] for rate in rates.values()) * days
        return {"count": 0, "usage": round(price, 4), "price": round(price, 4)}
    rate = rates.get(category, {"count": 0, "usage": 0, "price": 0.0})
    return {"count": rate["count"] * days, "usage": rate["usage"] * days, "price": round(rate["price"] * days, 4)}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def render_record(state: SandboxState, account: str, category: str, start: date, end: date, uri: str) -> dict[str, Any]:
    description, count_unit, usage_unit = CATEGORIES[category]
    values = usage_values(state, account, category, start, end)
    base = f"/2010-04-01/Accounts/{account}/Usage/Records"
    query = urlencode({"Category": category})
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "as_of": state.clock.now_dt().strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "category": category,
        "count": _number(values["count"]),
        "count_unit": count_unit,
        "description": description,
        "end_date": end.isoformat(),
        "price": values["price"],
        "price_unit": "usd",
        "start_date": start.isoformat(),
        "subresource_uris": {name: f"{base}/{path}.json?{query}" for path, (name, _) in PERIOD_PATHS.items()},
        "uri": uri,
        "usage": _number(values["usage"]),
        "usage_unit": usage_unit,
    }


def render_trigger(state: SandboxState, trigger: dict[str, Any]) -> dict[str, Any]:
    account, category = trigger["account_sid"], trigger["usage_category"]
    start, end = period_range(state, {"daily": "today", "monthly": "this_month"}.get(trigger["recurring"], "yearly"))
    if trigger["recurring"] in (None, "alltime"):
        start, end = period_range(state, "alltime")
    current = usage_values(state, account, category, start, end)[trigger["trigger_by"]]
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "callback_method": trigger["callback_method"],
        "callback_url": trigger["callback_url"],
        "current_value": _number(current),
        "date_created": rfc2822(trigger["created"]),
        "date_fired": None,
        "date_updated": rfc2822(trigger["updated"]),
        "friendly_name": trigger["friendly_name"],
        "recurring": trigger["recurring"],
        "sid": trigger["sid"],
        "trigger_by": trigger["trigger_by"],
        "trigger_value": trigger["trigger_value"],
        "uri": f"/2010-04-01/Accounts/{account}/Usage/Triggers/{trigger['sid']}.json",
        "usage_category": category,
        "usage_record_uri": f"/2010-04-01/Accounts/{account}/Usage/Records.json?{urlencode({'Category': category})}",
    }


class UsageRecords:
    """The UsageRecord lists: Records.json (StartDate, EndDate, Category) and one list per named period."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _answer(self, request: Request, start: date, end: date) -> Response:
        account = request_account(self.state, request)
        wanted = request.query_params.get("Category")
        if wanted and wanted not in CATEGORIES:
            raise TwilioHTTPError(400, 20001, f"Invalid Category: {wanted} is not a usage category")
        uri = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        categories = [wanted] if wanted else sorted(CATEGORIES)
        items = [{"category": c} for c in categories]
        return page(
            request,
            "usage_records",
            items,
            lambda item: render_record(self.state, account, item["category"], start, end, uri),
        )

    async def list(self, request: Request) -> Response:
        first_day, last_day = period_range(self.state, "alltime")
        start = parse_day(request.query_params.get("StartDate"), "StartDate") or first_day
        end = parse_day(request.query_params.get("EndDate"), "EndDate") or last_day
        if start > end:
            raise TwilioHTTPError(400, 20001, "StartDate must be on or before EndDate")
        return self._answer(request, start, end)

    def of_period(self, period: str) -> Callable[[Request], Awaitable[Response]]:
        async def list_period(request: Request) -> Response:
            start, end = period_range(self.state, period)
            return self._answer(request, start, end)

        return list_period


def _trigger_fields(fields: dict[str, list[str]]) -> dict[str, Any]:
    """A new trigger's settings from its form, checked as Twilio checks them.

    Raises:
        TwilioHTTPError: a missing parameter (20001), a malformed callback URL (21502), or a value
        outside the allowed ones (20001).
    """
    for name in ("CallbackUrl", "TriggerValue", "UsageCategory"):
        if not first(fields, name):
            raise bad_request(20001, f"Missing required parameter {name} in the post body")
    callback_url = str(first(fields, "CallbackUrl"))
    if not callback_url.startswith(("http://", "https://")):
        raise bad_request(21502, f"Invalid callback url: {callback_url} is not an absolute http(s) URL")
    category = str(first(fields, "UsageCategory"))
    if category not in CATEGORIES:
        raise TwilioHTTPError(400, 20001, f"Invalid UsageCategory: {category} is not a usage category")
    recurring = first(fields, "Recurring") or "alltime"  # a trigger that fires once: the spec's own word
    if recurring not in RECURRING:
        raise TwilioHTTPError(400, 20001, f"Invalid Recurring: must be one of {', '.join(RECURRING)}")
    trigger_by = first(fields, "TriggerBy") or "usage"
    if trigger_by not in TRIGGER_FIELDS:
        raise TwilioHTTPError(400, 20001, f"Invalid TriggerBy: must be one of {', '.join(TRIGGER_FIELDS)}")
    method = (first(fields, "CallbackMethod") or "POST").upper()
    if method not in ("GET", "POST"):
        raise TwilioHTTPError(400, 20001, "Invalid CallbackMethod: must be GET or POST")
    value = str(first(fields, "TriggerValue"))
    try:
        float(value)
    except ValueError:
        raise TwilioHTTPError(400, 20001, "Invalid TriggerValue: must be a number") from None
    return {
        "callback_url": callback_url,
        "callback_method": method,
        "trigger_value": value,
        "usage_category": category,
        "trigger_by": trigger_by,
        "recurring": recurring,
        "friendly_name": first(fields, "FriendlyName"),
    }


class UsageTriggers:
    """The UsageTrigger resource: list (UsageCategory, Recurring, TriggerBy), create, fetch, delete."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        account = request_account(self.state, request)
        query = request.query_params
        items = sorted(
            (
                t
                for t in self.state.usage_triggers.values()
                if t["account_sid"] == account
                and (not query.get("UsageCategory") or t["usage_category"] == query["UsageCategory"])
                and (not query.get("Recurring") or t["recurring"] == query["Recurring"])
                and (not query.get("TriggerBy") or t["trigger_by"] == query["TriggerBy"])
            ),
            key=lambda t: (t["created"], t["sid"]),
        )
        return page(request, "usage_triggers", items, lambda t: render_trigger(self.state, t))

    async def create(self, request: Request) -> Response:
        account = request_account(self.state, request)
        now = self.state.clock.now()
        trigger = {
            "sid": self.state.new_sid("UT"),
            "account_sid": account,
            **_trigger_fields(await form(request)),
            "created": now,
            "updated": now,
        }
        value = str(trigger["trigger_value"])
        if value.startswith("+"):
            # An offset: fire that many units above today's value for the period.
            current = float(render_trigger(self.state, trigger)["current_value"])
            trigger["trigger_value"] = _number(round(current + float(value), 4))
        self.state.usage_triggers[trigger["sid"]] = trigger
        return JSONResponse(render_trigger(self.state, trigger), status_code=201)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_trigger(self.state, owned(self.state, request, self.state.usage_triggers)))

    async def delete(self, request: Request) -> Response:
        trigger = owned(self.state, request, self.state.usage_triggers)
        del self.state.usage_triggers[trigger["sid"]]
        return deleted()


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    records, triggers = UsageRecords(sandbox.state), UsageTriggers(sandbox.state)
    usage = "/2010-04-01/Accounts/{AccountSid}/Usage"
    return {
        "api.twilio.com": [
            Route(f"{usage}/Records.json", records.list, methods=["GET"]),
            *(
                Route(f"{usage}/Records/{path}.json", records.of_period(period), methods=["GET"])
                for path, (_, period) in PERIOD_PATHS.items()
            ),
            Route(f"{usage}/Triggers.json", triggers.list, methods=["GET"]),
            Route(f"{usage}/Triggers.json", triggers.create, methods=["POST"]),
            Route(f"{usage}/Triggers/{{Sid}}.json", triggers.fetch, methods=["GET"]),
            Route(f"{usage}/Triggers/{{Sid}}.json", triggers.delete, methods=["DELETE"]),
        ]
    }
