"""One date format across the service (issue 11), as GOV.UK writes dates: "10 June 2026",
and with a time "10 June 2026, 14:30", always in Europe/London. Built in to every
template (settings TEMPLATES "builtins"): `{{ value|when }}`, `{{ value|day }}`.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()

# The format strings these filters write, in Django's date format syntax (for forms and
# tests that compare): "10 June 2026, 14:30" and "10 June 2026".
DATE_FORMAT = "j F Y"
DATE_TIME_FORMAT = "j F Y, H:i"
# English month names (USE_I18N is off): a page writes hundreds of dates, and Django's
# `dateformat.format` parses the format string and looks the month up through gettext for
# each one (tests/test_dates.py holds these to it).
MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@register.filter
def when(value: dt.datetime | None) -> str:
    """A moment, as the clocks in London showed it: "10 June 2026, 14:30"."""
    if not isinstance(value, dt.datetime):
        return day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return (
        f"{value.day} {MONTHS[value.month]} {value.year:04d}, {value.hour:02d}:{value.minute:02d}"
    )


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """A calendar date: "10 June 2026" (a moment is read as its London date)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return f"{value.day} {MONTHS[value.month]} {value.year:04d}"
