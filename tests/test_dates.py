"""The `when` and `day` filters write what Django's `dateformat` writes for their formats,
in Europe/London, without its per-call parsing (casework.templatetags.dates)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import dateformat, timezone

from casework.templatetags.dates import DATE_FORMAT, DATE_TIME_FORMAT, day, when

UTC = dt.UTC
LONDON = zoneinfo.ZoneInfo("Europe/London")


def moments() -> list[dt.datetime]:
    # Every month, the first and last minutes of days, both clock changes of 2026
    # (29 March, 25 October, 01:00 UTC), and years before 1000.
    found = [
        dt.datetime(2026, month, day_, hour, minute, tzinfo=UTC)
        for month in range(1, 13)
        for day_ in (1, 9, 28)
        for hour, minute in ((0, 0), (0, 59), (9, 5), (23, 59))
    ]
    for change in (
        dt.datetime(2026, 3, 29, 1, tzinfo=UTC),
        dt.datetime(2026, 10, 25, 1, tzinfo=UTC),
    ):
        found += [change + dt.timedelta(minutes=m) for m in range(-61, 62, 30)]
    found += [
        dt.datetime(999, 12, 31, 23, 30, tzinfo=UTC),
        dt.datetime(2026, 6, 10, 13, 30, tzinfo=LONDON),
    ]
    return found


def test_when_writes_the_moment_as_dateformat_does_in_london() -> None:
    for moment in moments():
        expected = dateformat.format(timezone.localtime(moment), DATE_TIME_FORMAT)
        assert when(moment) == expected, moment


def test_when_of_a_naive_moment_writes_it_as_it_is() -> None:
    naive = dt.datetime(2026, 7, 4, 8, 7)
    assert when(naive) == dateformat.format(naive, DATE_TIME_FORMAT) == "4 July 2026, 08:07"


def test_day_writes_dates_and_the_london_date_of_a_moment() -> None:
    for moment in moments():
        assert day(moment) == dateformat.format(timezone.localtime(moment).date(), DATE_FORMAT)
        assert day(moment.date()) == dateformat.format(moment.date(), DATE_FORMAT)
    # 23:30 UTC on 10 June is 00:30 on 11 June in London (BST).
    assert day(dt.datetime(2026, 6, 10, 23, 30, tzinfo=UTC)) == "11 June 2026"
    assert when(dt.datetime(2026, 6, 10, 23, 30, tzinfo=UTC)) == "11 June 2026, 00:30"
    assert when(dt.date(2026, 1, 2)) == "2 January 2026"


def test_nothing_is_written_for_nothing() -> None:
    assert day(None) == day("") == when(None) == ""
    assert day("not a date") == "not a date"
