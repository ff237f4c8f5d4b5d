from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from skill.core.timeutil import as_utc, iso_timestamp, parse_day, parse_iso, parse_moment, unix_seconds
from skill.core.values import int_or_none
from skill.errors import InputError


def test_as_utc_takes_naive_times_as_utc_and_converts_aware_ones() -> None:
    assert as_utc(datetime(2025, 1, 31, 18, 0)) == datetime(2025, 1, 31, 18, 0, tzinfo=UTC)
    paris = timezone(timedelta(hours=1))
    converted = as_utc(datetime(2025, 1, 31, 19, 0, tzinfo=paris))
    assert converted == datetime(2025, 1, 31, 18, 0, tzinfo=UTC) and converted.tzinfo is UTC


def test_a_date_argument_covers_the_whole_day() -> None:
    assert parse_moment("2025-01-31", "start_date") == datetime(2025, 1, 31, tzinfo=UTC)
    assert parse_moment("2025-01-31", "end_date", end=True) == datetime(2025, 1, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_moment("2025-01-31T18:00:00.5Z", "start_date") == datetime(2025, 1, 31, 18, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "31/01/2025"])
def test_unreadable_dates_are_input_errors(value: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_moment(value, "start_date")
    assert refused.value.code == "input.invalid_date"
    with pytest.raises(InputError):
        parse_day(value, "start_date")


def test_provider_times_are_read_leniently() -> None:
    assert parse_iso("2025-01-31T18:00:00") == datetime(2025, 1, 31, 18, tzinfo=UTC)
    assert parse_iso("not a time") is None and parse_iso(None) is None and parse_iso("") is None
    assert parse_day(" 2025-01-31 ", "end_date") == date(2025, 1, 31)


def test_unix_time_round_trips_to_the_second() -> None:
    moment = datetime(2025, 1, 31, 18, 0, 0)
    assert iso_timestamp(unix_seconds(moment)) == "2025-01-31T18:00:00+00:00"


def test_int_or_none_reads_numbers_and_their_text_only() -> None:
    assert int_or_none("21211") == 21211 and int_or_none(3) == 3
    assert int_or_none(None) is None and int_or_none("") is None and int_or_none("n/a") is None
