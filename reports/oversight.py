"""The oversight lists: live, not a period. Each is the agenda of a real meeting.

They count the same children as the committee report (reports.selectors.report_children),
so a team manager's lists hold only their teams' children; every child in a list is one
the reader may open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from children.models import Child, LegalStatus
from core.arrays import any_of
from core.clock import add_months, london_date, start_of_london_day
from episodes.models import Episode, PoliceRisk
from panels.models import PanelReferral
from reports.definitions import EXPLOITATION, LEGAL_STATUS_LABELS
from risk.models import Indicator, RiskAssessment


@dataclasses.dataclass
class OversightList:
    key: str
    title: str
    meeting: str
    headers: list[str]
    rows: list[list[Any]]
    child_ids: list[int]

    @property
    def entries(self) -> list[tuple[int, str | int, list[str | int]]]:
        """(child id, name, the other cells) for each row: the name links to the record."""
        return [(cid, row[0], row[1:]) for cid, row in zip(self.child_ids, self.rows, strict=True)]

    @property
    def body_html(self) -> SafeString:
        """The table's rows as GOV.UK markup, each name a link to the child's record,
        built here rather than in a template loop (an authority's five lists are some 500
        rows; the loop and a URL reversed per row were most of the page: issue 13).
        Every text is escaped."""
        record = reverse("casework:child_record", args=[_ANY_ID])
        return mark_safe(  # noqa: S308 - every text below is escaped
            "".join(
                '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
                f'<a class="govuk-link" href="{escape(record.replace(str(_ANY_ID), str(int(cid))))}">'
                f"{escape(name)}</a></th>"
                + "".join(f'<td class="govuk-table__cell">{escape(cell)}</td>' for cell in cells)
                + "</tr>"
                for cid, name, cells in self.entries
            )
        )


# A child id no record has, reversed once a list and replaced by each row's own.
_ANY_ID = 987654321987


def _of(children: QuerySet[Child]) -> Q:
    """The episodes of these children, read from them through the episodes' child index
    (`child_id = ANY(ARRAY(...))`): as `child_id IN (...)` PostgreSQL read the open
    episodes of the whole country (20,000 at national scale) and hashed them to an
    authority's children."""
    return any_of("child_id", children.order_by().values("pk"))


def _status_now(today: dt.date) -> Subquery:
    return Subquery(
        LegalStatus.objects.filter(child_id=OuterRef("child_id"), start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("status")[:1]
    )


def _hours(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} hours" if days else f"{hours} hours"


def missing_now(children: QuerySet[Child], now: dt.datetime) -> OversightList:
    episodes = (
        Episode.objects.using(children.db)
        .filter(_of(children), returned_at__isnull=True, entered_in_error=False)
        .annotate(status_now=_status_now(london_date(now)))
        .select_related("child")
        .order_by("last_seen_at")
    )
    risks = dict(PoliceRisk.choices)
    rows, ids = [], []
    for episode in episodes:
        ids.append(episode.child_id)
        rows.append(
            [
                episode.child.full_name,
                LEGAL_STATUS_LABELS.get(episode.status_now or "none", "None"),
                episode.get_category_display(),
                risks.get(episode.police_risk, "Not graded"),
                f"{london_date(episode.last_seen_at):%d/%m/%Y}",
                _hours(now - episode.last_seen_at),
            ]
        )
    return OversightList(
        "missing_now",
        "Children missing now",
        "Daily missing children tracking: longest missing first",
        ["Child", "Legal status", "Category", "Police risk grading", "Last seen", "Time missing"],
        rows,
        ids,
    )


def looked_after_missing_this_week(children: QuerySet[Child], now: dt.datetime) -> OversightList:
    since = start_of_london_day(london_date(now) - dt.timedelta(days=6))
    episodes = (
        Episode.objects.using(children.db)
        .filter(_of(children), entered_in_error=False)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=since))
        .filter(
            Exists(
                LegalStatus.objects.filter(
                    child_id=OuterRef("child_id"),
                    status="looked_after",
                    start_date__lte=london_date(now),
                ).filter(Q(end_date__isnull=True) | Q(end_date__gte=london_date(now)))
            )
        )
        .select_related("child")
        .order_by("last_seen_at")
    )
    rows, ids = [], []
    for episode in episodes:
        ids.append(episode.child_id)
        rows.append(
            [
                episode.child.full_name,
                episode.get_category_display(),
                f"{london_date(episode.last_seen_at):%d/%m/%Y}",
                f"{london_date(episode.returned_at):%d/%m/%Y}"
                if episode.returned_at
                else "Still missing",
            ]
        )
    return OversightList(
        "looked_after_this_week",
        "Looked-after children missing in the last 7 days",
        "Weekly Director of Children's Services and Lead Member tracking meeting",
        ["Child", "Category", "Last seen", "Returned"],
        rows,
        ids,
    )


