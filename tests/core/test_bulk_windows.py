"""Send windows in each recipient's own time zone, told from the number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from skill.core.bulk_windows import next_open, parse_window, zone_of
from skill.errors import InputError

NEW_YORK = "+12125550100"
LOS_ANGELES = "+14155550100"
LONDON = "+442071838750"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_a_number_gives_its_own_time_zone() -> None:
    now = at("2026-06-01T12:00:00")
    assert zone_of(NEW_YORK, now) == "America/New_York"
    assert zone_of(LOS_ANGELES, now) == "America/Los_Angeles"
    assert zone_of(LONDON, now) == "Europe/London"


def test_a_number_spanning_several_zones_takes_the_earliest() -> None:
    # A US toll-free number is not tied to a place: libphonenumber lists every US zone.
    zone = zone_of("+18005550123", at("2026-06-01T12:00:00"))
    assert zone is not None and zone.startswith("Pacific/")  # behind every other zone the country spans


def test_the_same_moment_is_inside_the_window_in_one_zone_and_outside_in_another() -> None:
    now = at("2026-06-01T14:00:00")  # 10:00 in New York, 07:00 in Los Angeles
    assert next_open(now, "America/New_York", "09:00-20:00") == now
    opens = next_open(now, "America/Los_Angeles", "09:00-20:00")
    assert opens == at("2026-06-01T16:00:00")  # 09:00 PDT


def test_after_the_window_closes_it_opens_the_next_day() -> None:
    now = at("2026-06-02T01:30:00")  # 21:30 in New York the day before
    assert next_open(now, "America/New_York", "09:00-20:00") == at("2026-06-02T13:00:00")


def test_a_window_may_run_past_midnight_and_unknown_zones_use_utc() -> None:
    assert next_open(at("2026-06-01T23:30:00"), None, "22:00-06:00") == at("2026-06-01T23:30:00")
    assert next_open(at("2026-06-01T03:00:00"), None, "22:00-06:00") == at("2026-06-01T03:00:00")
    assert next_open(at("2026-06-01T12:00:00"), None, "22:00-06:00") == at("2026-06-01T22:00:00")
    assert next_open(at("2026-06-01T12:00:00"), None, "09:00-24:00") == at("2026-06-01T12:00:00")


@pytest.mark.parametrize("text", ["9-17", "09:00", "25:00-26:00", "09:00-09:00", "09:60-10:00", "x" * 40])
def test_a_malformed_window_is_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_window(text)
    assert caught.value.code == "input.invalid_window"
