"""The status tag a deadline wears on the record and home pages, at its boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from casework.deadlines import deadline_state, tag_for
from protocol.models import Deadline

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def deadline(status: str = "open", *, due_in=dt.timedelta(hours=10), **fields) -> Deadline:
    due_at = NOW + due_in
    values = {
        "status": status,
        "opens_at": due_at - dt.timedelta(hours=72),
        "due_at": due_at,
        "due_soon_at": due_at - dt.timedelta(hours=18),
    }
    values.update(fields)
    return Deadline(**values)


@pytest.mark.parametrize(
    ("made", "state"),
    [
        (deadline(due_in=dt.timedelta(hours=18) + SECOND), "open"),
        (deadline(due_in=dt.timedelta(hours=18)), "due_soon"),
        (deadline(due_in=SECOND), "due_soon"),
        (deadline(due_in=dt.timedelta(0)), "overdue"),
        (deadline(due_in=-dt.timedelta(days=3)), "overdue"),
        (deadline("scheduled", opens_at=NOW + SECOND, due_in=dt.timedelta(hours=30)), "scheduled"),
        (deadline("scheduled", opens_at=NOW, due_in=dt.timedelta(hours=30)), "open"),
        (deadline("met", met_at=NOW), "met"),
        (deadline("met", met_at=NOW - SECOND, due_in=dt.timedelta(0)), "met"),
        (deadline("met", met_at=NOW, due_in=dt.timedelta(0)), "met_late"),
        (
            deadline("met", met_at=NOW, due_in=-dt.timedelta(hours=2), breached_at=NOW - SECOND),
            "met_late",
        ),
        (deadline("breached", breached_at=NOW), "breached"),
        (deadline("cancelled", cancelled_at=NOW), "cancelled"),
    ],
)
def test_each_deadline_state_at_its_boundary(made, state):
    assert deadline_state(made, NOW) == state


def test_tags_are_govuk_colours_with_words():
    assert tag_for(deadline(due_in=-SECOND), NOW) == ("Overdue", "govuk-tag--red")
    assert tag_for(deadline("met", met_at=NOW), NOW) == ("Met", "govuk-tag--green")
    assert tag_for(deadline("cancelled"), NOW) == ("Cancelled", "govuk-tag--grey")
