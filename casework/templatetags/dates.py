"""One date format across the service (issue 11), as GOV.UK writes dates: "10 June 2026",
and with a time "10 June 2026, 14:30", always in Europe/London. Built in to every
template (settings TEMPLATES "builtins"): `{{ value|when }}`, `{{ value|day }}`.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import dateformat, timezone

register = template.Library()

DATE_FORMAT = "j F Y"
DATE_TIME_FORMAT = "j F Y, H:i"


@register.filter
def when(value: dt.datetime | None) -> str:
    """A moment, as the clocks in London showed it: "10 June 2026, 14:30"."""
    if not isinstance(value, dt.datetime):
        return day(value)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATE_TIME_FORMAT)


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """A calendar date: "10 June 2026" (a moment is read as its London date)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, dt.date):
        return str(value)
    return dateformat.format(value, DATE_FORMAT)
