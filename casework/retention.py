"""How long a child's record is kept, and the records past it (decision 0016).

Each record has a kind, from the legal statuses it ever held, and each kind a retention
rule: kept until a birthday, or until some years after the last activity on the record
(the last episode, legal status or placement; the record's creation if it has none),
whichever is later. The defaults:

- **looked after** (or a care leaver): until the 75th birthday. The Care Planning,
  Placement and Case Review (England) Regulations 2010, regulation 50: a looked-after
  child's case record is kept until the 75th anniversary of their birth (or 15 years
  after death, if they die before 18; Homeward does not hold deaths).
- **child protection**, **child in need** and **other** (a child known only through
  missing episodes): until the 25th birthday, or 6 years after the last activity if
  later. There is no statutory period; this is the common local-authority schedule (the
  Limitation Act 1980: six years from the age of 18, with a year's margin), and councils
  differ (some keep child protection records 35 years after last contact). Set
  `RETENTION_JSON` to the council's own schedule.

The records officer (permission `children.review_retention`, given by a group in the
admin) reviews the records past retention and erases them (casework.erasure).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max, QuerySet
from django.utils import timezone

from agencies.models import User
from children.models import Child, LegalStatus, LegalStatusKind
from core.audit import note_record
from core.clock import add_months
from core.errors import NotAllowed


@dataclasses.dataclass(frozen=True)
class RetentionRule:
    kind: str
    label: str
    until_birthday: int | None
    years_after_last_activity: int | None
    source: str


DEFAULT_RULES = {
    "looked_after": RetentionRule(
        "looked_after",
        "Looked after or care leaver",
        75,
        None,
        "Care Planning, Placement and Case Review (England) Regulations 2010, reg. 50",
    ),
    "child_protection": RetentionRule(
        "child_protection",
        "Child protection plan",
        25,
        6,
        "Local schedule (no statutory period); Limitation Act 1980",
    ),
    "child_in_need": RetentionRule(
        "child_in_need",
        "Child in need",
        25,
        6,
        "Local schedule (no statutory period); Limitation Act 1980",
    ),
    "other": RetentionRule(
        "other",
        "Missing episodes only",
        25,
        6,
        "Local schedule (no statutory period); Limitation Act 1980",
    ),
}


def retention_rules() -> dict[str, RetentionRule]:
    """The defaults, with the council's overrides from RETENTION_JSON, e.g.
    `{"child_protection": {"years_after_last_activity": 35}}`."""
    overrides = json.loads(getattr(settings, "RETENTION_JSON", "") or "{}")
    rules = dict(DEFAULT_RULES)
    for kind, changes in overrides.items():
        if kind not in rules:
            raise ImproperlyConfigured(f"RETENTION_JSON: no record kind {kind!r}")
        unknown = set(changes) - {"until_birthday", "years_after_last_activity", "source"}
        if unknown:
            raise ImproperlyConfigured(f"RETENTION_JSON: {kind} has no {sorted(unknown)}")
        rules[kind] = dataclasses.replace(rules[kind], **changes)
    return rules


@dataclasses.dataclass
class RetentionRow:
    child: Child
    rule: RetentionRule
    last_activity: dt.date
    retention_until: dt.date


def _kind(statuses: set[str]) -> str:
    # The longest-kept kind the record ever held decides.
    if statuses & {LegalStatusKind.LOOKED_AFTER, LegalStatusKind.CARE_LEAVER}:
        return "looked_after"
    if LegalStatusKind.CHILD_PROTECTION in statuses:
        return "child_protection"
    if LegalStatusKind.CHILD_IN_NEED in statuses:
        return "child_in_need"
    return "other"


def _with_last_activity(children: QuerySet[Child]) -> QuerySet[Child]:
    return children.annotate(
        last_episode=Max("episodes__last_seen_at"),
        last_return=Max("episodes__returned_at"),
        last_status_start=Max("legal_statuses__start_date"),
        last_status_end=Max("legal_statuses__end_date"),
        last_placement_end=Max("placements__end_date"),
    )


def retention_row(child: Child, rules: dict[str, RetentionRule] | None = None) -> RetentionRow:
    rules = rules or retention_rules()
    annotated = getattr(child, "last_episode", "missing")
    if annotated == "missing":
        child = _with_last_activity(Child.objects.filter(pk=child.pk)).get()
    statuses = set(LegalStatus.objects.filter(child=child).values_list("status", flat=True))
    rule = rules[_kind(statuses)]
    dates: list[dt.date] = []
    for value in (child.last_episode, child.last_return):  # type: ignore[attr-defined]
        if value is not None:
            dates.append(timezone.localdate(value))
    for day in (child.last_status_start, child.last_status_end, child.last_placement_end):  # type: ignore[attr-defined]
        if day is not None:
            dates.append(day)
    # A record with nothing on it dates from when it was made.
    last_activity = max(dates) if dates else timezone.localdate(child.created_at)
    until = [dt.date.min]
    if rule.until_birthday is not None:
        until.append(add_months(child.date_of_birth, 12 * rule.until_birthday))
    if rule.years_after_last_activity is not None:
        until.append(add_months(last_activity, 12 * rule.years_after_last_activity))
    return RetentionRow(child, rule, last_activity, max(until))


def may_review_retention(user: object) -> bool:
    """The records officer: the permission, given by a group. Not a superuser by being one
    (administrators do not read cases, decision 0002)."""
    return (
        isinstance(user, User)
        and user.is_active
        and not user.is_superuser
        and user.has_perm("children.review_retention")
    )


def records_past_retention(user: User, *, today: dt.date | None = None) -> list[RetentionRow]:
    """Records whose retention ended on or before `today`, not yet erased, soonest first.

    Only children old enough for the shortest rule are read (an indexed date of birth),
    so the page reads the few old records, never every child."""
    if not may_review_retention(user):
        raise NotAllowed("Only a records officer reviews records past retention.")
    today = today or timezone.localdate()
    rules = retention_rules()
    youngest = min(rule.until_birthday or 0 for rule in rules.values())
    born_by = add_months(today, -12 * youngest)
    candidates = _with_last_activity(
        Child.objects.filter(erased_at__isnull=True, date_of_birth__lte=born_by).order_by(
            "date_of_birth", "pk"
        )
    )
    rows = [retention_row(child, rules) for child in candidates]
    due = sorted(
        (row for row in rows if row.retention_until <= today),
        key=lambda row: (row.retention_until, row.child.pk),
    )
    for row in due:
        note_record(row.child)  # the review page's access event
    return due
