"""Sandbox routes for Monitor alerts (monitor.twilio.com): list with filters, fetch one.

Seeded alerts are placed relative to the sandbox clock, so some always fall in the last 24 hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.config import SANDBOX_ACCOUNT_SID
from skill.sandbox.clock import iso8601
from skill.sandbox.dates import parse_bound
from skill.sandbox.http import ERROR_DOCS, TwilioHTTPError, authenticate, meta_page, owned
from skill.sandbox.state import SandboxState, make_sid

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

LOG_LEVELS = ("error", "warning", "notice", "debug")
# Only a single fetch carries these, as on Twilio.
DETAIL_FIELDS = ("request_variables", "response_body", "response_headers", "request_headers")

# (error code, log level, hours ago, request url, method, response status, response body, resource prefix, text)
SEEDED: tuple[tuple[str, str, float, str | None, str | None, int | None, str | None, str, str], ...] = (
    (
        "11200",
        "error",
        1.5,
        "https://hooks.example.invalid/sms",
        "POST",
        502,
        "<html><body>Bad Gateway</body></html>",
        "SM",
        "An attempt to retrieve content from https://hooks.example.invalid/sms returned the HTTP status code 502",
    ),
    (
        "11200",
        "error",
        4.0,
        "https://hooks.example.invalid/sms",
        "POST",
        502,
        "<html><body>Bad Gateway</body></html>",
        "SM",
        "An attempt to retrieve content from https://hooks.example.invalid/sms returned the HTTP status code 502",
    ),
    ("30003", "error", 6.0, None, None, None, None, "SM", "Unreachable destination handset"),
    (
        "21610",
        "error",
        9.0,
        f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json",
        "POST",
        400,
        '{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}',
        "SM",
        "Attempt to send to unsubscribed recipient",
    ),
    ("30007", "error", 30.0, None, None, None, None, "SM", "Message filtered by the carrier"),
    (
        "12200",
        "warning",
        3.0,
        "https://example.com/voice",
        "POST",
        200,
        "<Response><Sya>Hello</Sya></Response>",
        "CA",
        "Schema validation warning: element 'Sya' is not allowed",
    ),
)


def seed_alerts(state: SandboxState) -> None:
    """A handful of alerts of the parent account: delivery failures, a webhook error, an opt-out refusal."""
    now = state.clock.now()
    for index, (code, level, hours, url, method, status, body, prefix, text) in enumerate(SEEDED):
        sid = make_sid("NO", "seed", "alert", index)
        generated = now - hours * 3600
        fields: dict[str, str] = {"Msg": text, "sourceComponent": "14100", "ErrorCode": code, "LogLevel": level.upper()}
        if status is not None:
            fields["httpResponse"] = str(status)
        if url:
            fields["url"] = url
        state.alerts[sid] = {
            "sid": sid,
            "account_sid": SANDBOX_ACCOUNT_SID,
            "error_code": code,
            "log_level": level,
            "alert_text": urlencode(fields),
            "request_url": url,
            "request_method": method,
            "request_variables": "To=%2B14155550199&From=%2B14155550142" if url else None,
            "request_headers": "Content-Type: application/x-www-form-urlencoded" if url else None,
            "response_body": body,
            "response_headers": "Content-Type: text/html" if body else None,
            "resource_sid": make_sid(prefix, "seed", "alert-resource", index),
            "generated": generated,
            "created": generated + 2,
        }


def render_alert(alert: dict[str, Any], *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "account_sid": alert["account_sid"],
        "alert_text": alert["alert_text"],
        "api_version": "2010-04-01",
        "date_created": iso8601(alert["created"]),
        "date_generated": iso8601(alert["generated"]),
        "date_updated": iso8601(alert["created"]),
        "error_code": alert["error_code"],
        "log_level": alert["log_level"],
        "more_info": ERROR_DOCS.format(code=alert["error_code"]),
        "request_method": alert["request_method"],
        "request_url": alert["request_url"],
        "resource_sid": alert["resource_sid"],
        "service_sid": None,
        "sid": alert["sid"],
        "url": f"https://monitor.twilio.com/v1/Alerts/{alert['sid']}",
    }
    if detail:
        out.update({name: alert.get(name) for name in DETAIL_FIELDS})
    return out


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    state = sandbox.state

    async def list_alerts(request: Request) -> Response:
        caller = authenticate(state, request)
        level = request.query_params.get("LogLevel")
        if level and level not in LOG_LEVELS:
            raise TwilioHTTPError(400, 20001, f"Invalid LogLevel: must be one of {', '.join(LOG_LEVELS)}")
        start = parse_bound(request.query_params.get("StartDate"), "StartDate", end=False)
        end = parse_bound(request.query_params.get("EndDate"), "EndDate", end=True)
        items = sorted(
            (
                a
                for a in state.alerts.values()
                if a["account_sid"] == caller
                and (not level or a["log_level"] == level)
                and (start is None or a["generated"] >= start)
                and (end is None or a["generated"] <= end)
            ),
            key=lambda a: (-a["generated"], a["sid"]),
        )
        return meta_page(request, "alerts", items, render_alert)

    async def fetch_alert(request: Request) -> Response:
        return JSONResponse(render_alert(owned(state, request, state.alerts), detail=True))

    return {
        "monitor.twilio.com": [
            Route("/v1/Alerts", list_alerts, methods=["GET"]),
            Route("/v1/Alerts/{Sid}", fetch_alert, methods=["GET"]),
        ]
    }
