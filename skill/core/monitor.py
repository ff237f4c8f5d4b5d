"""Monitor alerts: list them (optionally grouped by error code) and read one with its error explained."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qs

from skill.catalog import brief, explain
from skill.core.context import Services
from skill.core.timeutil import parse_moment
from skill.core.values import int_or_none
from skill.errors import InputError

# Alerts scanned when filtering by code, which the Alerts API cannot do itself.
SCAN_LIMIT = 1000


def alert_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """What Twilio's alert_text says, as a dict (it is form-encoded: Msg, httpResponse, url, ...)."""
    text = raw.get("alert_text")
    if not isinstance(text, str) or "=" not in text:
        return {"Msg": text} if isinstance(text, str) and text else {}
    return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items() if values}


def public_alert(raw: dict[str, Any]) -> dict[str, Any]:
    fields = alert_fields(raw)
    return {
        "sid": raw.get("sid"),
        "error_code": int_or_none(raw.get("error_code")),
        "log_level": raw.get("log_level"),
        "message": fields.get("Msg") or raw.get("alert_text"),
        "resource_sid": raw.get("resource_sid"),
        "request_url": raw.get("request_url"),
        "request_method": raw.get("request_method"),
        "date_generated": raw.get("date_generated"),
    }


def group_by_code(alerts: list[dict[str, Any]], services: Services) -> list[dict[str, Any]]:
    """Count alerts per error code, most frequent first, each with the catalogue's title."""
    counts = Counter(a["error_code"] for a in alerts if a["error_code"] is not None)
    latest: dict[int, str] = {}
    for alert in alerts:
        code, when = alert["error_code"], alert["date_generated"] or ""
        if code is not None and when > latest.get(code, ""):
            latest[code] = when
    groups = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        found = explain(code, services.settings)
        groups.append(
            {
                "error_code": code,
                "count": count,
                "title": found.title if found else None,
                "meaning": found.meaning if found else None,
                "last_seen": latest.get(code),
            }
        )
    return groups


async def list_alerts(
    services: Services,
    *,
    log_level: str | None,
    start_date: str | None,
    end_date: str | None,
    error_code: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Alerts newest first; error_code is filtered here, since the Alerts API has no such filter.

    Raises:
        InputError: a date cannot be read, or start_date is after end_date.
    """
    start = parse_moment(start_date, "start_date") if start_date else None
    end = parse_moment(end_date, "end_date", end=True) if end_date else None
    if start and end and start > end:
        raise InputError(
            "start_date is after end_date.",
            code="input.invalid_date_range",
            remediation=["Swap them, or leave one out."],
        )
    fetch = SCAN_LIMIT if error_code is not None else limit
    raw = await services.twilio.monitor.alerts(log_level=log_level, start_date=start, end_date=end, limit=fetch)
    alerts = [public_alert(item) for item in raw]
    if error_code is not None:
        alerts = [a for a in alerts if a["error_code"] == error_code]
    return alerts[:limit]


async def get_alert(services: Services, sid: str) -> dict[str, Any]:
    """One alert: the request that failed, the response it got, and the error explained."""
    raw = await services.twilio.monitor.alert(sid)
    alert = public_alert(raw)
    fields = alert_fields(raw)
    code = alert["error_code"]
    alert.update(
        {
            "response_status": int_or_none(fields.get("httpResponse")),
            "response_body": raw.get("response_body"),
            "response_headers": raw.get("response_headers"),
            "request_variables": raw.get("request_variables"),
            "more_info": raw.get("more_info"),
            "explanation": brief(code, services.settings, alert["message"]) if code is not None else None,
        }
    )
    return alert
