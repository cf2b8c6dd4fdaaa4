"""Template filters the casework pages share: time left in words, links to a child's record.

{% load casework %}
{{ deadline.due_at|time_left }}          -> "due in 5 hours" / "overdue by 2 days"
{{ deadline.due_at|time_left_tag }}      -> the GOV.UK tag colour for that time left
{{ child.pk|child_record_url }}          -> /children/12/
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import reverse
from django.utils import timezone

from children.templatetags.timewords import time_left

register = template.Library()

# Within this much of its due time, a deadline is shown in the "due soon" colour.
SOON = dt.timedelta(hours=24)


# One wording everywhere: the same filter as the record and home pages.
register.filter("time_left", time_left)


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
    """The child's record page (casework:child_record), at /children/<id>/."""
    return reverse("casework:child_record", args=[child_id])
