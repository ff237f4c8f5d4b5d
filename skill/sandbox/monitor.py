"""Sandbox routes for Monitor alerts (monitor.twilio.com): list with filters, fetch one.

The alerts themselves are seeded by skill.sandbox.seed_monitor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skill.sandbox.clock import iso8601
from skill.sandbox.dates import parse_bound
from skill.sandbox.http import ERROR_DOCS, TwilioHTTPError, authenticate, meta_page, owned
from skill.sandbox.state import SandboxState

if TYPE_CHECKING:
    from skill.sandbox.app import Sandbox

LOG_LEVELS = ("error", "warning", "notice", "debug")
# Only a single fetch carries these, as on Twilio.
DETAIL_FIELDS = ("request_variables", "response_body", "response_headers", "request_headers")


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


class Alerts:
    """The Alert resource: GET /v1/Alerts (LogLevel, StartDate, EndDate) and GET /v1/Alerts/{Sid}."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def list(self, request: Request) -> Response:
        caller = authenticate(self.state, request)
        level = request.query_params.get("LogLevel")
        if level and level not in LOG_LEVELS:
            raise TwilioHTTPError(400, 20001, f"Invalid LogLevel: must be one of {', '.join(LOG_LEVELS)}")
        start = parse_bound(request.query_params.get("StartDate"), "StartDate", end=False)
        end = parse_bound(request.query_params.get("EndDate"), "EndDate", end=True)
        items = sorted(
            (
                a
                for a in self.state.alerts.values()
                if a["account_sid"] == caller
                and (not level or a["log_level"] == level)
                and (start is None or a["generated"] >= start)
                and (end is None or a["generated"] <= end)
            ),
            key=lambda a: (-a["generated"], a["sid"]),
        )
        return meta_page(request, "alerts", items, render_alert)

    async def fetch(self, request: Request) -> Response:
        return JSONResponse(render_alert(owned(self.state, request, self.state.alerts), detail=True))


def routes(sandbox: Sandbox) -> dict[str, list[Route]]:
    alerts = Alerts(sandbox.state)
    return {
        "monitor.twilio.com": [
            Route("/v1/Alerts", alerts.list, methods=["GET"]),
            Route("/v1/Alerts/{Sid}", alerts.fetch, methods=["GET"]),
        ]
    }
