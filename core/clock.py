"""Time arithmetic the protocol depends on. Pure functions; no models, no settings.

Two kinds of window (PROTOCOL.md "Time"):
- hour windows are elapsed time: add a timedelta to an aware UTC instant, and the wall
  clock may show 71 or 73 hours across a clock change;
- day, week and month windows are Europe/London calendar dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


class NonExistentLocalTime(ValueError):
    """A wall-clock time skipped by the spring clock change (01:30 on the last Sunday of March)."""


class AmbiguousLocalTime(ValueError):
    """A wall-clock time that happens twice in the autumn: it needs its UTC offset."""


def require_aware(value: dt.datetime, name: str = "time") -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone; naive times are refused")
    return value


def london_date(value: dt.datetime) -> dt.date:
    """The Europe/London calendar date of an aware instant."""
    return require_aware(value).astimezone(LONDON).date()


def start_of_london_day(day: dt.date) -> dt.datetime:
    """00:00 Europe/London on `day`, as an aware instant (never ambiguous: UK changes at 01:00)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON)


def london_wall_time(naive: dt.datetime, *, fold: int | None = None) -> dt.datetime:
    """Interpret a naive wall-clock time in Europe/London, refusing the impossible ones.

    A time in the spring gap does not exist; one in the autumn overlap needs `fold`
    (0 for the first, BST, 1 for the second, GMT). zoneinfo would silently pick one.
    """
    if naive.tzinfo is not None:
        raise ValueError("london_wall_time takes a wall-clock time without a zone")
    first = naive.replace(tzinfo=LONDON, fold=0)
    second = naive.replace(tzinfo=LONDON, fold=1)
    # A wall time that round-trips through UTC unchanged exists; in the gap it does not.
    round_trip = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    if round_trip != naive:
        raise NonExistentLocalTime(
            f"{naive:%H:%M} on {naive:%d %B %Y} does not exist in the UK: the clocks went forward"
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise AmbiguousLocalTime(
                f"{naive:%H:%M} on {naive:%d %B %Y} happened twice in the UK: say whether BST or GMT"
            )
        return naive.replace(tzinfo=LONDON, fold=fold)
    return first


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamping to the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def anniversary(date_of_birth: dt.date, years: int) -> dt.date:
    """The birthday `years` on; a 29 February birth has it on 1 March in a common year."""
    year = date_of_birth.year + years
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return date_of_birth.replace(year=year)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years of age on `day` (birthdays as `anniversary` defines them)."""
    years = day.year - date_of_birth.year
    if anniversary(date_of_birth, years) > day:
        years -= 1
    return years


def eighteenth_birthday_starts(date_of_birth: dt.date) -> dt.datetime:
    """00:00 Europe/London on the 18th birthday (PROTOCOL.md "Time")."""
    return start_of_london_day(anniversary(date_of_birth, 18))
