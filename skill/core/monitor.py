"""Monitor alerts: list them (optionally counted per error code) and read one with its error explained."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from skill.catalog import brief, explain
from skill.core.context import Services
from skill.core.timeutil import as_utc, check_window
from skill.records.monitor import Alert, AlertGroup, AlertReport
from skill.records.page import Page

# Alerts looked through per call when filtering by code, which the Alerts API cannot do itself.
CODE_SCAN = 1000


def group_by_code(alerts: list[Alert], services: Services) -> list[AlertGroup]:
    """Count alerts per error code, most frequent first, each with the catalogue's title."""
    counts = Counter(a.error_code for a in alerts if a.error_code is not None)
    latest: dict[int, str] = {}
    for alert in alerts:
        code, when = alert.error_code, alert.date_generated or ""
        if code is not None and when > latest.get(code, ""):
            latest[code] = when
    groups = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        found = explain(code, services.settings)
        groups.append(
            AlertGroup(
                error_code=code,
                count=count,
                title=found.title if found else None,
                meaning=found.meaning if found else None,
                last_seen=latest.get(code),
            )
        )
    return groups


async def list_alerts(
    services: Services,
    *,
    log_level: str | None,
    error_code: int | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Alert]:
    """Alerts newest first. Level and times filter at Twilio; an error code is matched here, over at
    most CODE_SCAN alerts per call (the page says how many it scanned and whether more are left).

    Raises:
        InputError: the window is reversed, or the cursor is not one of ours.
    """
    check_window(after, before)
    return await services.twilio.monitor.alerts(
        log_level=log_level,
        start_date=as_utc(after) if after else None,
        # Twilio's EndDate includes its second; before does not.
        end_date=as_utc(before) - timedelta(seconds=1) if before else None,
        limit=limit,
        cursor=cursor,
        keep=(lambda alert: alert.error_code == error_code) if error_code is not None else None,
        scan=CODE_SCAN,
        kept_by={"error_code": error_code},
    )


async def get_alert(services: Services, sid: str) -> AlertReport:
    """One alert: the request that failed, the response it got, and the error explained.

    Raises:
        UpstreamError: twilio.20404 when there is no such alert.
    """
    alert = await services.twilio.monitor.alert(sid)
    code = alert.error_code
    explanation = brief(code, services.settings, alert.message) if code is not None else None
    return AlertReport(**alert.model_dump(), explanation=explanation)
