"""Sandbox routes for usage records (per period or date range) and usage triggers.

Each account has a steady daily usage per category; a record for a range is that day's usage times
the number of days in it (up to today), so totals stay consistent between periods.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.clock import rfc2822
from skill.sandbox.dates import parse_day
from skill.sandbox.http import TwilioHTTPError, bad_request, deleted, first, form, owned, page, request_account
from skill.sandbox.state import SandboxState, make_sid

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


def seed_usage(state: SandboxState) -> None:
    """Daily usage: the parent sends SMS, MMS and calls; 'prod' sends a little SMS; 'dev' makes a few
    test calls; 'staging' is idle."""
    state.usage_rates[SANDBOX_ACCOUNT_SID] = {
        "sms": {"count": 38, "usage": 41, "price": 0.3239},
        "mms": {"count": 2, "usage": 2, "price": 0.04},
        "calls": {"count": 6, "usage": 19, "price": 0.266},
        "phonenumbers": {"count": 3, "usage": 3, "price": 0.115},
        "lookups": {"count": 4, "usage": 4, "price": 0.02},
    }
    state.usage_rates[make_sid("AC", "sub", "prod")] = {
        "sms": {"count": 5, "usage": 5, "price": 0.0395},
        "phonenumbers": {"count": 1, "usage": 1, "price": 0.0383},
    }
    state.usage_rates[make_sid("AC", "sub", "dev")] = {"calls": {"count": 1, "usage": 2, "price": 0.028}}


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


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    def records_response(request: Request, start: date, end: date) -> Response:
        account = request_account(state, request)
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
            lambda item: render_record(state, account, item["category"], start, end, uri),
        )

    async def list_records(request: Request) -> Response:
        first_day, last_day = period_range(state, "alltime")
        start = parse_day(request.query_params.get("StartDate"), "StartDate") or first_day
        end = parse_day(request.query_params.get("EndDate"), "EndDate") or last_day
        if start > end:
            raise TwilioHTTPError(400, 20001, "StartDate must be on or before EndDate")
        return records_response(request, start, end)

    def named(period: str) -> Any:
        async def list_period(request: Request) -> Response:
            start, end = period_range(state, period)
            return records_response(request, start, end)

        return list_period

    def owned_trigger(request: Request) -> dict[str, Any]:
        return owned(state, request, state.usage_triggers)

    async def list_triggers(request: Request) -> Response:
        account = request_account(state, request)
        query = request.query_params
        items = sorted(
            (
                t
                for t in state.usage_triggers.values()
                if t["account_sid"] == account
                and (not query.get("UsageCategory") or t["usage_category"] == query["UsageCategory"])
                and (not query.get("Recurring") or t["recurring"] == query["Recurring"])
                and (not query.get("TriggerBy") or t["trigger_by"] == query["TriggerBy"])
            ),
            key=lambda t: (t["created"], t["sid"]),
        )
        return page(request, "usage_triggers", items, lambda t: render_trigger(state, t))

    async def create_trigger(request: Request) -> Response:
        account = request_account(state, request)
        fields = await form(request)
        for name in ("CallbackUrl", "TriggerValue", "UsageCategory"):
            if not first(fields, name):
                raise bad_request(20001, f"Missing required parameter {name} in the post body")
        callback_url = str(first(fields, "CallbackUrl"))
        if not callback_url.startswith(("http://", "https://")):
            raise bad_request(21502, f"Invalid callback url: {callback_url} is not an absolute http(s) URL")
        category = str(first(fields, "UsageCategory"))
        if category not in CATEGORIES:
            raise TwilioHTTPError(400, 20001, f"Invalid UsageCategory: {category} is not a usage category")
        recurring = first(fields, "Recurring")
        if recurring is not None and recurring not in RECURRING:
            raise TwilioHTTPError(400, 20001, f"Invalid Recurring: must be one of {', '.join(RECURRING)}")
        trigger_by = first(fields, "TriggerBy") or "usage"
        if trigger_by not in TRIGGER_FIELDS:
            raise TwilioHTTPError(400, 20001, f"Invalid TriggerBy: must be one of {', '.join(TRIGGER_FIELDS)}")
        method = (first(fields, "CallbackMethod") or "POST").upper()
        if method not in ("GET", "POST"):
            raise TwilioHTTPError(400, 20001, "Invalid CallbackMethod: must be GET or POST")
        value = str(first(fields, "TriggerValue"))
        try:
            number = float(value)
        except ValueError:
            raise TwilioHTTPError(400, 20001, "Invalid TriggerValue: must be a number") from None
        now = state.clock.now()
        sid = state.new_sid("UT")
        trigger: dict[str, Any] = {
            "sid": sid,
            "account_sid": account,
            "callback_url": callback_url,
            "callback_method": method,
            "trigger_value": value,
            "usage_category": category,
            "trigger_by": trigger_by,
            "recurring": recurring,
            "friendly_name": first(fields, "FriendlyName"),
            "created": now,
            "updated": now,
        }
        if value.startswith("+"):
            # An offset: fire that many units above today's value for the period.
            current = float(render_trigger(state, trigger)["current_value"])
            trigger["trigger_value"] = _number(round(current + number, 4))
        state.usage_triggers[sid] = trigger
        return JSONResponse(render_trigger(state, trigger), status_code=201)

    async def fetch_trigger(request: Request) -> Response:
        return JSONResponse(render_trigger(state, owned_trigger(request)))

    async def delete_trigger(request: Request) -> Response:
        trigger = owned_trigger(request)
        del state.usage_triggers[trigger["sid"]]
        return deleted()

    usage = "/2010-04-01/Accounts/{AccountSid}/Usage"
    records = [Route(f"{usage}/Records.json", list_records, methods=["GET"])]
    records.extend(
        Route(f"{usage}/Records/{path}.json", named(period), methods=["GET"])
        for path, (_, period) in PERIOD_PATHS.items()
    )
    return {
        "api.twilio.com": [
            *records,
            Route(f"{usage}/Triggers.json", list_triggers, methods=["GET"]),
            Route(f"{usage}/Triggers.json", create_trigger, methods=["POST"]),
            Route(f"{usage}/Triggers/{{Sid}}.json", fetch_trigger, methods=["GET"]),
            Route(f"{usage}/Triggers/{{Sid}}.json", delete_trigger, methods=["DELETE"]),
        ]
    }