def _episode_counts(children: QuerySet[Child], since: dt.datetime) -> QuerySet[Any]:
    return children.annotate(
        recent=Count(
            "episodes",
            filter=Q(episodes__entered_in_error=False, episodes__last_seen_at__gte=since),
        )
    )


def repeat_episodes(children: QuerySet[Child], now: dt.datetime) -> OversightList:
    # PROTOCOL.md "Time": 90 days counted on London dates, inclusive at both ends.
    since = start_of_london_day(london_date(now) - dt.timedelta(days=90))
    rows, ids = [], []
    for child in (
        _episode_counts(children, since).filter(recent__gte=3).order_by("-recent", "family_name")
    ):
        ids.append(child.pk)
        rows.append([child.full_name, child.age_on(london_date(now)), child.recent])
    return OversightList(
        "repeat_episodes",
        "Children with 3 or more episodes in 90 days",
        "Repeat missing review (a strategy meeting is due within 5 days of the third)",
        ["Child", "Age", "Episodes in 90 days"],
        rows,
        ids,
    )


def approaching_eighteen(children: QuerySet[Child], now: dt.datetime) -> OversightList:
    today = london_date(now)
    # 17 today: the 18th birthday falls within the next year (transition planning).
    born_after = add_months(today, -18 * 12)
    born_on_or_before = add_months(today, -17 * 12)
    since = start_of_london_day(add_months(today, -12))
    chosen = (
        _episode_counts(children, since)
        .filter(date_of_birth__gt=born_after, date_of_birth__lte=born_on_or_before, recent__gte=1)
        .order_by("date_of_birth")
    )
    rows, ids = [], []
    for child in chosen:
        ids.append(child.pk)
        rows.append([child.full_name, f"{child.date_of_birth:%d/%m/%Y}", child.recent])
    return OversightList(
        "approaching_eighteen",
        "Children approaching 18 with episodes in the last 12 months",
        "Leaving care and transition planning",
        ["Child", "Date of birth", "Episodes in 12 months"],
        rows,
        ids,
    )


def vulnerable_adolescents(children: QuerySet[Child], now: dt.datetime) -> OversightList:
    today = london_date(now)
    since = start_of_london_day(add_months(today, -12))
    indicators = [indicator for indicator, _pull in EXPLOITATION.values()]
    concerns = RiskAssessment.objects.filter(
        child_id=OuterRef("pk"), assessed_at__gte=since, indicators__overlap=indicators
    )
    referrals = PanelReferral.objects.filter(child_id=OuterRef("pk"), referred_at__gte=since)
    chosen = (
        _episode_counts(children, since)
        .filter(recent__gte=1, date_of_birth__lte=add_months(today, -10 * 12))
        .filter(Exists(concerns) | Exists(referrals))
        .annotate(
            referred=Exists(referrals),
            concerns=Subquery(concerns.order_by("-assessed_at").values("indicators")[:1]),
        )
        .order_by(F("recent").desc(), "family_name")
    )
    labels = dict(Indicator.choices)
    rows, ids = [], []
    for child in chosen:
        ids.append(child.pk)
        named = ", ".join(labels.get(i, i) for i in (child.concerns or []) if i in indicators)
        rows.append(
            [
                child.full_name,
                child.age_on(today),
                child.recent,
                named or "None recorded",
                "Yes" if child.referred else "No",
            ]
        )
    return OversightList(
        "vulnerable_adolescents",
        "Vulnerable adolescents: missing, with exploitation concerns or panel referrals",
        "Multi-agency exploitation panel (MACE)",
        ["Child", "Age", "Episodes in 12 months", "Exploitation concerns", "Referred to panel"],
        rows,
        ids,
    )


LISTS = {
    "missing_now": missing_now,
    "looked_after_this_week": looked_after_missing_this_week,
    "repeat_episodes": repeat_episodes,
    "approaching_eighteen": approaching_eighteen,
    "vulnerable_adolescents": vulnerable_adolescents,
}


def oversight_lists(children: QuerySet[Child], now: dt.datetime) -> list[OversightList]:
    return [build(children, now) for build in LISTS.values()]
