"""Synthetic episodes written straight to the tables, at the instants a test needs."""

from __future__ import annotations

import datetime as dt

from agencies.models import User
from children.models import Child
from core.clock import LONDON
from episodes.models import Episode
from reports.counting import CommitteeReport, Filters, Period, committee_report
from reports.selectors import report_children, report_scope


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def add_episode(
    child: Child,
    last_seen_at: dt.datetime,
    returned_at: dt.datetime | None = None,
    *,
    reported_by: User,
    category: str = "missing",
    missing_from: str = "home",
    entered_in_error: bool = False,
) -> Episode:
    return Episode.objects.create(
        child=child,
        category=category,
        missing_from=missing_from,
        last_seen_at=last_seen_at,
        reported_at=last_seen_at,
        reported_by=reported_by,
        returned_at=returned_at,
        entered_in_error=entered_in_error,
    )


def report_for(user: User, start: dt.date, end: dt.date, **filters: object) -> CommitteeReport:
    scope = report_scope(user)
    authority_id = filters.pop("authority_id", None)
    team_id = filters.pop("team_id", None)
    children = report_children(user, scope, authority_id=authority_id, team_id=team_id)  # type: ignore[arg-type]
    return committee_report(children, Filters(Period(start, end), **filters), team_id=team_id)  # type: ignore[arg-type]


def month(report: CommitteeReport, key: str) -> dict:
    return next(row for row in report.episodes_by_month if row["month"] == key)
