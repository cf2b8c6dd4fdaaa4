"""Ofsted's Annex A, list 8 (children in care), filled from what Homeward holds.

`annex_a_list_8(acting_user=..., authority=..., on=date)` gives Ofsted's columns in
Ofsted's order, one row per child looked after on `on` or who left care in the six months
before it. Homeward fills the columns it holds (identity, legal status, placement,
allocation and the four missing columns); the others are left empty for the council.

"In the last 12 months" counts episodes whose start (the London date last seen) is after
the same date a year before `on` and no later than `on`. The return interview columns read
the last missing episode: offered if an interview covering it was recorded; accepted if
it was held, not accepted if declined or not engaged with, empty while it is pending or
when none was offered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db.models import Prefetch

from agencies.models import Actor, Agency
from children.models import Allocation, Child, LegalStatusKind, PlacementKind, Sex
from core.clock import add_months, age_on, london_date
from episodes.models import Category, Episode
from reports.ssda903 import care_periods, require_returns
from returns.models import Outcome, ReturnInterview

YES, NO = "a) Yes", "b) No"
GENDER = {Sex.MALE: "a) Male", Sex.FEMALE: "b) Female", Sex.OTHER: "d) Indeterminate"}
GENDER_UNKNOWN = "c) Not stated/recorded"
PLACEMENT_TYPE = {
    PlacementKind.HOME: "Placed with parents or other person with parental responsibility",
    PlacementKind.FOSTER: "Foster placement",
    PlacementKind.RESIDENTIAL: "Children's home",
    PlacementKind.SEMI_INDEPENDENT: "Semi-independent living accommodation",
    PlacementKind.OTHER: "Other placement",
}
MISSING_COLUMN = (
    "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months"
)
ABSENT_COLUMN = (
    "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months"
)
OFFERED_COLUMN = "Was the child offered a Return Interview after their last missing episode (Y/N)?"
ACCEPTED_COLUMN = "Did the child accept a Return Interview after their last missing episode (Y/N)?"
COLUMNS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Disability",
    "Unaccompanied Asylum Seeking Child (UASC)",
    "Date Started to be Looked After",
    "Child's Legal Status",
    "Category of Need",
    "Number of Placements in the Last 12 Months",
    "Date of Latest Statutory Review",
    "Date of Last Visit by Social Worker",
    "Permanence Plan",
    "Placement Type",
    "Placement Start Date",
    "Placement Provider",
    "Placement Postcode",
    "Placement Location (Inside/Outside LA)",
    "Placement Local Authority",
    MISSING_COLUMN,
    ABSENT_COLUMN,
    OFFERED_COLUMN,
    ACCEPTED_COLUMN,
    "Date Ceased to be Looked After",
    "Reason Ceased to be Looked After",
    "Allocated Team",
    "Allocated Worker",
]


def ofsted_date(day: dt.date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


@dataclasses.dataclass(frozen=True)
class InterviewAnswer:
    offered: str
    accepted: str


def interview_answer(episode: Episode | None, interviews: list[ReturnInterview]) -> InterviewAnswer:
    if episode is None:
        return InterviewAnswer("", "")
    covering = [i for i in interviews if episode.pk in {e.pk for e in i.episodes.all()}]
    if not covering:
        return InterviewAnswer(NO, "")
    latest = max(covering, key=lambda i: i.offered_at)
    if latest.outcome == Outcome.HELD:
        return InterviewAnswer(YES, YES)
    if latest.outcome in (Outcome.DECLINED, Outcome.NO_ENGAGEMENT):
        return InterviewAnswer(YES, NO)
    return InterviewAnswer(YES, "")


def annex_a_list_8(*, acting_user: Actor, authority: Agency, on: dt.date) -> list[list[object]]:
    """Rows of list 8 (without the header row: COLUMNS is it)."""
    require_returns(acting_user, authority)
    since_left = add_months(on, -6)
    year_before = add_months(on, -12)
    children = (
        Child.objects.filter(
            responsible_authority=authority,
            legal_statuses__status=LegalStatusKind.LOOKED_AFTER,
            legal_statuses__start_date__lte=on,
        )
        .distinct()
        .order_by("local_child_id", "pk")
        .prefetch_related(
            "legal_statuses",
            "placements__host_authority",
            Prefetch(
                "allocations",
                queryset=Allocation.objects.filter(ended_at__isnull=True).select_related(
                    "team", "worker"
                ),
            ),
            Prefetch(
                "episodes",
                queryset=Episode.objects.filter(entered_in_error=False).order_by("last_seen_at"),
            ),
            Prefetch(
                "return_interviews",
                queryset=ReturnInterview.objects.prefetch_related("episodes"),
            ),
        )
    )
    rows: list[list[object]] = []
    for child in children:
        periods = care_periods(child.legal_statuses.all())
        period = next(
            (
                p
                for p in reversed(periods)
                if p.start <= on and (p.last_day is None or p.last_day >= since_left)
            ),
            None,
        )
        if period is None:
            continue
        in_care_now = period.covers(on)
        placement = next(
            (
                p
                for p in child.placements.all()
                if p.start_date <= on and (p.end_date is None or on <= p.end_date)
            ),
            None,
        )
        recent = [
            e for e in child.episodes.all() if year_before < london_date(e.last_seen_at) <= on
        ]
        missing = [e for e in recent if e.category == Category.MISSING]
        absent = [e for e in recent if e.category == Category.ABSENT]
        last_missing = max(
            (
                e
                for e in child.episodes.all()
                if e.category == Category.MISSING and london_date(e.last_seen_at) <= on
            ),
            key=lambda e: e.last_seen_at,
            default=None,
        )
        answer = interview_answer(last_missing, list(child.return_interviews.all()))
        allocations = list(child.allocations.all())
        values = {
            "Child Unique ID": child.local_child_id,
            "Gender": GENDER.get(child.sex, GENDER_UNKNOWN),  # type: ignore[call-overload]
            "Ethnicity": child.ethnicity,
            "Date of Birth": ofsted_date(child.date_of_birth),
            "Age of Child (Years)": age_on(child.date_of_birth, on),
            "Unaccompanied Asylum Seeking Child (UASC)": YES if child.is_uasc else NO,
            "Date Started to be Looked After": ofsted_date(period.start),
            "Child's Legal Status": "Looked after" if in_care_now else "Left care",
            "Placement Type": PLACEMENT_TYPE.get(placement.kind, "") if placement else "",  # type: ignore[call-overload]
            "Placement Start Date": ofsted_date(placement.start_date) if placement else "",
            "Placement Provider": placement.provider if placement else "",
            "Placement Postcode": placement.postcode if placement else "",
            "Placement Location (Inside/Outside LA)": (
                ("Outside LA" if placement.host_authority_id != authority.pk else "Inside LA")
                if placement
                else ""
            ),
            "Placement Local Authority": placement.host_authority.name if placement else "",
            MISSING_COLUMN: len(missing),
            ABSENT_COLUMN: len(absent),
            OFFERED_COLUMN: answer.offered,
            ACCEPTED_COLUMN: answer.accepted,
            "Date Ceased to be Looked After": "" if in_care_now else ofsted_date(period.ceased),
            "Allocated Team": "; ".join(a.team.name for a in allocations),
            "Allocated Worker": "; ".join(str(a.worker) for a in allocations if a.worker),
        }
        rows.append([values.get(column, "") for column in COLUMNS])
    return rows
