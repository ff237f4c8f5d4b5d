"""Date filters of list requests, parsed one way for every sandbox route.

API v2010 lists take `Name`, `Name>` and `Name<` (DateSent, StartTime, DateCreated) as ISO 8601
dates or date-times; Monitor and usage take StartDate/EndDate, where a bare date covers that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from starlette.datastructures import QueryParams

from skill.sandbox.http import bad_request


def parse_when(raw: str, what: str) -> float:
    """A timestamp from an ISO 8601 date or date-time, as the SDK sends them (UTC when no zone).

    Raises:
        TwilioHTTPError: 400/20001 when it is not such a date.
    """
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(20001, f"Invalid {what}: {raw!r} is not an ISO 8601 date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_day(raw: str | None, what: str) -> date | None:
    """A YYYY-MM-DD day; None when absent or empty.

    Raises:
        TwilioHTTPError: 400/20001 when it is not such a day.
    """
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC).date()
    except ValueError:
        raise bad_request(20001, f"Invalid {what}: use YYYY-MM-DD") from None


def parse_bound(raw: str | None, what: str, *, end: bool) -> float | None:
    """A StartDate/EndDate as a timestamp: a bare day covers all of it, else YYYY-MM-DDThh:mm:ssZ.

    Raises:
        TwilioHTTPError: 400/20001 when it is neither.
    """
    if not raw:
        return None
    if len(raw) == 10:
        day = datetime.combine(parse_day(raw, what) or date.min, datetime.min.time(), UTC)
        return (day + timedelta(days=1)).timestamp() - 0.001 if end else day.timestamp()
    try:
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise bad_request(20001, f"Invalid {what}: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ") from None


@dataclass(frozen=True)
class DateWindow:
    """The `Name`, `Name>` and `Name<` filters of a list request; Twilio compares whole seconds."""

    after: float | None = None
    before: float | None = None
    day: str | None = None

    @classmethod
    def from_query(cls, query: QueryParams, name: str) -> DateWindow:
        """Raises:
        TwilioHTTPError: 400/20001 for a bound that is not an ISO 8601 date.
        """
        return cls(
            after=parse_when(query[f"{name}>"], f"{name}>") if f"{name}>" in query else None,
            before=parse_when(query[f"{name}<"], f"{name}<") if f"{name}<" in query else None,
            day=query[name][:10] if name in query else None,
        )

    def admits(self, moment: float | None) -> bool:
        if self.after is None and self.before is None and self.day is None:
            return True
        if moment is None:
            return False
        second = int(moment)
        if self.after is not None and second < int(self.after):
            return False
        if self.before is not None and second > int(self.before):
            return False
        return self.day is None or datetime.fromtimestamp(second, UTC).date().isoformat() == self.day
