"""Time left in words, for deadlines on the home page and a child's record.

    {% load timewords %}
    {{ deadline.due_at|time_left }}  -> "due in 5 hours" / "overdue by 2 days" / "due now"

The largest whole unit, rounded down (a deadline due in 1 day 23 hours is "due in 1 day":
the number never overstates the time left).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()

UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


def _amount(seconds: int) -> str:
    for unit, size in UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"


def time_left_in_words(due_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if due_at is None:
        return ""
    now = now or timezone.now()
    seconds = int((due_at - now).total_seconds())
    if seconds > 0:
        return f"due in {_amount(seconds)}"
    if seconds == 0:
        return "due now"
    return f"overdue by {_amount(-seconds)}"


@register.filter
def time_left(due_at: dt.datetime | None) -> str:
    return time_left_in_words(due_at)
