"""Template filters the casework pages share: time left in words, links to a child's record.

{% load casework %}
{{ deadline.due_at|time_left }}          -> "due in 5 hours" / "overdue by 2 days"
{{ deadline.due_at|time_left_tag }}      -> the GOV.UK tag colour for that time left
{{ child.pk|child_record_url }}          -> /children/12/
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

register = template.Library()

# Within this much of its due time, a deadline is shown in the "due soon" colour.
SOON = dt.timedelta(hours=24)


def _amount(delta: dt.timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"


def time_left_words(due_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "due in 5 hours", "overdue by 2 days": the largest whole unit, rounded down."""
    if due_at is None:
        return "no deadline"
    now = now or timezone.now()
    if due_at > now:
        return f"due in {_amount(due_at - now)}"
    if due_at == now:
        return "due now"
    return f"overdue by {_amount(now - due_at)}"


@register.filter
def time_left(due_at: dt.datetime | None) -> str:
    return time_left_words(due_at)


@register.filter
def time_left_tag(due_at: dt.datetime | None) -> str:
    """The GOV.UK tag modifier: red overdue, orange due within a day, otherwise grey."""
    if due_at is None:
        return "govuk-tag--grey"
    now = timezone.now()
    if due_at <= now:
        return "govuk-tag--red"
    if due_at - now <= SOON:
        return "govuk-tag--orange"
    return "govuk-tag--grey"


@register.filter
def rag_tag(rag: str) -> str:
    return {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}.get(
        rag, "govuk-tag--grey"
    )


@register.filter
def child_record_url(child_id: int) -> str:
    """The child's record page (children:detail), at /children/<id>/."""
    try:
        return reverse("children:detail", args=[child_id])
    except NoReverseMatch:  # the children pages are another engineer's, and may land later
        return f"/children/{child_id}/"
