"""Send windows: local hours in each recipient's own time zone, told from the number itself.

libphonenumber knows the time zones a number's prefix spans. Where it spans several (a US area code
on a zone boundary, a whole country), the earliest is taken: the zone whose local time is behind
the others, so a message never arrives before the window opens anywhere the number may be.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.errors import InputError

WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
UNKNOWN_ZONE = "Etc/Unknown"


def parse_window(text: str) -> tuple[time, time | None]:
    """(opens, closes) of a window like "09:00-20:00"; closes None for 24:00.

    Raises:
        InputError: input.invalid_window when it is not HH:MM-HH:MM or opens and closes at once.
    """
    match = WINDOW.fullmatch(text.strip())
    if match is None or text.strip()[:5] == text.strip()[6:]:
        raise InputError(
            f"{text[:40]!r} is not a send window.",
            code="input.invalid_window",
            remediation=["Give local hours as HH:MM-HH:MM, e.g. 09:00-20:00 (a window may run past midnight)."],
        )
    start = time(int(match.group(1)), int(match.group(2)))
    end_hour, end_minute = int(match.group(3)), int(match.group(4))
    end = None if end_hour == 24 else time(end_hour, end_minute)
    return start, end


@lru_cache(maxsize=4096)
def _zones(number: str) -> tuple[str, ...]:
    import phonenumbers
    from phonenumbers import timezone

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(zone for zone in timezone.time_zones_for_number(parsed) if zone != UNKNOWN_ZONE)


def zone_of(number: str, now: float) -> str | None:
    """The number's time zone (the earliest where it spans several), or None when unknown."""
    moment = datetime.fromtimestamp(now, UTC)
    best: tuple[timedelta, str] | None = None
    for name in _zones(number):
        try:
            offset = moment.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
        except ZoneInfoNotFoundError:
            continue
        if best is None or offset < best[0]:
            best = (offset, name)
    return best[1] if best else None


def _inside(local: time, start: time, end: time | None) -> bool:
    if end is None:
        return local >= start
    if start < end:
        return start <= local < end
    return local >= start or local < end  # runs past midnight


def next_open(now: float, zone: str | None, window: str) -> float:
    """`now` when the window is open in `zone` (UTC when unknown), else when it next opens."""
    start, end = parse_window(window)
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except ZoneInfoNotFoundError:
        tz = UTC
    local = datetime.fromtimestamp(now, tz)
    if _inside(local.time(), start, end):
        return now
    opening = local.replace(hour=start.hour, minute=start.minute, second=0, microsecond=0)
    if opening <= local:
        opening = (opening.replace(tzinfo=None) + timedelta(days=1)).replace(tzinfo=tz)
    return opening.timestamp()
