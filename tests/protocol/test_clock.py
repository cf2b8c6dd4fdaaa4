"""core.clock: London wall-clock times, calendar months and birthdays."""

from __future__ import annotations

import datetime as dt

import pytest

from core.clock import (
    LONDON,
    AmbiguousLocalTime,
    NonExistentLocalTime,
    add_months,
    age_on,
    anniversary,
    eighteenth_birthday_starts,
    london_date,
    london_wall_time,
    require_aware,
    start_of_london_day,
)


def test_a_wall_time_in_the_spring_gap_is_refused_with_a_clear_message():
    with pytest.raises(NonExistentLocalTime, match="01:30 on 29 March 2026 does not exist"):
        london_wall_time(dt.datetime(2026, 3, 29, 1, 30))


def test_the_wall_times_either_side_of_the_spring_gap_exist():
    assert london_wall_time(dt.datetime(2026, 3, 29, 0, 59)) == dt.datetime(
        2026, 3, 29, 0, 59, tzinfo=dt.UTC
    )
    assert london_wall_time(dt.datetime(2026, 3, 29, 2, 0)) == dt.datetime(
        2026, 3, 29, 1, 0, tzinfo=dt.UTC
    )


def test_a_wall_time_in_the_repeated_autumn_hour_needs_its_offset():
    with pytest.raises(AmbiguousLocalTime, match="01:30 on 25 October 2026 happened twice"):
        london_wall_time(dt.datetime(2026, 10, 25, 1, 30))


def test_the_repeated_autumn_hour_is_bst_first_and_gmt_second():
    first = london_wall_time(dt.datetime(2026, 10, 25, 1, 30), fold=0)
    second = london_wall_time(dt.datetime(2026, 10, 25, 1, 30), fold=1)
    assert first.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    assert second.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


def test_london_wall_time_refuses_a_time_that_already_has_a_zone():
    with pytest.raises(ValueError, match="without a zone"):
        london_wall_time(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC))


def test_a_naive_time_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="returned at must carry a time zone"):
        require_aware(dt.datetime(2026, 6, 1, 9, 0), "returned at")


def test_the_london_date_of_an_instant_just_after_midnight_bst_is_the_next_day():
    assert london_date(dt.datetime(2026, 6, 1, 23, 0, tzinfo=dt.UTC)) == dt.date(2026, 6, 2)
    assert london_date(dt.datetime(2026, 6, 1, 22, 59, 59, tzinfo=dt.UTC)) == dt.date(2026, 6, 1)


def test_the_start_of_a_london_day_follows_the_offset_of_that_day():
    assert start_of_london_day(dt.date(2026, 6, 1)).astimezone(dt.UTC) == dt.datetime(
        2026, 5, 31, 23, 0, tzinfo=dt.UTC
    )
    assert start_of_london_day(dt.date(2026, 12, 1)).astimezone(dt.UTC) == dt.datetime(
        2026, 12, 1, 0, 0, tzinfo=dt.UTC
    )
    assert start_of_london_day(dt.date(2026, 3, 29)).tzinfo is LONDON


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 3, dt.date(2026, 4, 30)),
        (dt.date(2026, 3, 31), 3, dt.date(2026, 6, 30)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 1, 15), 3, dt.date(2026, 4, 15)),
        (dt.date(2026, 8, 31), -6, dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 15), -1, dt.date(2025, 12, 15)),
    ],
)
def test_calendar_months_clamp_to_the_last_day_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_a_29_february_birthday_falls_on_1_march_in_a_common_year():
    assert anniversary(dt.date(2008, 2, 29), 18) == dt.date(2026, 3, 1)
    assert anniversary(dt.date(2008, 2, 29), 4) == dt.date(2012, 2, 29)


def test_a_29_february_child_is_17_on_28_february_and_18_on_1_march():
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


def test_age_changes_on_the_birthday_not_the_day_before():
    assert age_on(dt.date(2013, 6, 10), dt.date(2026, 6, 9)) == 12
    assert age_on(dt.date(2013, 6, 10), dt.date(2026, 6, 10)) == 13


def test_the_18th_birthday_begins_at_midnight_london_time():
    assert eighteenth_birthday_starts(dt.date(2008, 2, 29)).astimezone(dt.UTC) == dt.datetime(
        2026, 3, 1, 0, 0, tzinfo=dt.UTC
    )
    assert eighteenth_birthday_starts(dt.date(2008, 6, 1)).astimezone(dt.UTC) == dt.datetime(
        2026, 5, 31, 23, 0, tzinfo=dt.UTC
    )
