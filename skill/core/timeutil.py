"""Dates and times as the core uses them: aware UTC datetimes, read from ISO 8601 text or unix time.

as_utc(moment)                      an aware UTC datetime; a naive one is taken as UTC
parse_iso(value)                    an ISO 8601 time from a provider's record, or None
parse_day(value, field)             a YYYY-MM-DD date from a tool argument
parse_moment(value, field, end)     a date (the whole day) or an ISO 8601 time from a tool argument
unix_seconds(moment)                whole seconds since the epoch
iso_timestamp(seconds)              unix time as ISO 8601 in UTC, to the second
now(services)                       the current unix time: the embedded sandbox's clock there
check_window(after, before)         refuse a list's time window that holds nothing
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import TYPE_CHECKING, Any

from skill.errors import InputError

if TYPE_CHECKING:
    from skill.core.context import Services


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso(value: Any) -> datetime | None:
    """An ISO 8601 time (naive means UTC), or None when value is empty or not such a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_day(value: str, field: str) -> date:
    """A date written YYYY-MM-DD.

    Raises:
        InputError: input.invalid_date.
    """
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"{field} must be a date as YYYY-MM-DD, got {value!r}.",
            code="input.invalid_date",
            remediation=[f"Pass {field} like 2025-01-31."],
        ) from None


def parse_moment(value: str, field: str, *, end: bool = False) -> datetime:
    """A date (YYYY-MM-DD, whole day: its start, or its last second when end) or an ISO 8601 time,
    as an aware UTC datetime to the second.

    Raises:
        InputError: input.invalid_date when it is neither.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, day_time.max.replace(microsecond=0) if end else day_time.min, UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{field} must be a date (YYYY-MM-DD) or an ISO 8601 time, got {value!r}.",
            code="input.invalid_date",
            remediation=[f"Pass {field} like 2025-01-31 or 2025-01-31T18:00:00Z."],
        ) from None
    return as_utc(moment).replace(microsecond=0)


def unix_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch; a naive datetime is taken as UTC."""
    return int(as_utc(moment).timestamp())


def iso_timestamp(seconds: float) -> str:
    """Unix time as ISO 8601 in UTC, to the second, e.g. 2025-01-31T18:00:00+00:00."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def check_window(after: datetime | None, before: datetime | None) -> None:
    """Raises:
    InputError: input.invalid_date_range when after is not earlier than before.
    """
    if after is not None and before is not None and as_utc(after) >= as_utc(before):
        raise InputError(
            "after must be earlier than before.",
            code="input.invalid_date_range",
            remediation=["Swap them, or leave one out."],
        )


def upstream_now(services: Services) -> float:
    """The time windows over Twilio's data are measured in: the clock of whatever answers as Twilio."""
    return services.upstream_clock.now()
