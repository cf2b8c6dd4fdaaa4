"""The counting rules of the committee reports, written once.

The screen, the CSV and XLSX exports, the PDF pack and the API all call `committee_report`,
so one set of rules gives one set of numbers (the rules are shown on the reports page):

- An episode counts in the month (Europe/London) of its last-seen time, if that time falls
  in the period. Episodes entered in error never count.
- Duration is returned_at - last_seen_at, elapsed. An episode not returned by the end of
  the period is "still missing" and in no duration band.
- An episode's category is its category at the end of the period: a reclassification
  after the period ends is undone for the count (an absent episode made missing within
  the period counts as missing).
- Duration bands: under 24 hours; 24 to under 48 ("1 day"); 48 to under 72 ("2 days");
  72 hours or more ("3 days or more").
- Children are counted once a month and once in the period, however many episodes.
- Return interviews are counted for the episodes returned by the end of the period, by the
  month of the episode; "within 72 hours" is held before returned_at + 72 h (PROTOCOL.md).
- Compliance counts the Deadline ledger's deadlines due in the period, as the engine
  recorded them: met on time (met before due), met late, breached, open, cancelled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from children.models import Child, LegalStatus, Placement
from core.clock import LONDON, add_months, start_of_london_day
from episodes.models import Episode, Reclassification
from protocol.models import Deadline, Rule
from reports.definitions import (
    AGE_BANDS,
    CATEGORY_COLUMNS,
    DURATION_BANDS,
    EPISODE_COUNT_BINS,
    EXPLOITATION,
    RETURN_INTERVIEW_OUTCOMES,
    AgeBand,
)
from returns.models import ReturnInterview
from risk.models import RiskAssessment

HOURS = dt.timedelta(hours=1)
# Episodes annotated by `counted_episodes` (month, column, band...): typed loosely, as the
# annotations are what the grouping reads.
EpisodeRows = QuerySet[Any]


@dataclasses.dataclass(frozen=True)
class Period:
    """From `start` to `end`, both Europe/London dates included."""

    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return start_of_london_day(self.start)

    @property
    def end_at(self) -> dt.datetime:
        """The first instant after the period (00:00 London the day after `end`)."""
        return start_of_london_day(self.end + dt.timedelta(days=1))

    @property
    def months(self) -> list[dt.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def year_earlier(self) -> Period:
        return Period(add_months(self.start, -12), add_months(self.end, -12))


def default_period(today: dt.date) -> Period:
    """The last 13 months: this month so far and the twelve before it."""
    return Period(add_months(today.replace(day=1), -12), today)


@dataclasses.dataclass(frozen=True)
class Filters:
    period: Period
    legal_status: str = ""
    category: str = ""
    age_bands: tuple[AgeBand, ...] = AGE_BANDS


@dataclasses.dataclass
class CommitteeReport:
    """Every number of the committee pack for one scope and period."""

    period: Period
    months: list[dt.date]
    episodes_by_month: list[dict[str, int | str]]
    episodes_year_earlier: list[dict[str, int | str]]
    children_in_period: int
    episodes_in_period: int
    by_sex: list[dict[str, int | str]]
    by_age_band: list[dict[str, int | str]]
    duration_by_month: list[dict[str, int | str]]
    duration_bands: dict[str, int]
    children_by_episode_count: dict[str, int]
    largest_episode_count: int
    exploitation: dict[str, int]
    push_factors: dict[str, int]
    pull_factors: dict[str, int]
    by_legal_status: list[dict[str, int | str]]
    by_placement: list[dict[str, int | str]]
    placed_out_of_area: dict[str, int]
    return_interviews_by_month: list[dict[str, int | str]]
    return_interviews: dict[str, int]
    compliance: list[dict[str, int | str]]
    compliance_by_month: list[dict[str, int | str]]
    compliance_by_team: list[dict[str, int | str]]


class AgeInYears(Func):
    """Whole years between a date of birth and a day, as PostgreSQL's age() counts them."""

    template = "date_part('year', age(%(expressions)s))::int"
    output_field = IntegerField()


def _month_key(value: dt.datetime | dt.date) -> str:
    return f"{value:%Y-%m}"


def counted_episodes(children: QuerySet[Child], filters: Filters) -> EpisodeRows:
    """The episodes a report counts, each annotated with what the rules need."""
    period = filters.period
    end_at = period.end_at
    later_reclassification = Reclassification.objects.filter(
        episode_id=OuterRef("pk"), reclassified_at__gte=end_at
    ).order_by("reclassified_at")
    last_seen_day = TruncDate("last_seen_at", tzinfo=LONDON)
    status_then = LegalStatus.objects.filter(
        child_id=OuterRef("child_id"), start_date__lte=OuterRef("last_seen_day")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("last_seen_day")))
    placement_then = Placement.objects.filter(
        child_id=OuterRef("child_id"), start_date__lte=OuterRef("last_seen_day")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("last_seen_day")))
    duration = ExpressionWrapper(F("returned_at") - F("last_seen_at"), output_field=DurationField())
    episodes = (
        Episode.objects.using(children.db)
        .filter(
            child__in=children,
            entered_in_error=False,
            last_seen_at__gte=period.start_at,
            last_seen_at__lt=end_at,
        )
        .annotate(
            month=TruncMonth("last_seen_at", tzinfo=LONDON),
            last_seen_day=last_seen_day,
            elapsed=duration,
            category_then=Coalesce(
                Subquery(later_reclassification.values("from_category")[:1]), F("category")
            ),
        )
        .annotate(
            column=Case(
                When(category_then="missing", missing_from="home", then=Value("missing_from_home")),
                When(category_then="missing", then=Value("missing_from_placement")),
                default=F("category_then"),
                output_field=CharField(),
            ),
            band=Case(
                When(
                    Q(returned_at__isnull=True) | Q(returned_at__gte=end_at),
                    then=Value("still_missing"),
                ),
                When(Q(elapsed__lt=24 * HOURS), then=Value("under_24_hours")),
                When(Q(elapsed__lt=48 * HOURS), then=Value("one_day")),
                When(Q(elapsed__lt=72 * HOURS), then=Value("two_days")),
                default=Value("three_days_or_more"),
                output_field=CharField(),
            ),
            legal_status_then=Coalesce(
                Subquery(status_then.values("status")[:1]), Value("none"), output_field=CharField()
            ),
            age=AgeInYears(F("last_seen_day"), F("child__date_of_birth")),
        )
    )
    if filters.legal_status:
        episodes = episodes.filter(legal_status_then=filters.legal_status)
    if filters.category:
        episodes = episodes.filter(column=filters.category)
    return episodes.annotate(
        placement_kind=Coalesce(
            Subquery(placement_then.values("kind")[:1]), Value("none"), output_field=CharField()
        ),
        out_of_area=Exists(placement_then.exclude(placing_authority_id=F("host_authority_id"))),
    )


def _by_month(
    rows: QuerySet, months: list[dt.date], keys: tuple[str, ...], field: str
) -> list[dict[str, int | str]]:
    table: dict[str, dict[str, int | str]] = {
        _month_key(m): {"month": _month_key(m), **dict.fromkeys(keys, 0)} for m in months
    }
    for row in rows:
        month = _month_key(row["month"].astimezone(LONDON))
        if month in table and row[field] in keys:
            table[month][row[field]] = row["n"]
    return list(table.values())


def episodes_by_month(episodes: EpisodeRows, months: list[dt.date]) -> list[dict[str, int | str]]:
    columns = tuple(CATEGORY_COLUMNS)
    table = _by_month(
        episodes.values("month", "column").annotate(n=Count("id")).order_by(),
        months,
        columns,
        "column",
    )
    children = {
        _month_key(row["month"].astimezone(LONDON)): row
        for row in episodes.values("month")
        .annotate(episodes=Count("id"), children=Count("child_id", distinct=True))
        .order_by()
    }
    for row in table:
        counted = children.get(str(row["month"]), {"episodes": 0, "children": 0})
        row["episodes"] = counted["episodes"]
        row["children"] = counted["children"]
    return table


def _group(episodes: EpisodeRows, field: str, labels: dict[str, str]) -> list[dict[str, int | str]]:
    counted = {
        row[field]: row
        for row in episodes.values(field)
        .annotate(episodes=Count("id"), children=Count("child_id", distinct=True))
        .order_by()
    }
    rows: list[dict[str, int | str]] = []
    for key, label in labels.items():
        row = counted.get(key, {"episodes": 0, "children": 0})
        rows.append(
            {"key": key, "label": label, "episodes": row["episodes"], "children": row["children"]}
        )
    return rows


def _return_interview_outcome(end_at: dt.datetime) -> Coalesce:
    """The outcome of the interviews covering an episode, the best first (held within 72
    hours, held late, declined, no engagement, offered and awaiting its outcome), or "not
    offered". One correlated subquery on the interview-episode index per episode: the
    EXISTS form was planned as hashed scans of every interview in the country."""
    ranked = (
        ReturnInterview.objects.filter(covered__episode_id=OuterRef("pk"))
        .annotate(
            rank=Case(
                When(
                    outcome="held",
                    held_at__lt=OuterRef("returned_at") + 72 * HOURS,
                    then=Value("1held_within_72_hours"),
                ),
                When(outcome="held", then=Value("2held_late")),
                When(outcome="declined", then=Value("3declined")),
                When(outcome="no_engagement", then=Value("4no_engagement")),
                default=Value("5awaiting_outcome"),
                output_field=CharField(),
            )
        )
        .order_by("rank")
        .values("rank")[:1]
    )
    return Coalesce(
        Func(Subquery(ranked), Value(2), function="substr", output_field=CharField()),
        Value("not_offered"),
        output_field=CharField(),
    )


def return_interviews(
    episodes: EpisodeRows, period: Period
) -> tuple[list[dict[str, int | str]], dict[str, int]]:
    returned = episodes.filter(returned_at__lt=period.end_at).annotate(
        interview=_return_interview_outcome(period.end_at)
    )
    keys = tuple(RETURN_INTERVIEW_OUTCOMES)
    by_month = _by_month(
        returned.values("month", "interview").annotate(n=Count("id")).order_by(),
        period.months,
        keys,
        "interview",
    )
    for row in by_month:
        _derive_interview_totals(row)
    totals: dict[str, int] = dict.fromkeys(keys, 0)
    for row in by_month:
        for key in keys:
            totals[key] += int(row[key])
    _derive_interview_totals(totals)  # type: ignore[arg-type]
    return by_month, totals


def _derive_interview_totals(row: dict[str, int | str]) -> None:
    # "Offered" is every returned episode with an interview offered, whatever became of it.
    row["returned"] = sum(int(row[key]) for key in RETURN_INTERVIEW_OUTCOMES)
    row["offered"] = int(row["returned"]) - int(row["not_offered"])


def children_by_episode_count(episodes: EpisodeRows) -> tuple[dict[str, int], int]:
    counts = (
        episodes.values("child_id").annotate(n=Count("id")).order_by().values_list("n", flat=True)
    )
    bins: dict[str, int] = dict.fromkeys((label for label, _low, _high in EPISODE_COUNT_BINS), 0)
    largest = 0
    for n in counts:
        largest = max(largest, n)
        for label, low, high in EPISODE_COUNT_BINS:
            if low <= n and (high is None or n <= high):
                bins[label] += 1
                break
    return bins, largest


def exploitation(episodes: EpisodeRows) -> dict[str, int]:
    """Episodes linked to each exploitation concern by a risk assessment of the episode or
    a return interview covering it (the interview's "exploitation" and "gang" pull factors)."""
    flags = {}
    for key, (indicator, pull_factor) in EXPLOITATION.items():
        linked = Q(
            Exists(
                RiskAssessment.objects.filter(
                    episode_id=OuterRef("pk"), indicators__contains=[indicator]
                )
            )
        )
        if pull_factor:
            linked |= Q(
                Exists(
                    ReturnInterview.objects.filter(
                        covered__episode_id=OuterRef("pk"), pull_factors__contains=[pull_factor]
                    )
                )
            )
        flags[key] = Count("id", filter=linked)
    any_flag = Q()
    for indicator, pull_factor in EXPLOITATION.values():
        any_flag |= Q(
            Exists(
                RiskAssessment.objects.filter(
                    episode_id=OuterRef("pk"), indicators__contains=[indicator]
                )
            )
        )
        if pull_factor:
            any_flag |= Q(
                Exists(
                    ReturnInterview.objects.filter(
                        covered__episode_id=OuterRef("pk"), pull_factors__contains=[pull_factor]
                    )
                )
            )
    flags["any"] = Count("id", filter=any_flag)
    return episodes.order_by().aggregate(**flags)


def interview_factors(episodes: EpisodeRows) -> tuple[dict[str, int], dict[str, int]]:
    """Push and pull factors recorded at the interviews covering the counted episodes."""
    push: Counter[str] = Counter()
    pull: Counter[str] = Counter()
    interviews = (
        ReturnInterview.objects.using(episodes.db)
        .filter(Exists(episodes.filter(pk=OuterRef("covered__episode_id")).values("pk")))
        .distinct()
    )
    for push_factors, pull_factors in interviews.values_list("push_factors", "pull_factors"):
        push.update(push_factors)
        pull.update(pull_factors)
    return dict(push), dict(pull)


def compliance(
    children: QuerySet[Child], period: Period, team_id: int | None = None
) -> tuple[list, list, list]:
    deadlines: QuerySet[Any] = Deadline.objects.using(children.db).filter(
        child__in=children, due_at__gte=period.start_at, due_at__lt=period.end_at
    )
    if team_id is not None:
        deadlines = deadlines.filter(owner_team_id=team_id)
    deadlines = deadlines.annotate(
        outcome=Case(
            When(status="met", met_at__lt=F("due_at"), then=Value("met_on_time")),
            When(status="met", then=Value("met_late")),
            When(status="breached", then=Value("breached")),
            When(status="cancelled", then=Value("cancelled")),
            default=Value("open"),
            output_field=CharField(),
        ),
        month=TruncMonth("due_at", tzinfo=LONDON),
    )
    keys = ("met_on_time", "met_late", "breached", "open", "cancelled")
    by_rule = {
        rule.value: {"rule": rule.value, "label": rule.label, **dict.fromkeys(keys, 0)}
        for rule in Rule
    }
    for row in deadlines.values("rule", "outcome").annotate(n=Count("id")).order_by():
        by_rule[row["rule"]][row["outcome"]] = row["n"]
    by_month = _by_month(
        deadlines.values("month", "outcome").annotate(n=Count("id")).order_by(),
        period.months,
        keys,
        "outcome",
    )
    by_team: dict[str, dict[str, int | str]] = {}
    for team_row in (
        deadlines.values("owner_team__name", "outcome")
        .annotate(n=Count("id"))
        .order_by("owner_team__name")
    ):
        name = team_row["owner_team__name"] or "No team"
        counts = by_team.setdefault(name, {"team": name, **dict.fromkeys(keys, 0)})
        counts[team_row["outcome"]] = team_row["n"]
    return list(by_rule.values()), by_month, list(by_team.values())


def _age_bands(episodes: EpisodeRows, bands: tuple[AgeBand, ...]) -> list[dict[str, int | str]]:
    whens = [When(age__gte=low, age__lte=high, then=Value(f"{low}-{high}")) for low, high in bands]
    labelled = episodes.annotate(
        age_band=Case(*whens, default=Value("other"), output_field=CharField())
    )
    labels = {f"{low}-{high}": f"{low} to {high}" for low, high in bands}
    labels["other"] = "Other ages"
    return _group(labelled, "age_band", labels)


def filters_from(parameters: dict) -> Filters:
    """The filters an export recorded (reports.views.parameters_of), as the page had them."""
    bands = tuple(tuple(band) for band in parameters.get("age_bands") or AGE_BANDS)
    return Filters(
        period=Period(
            dt.date.fromisoformat(parameters["from"]), dt.date.fromisoformat(parameters["to"])
        ),
        legal_status=parameters.get("legal_status", ""),
        category=parameters.get("category", ""),
        age_bands=bands,  # type: ignore[arg-type]
    )


def committee_report(
    children: QuerySet[Child], filters: Filters, *, team_id: int | None = None
) -> CommitteeReport:
    """Every table of the committee pack for `children` over `filters.period`."""
    with transaction.atomic(using=children.db), connections[children.db].cursor() as cursor:
        # Each query here is estimated expensive (hashed visibility subplans), so PostgreSQL
        # would JIT-compile it: ~100 ms of compiling for a query that runs in ~40 ms
        # (bench/reports.py). Off for the report's own transaction only.
        cursor.execute("SET LOCAL jit = off")
        return _committee_report(children, filters, team_id=team_id)


def _committee_report(
    children: QuerySet[Child], filters: Filters, *, team_id: int | None
) -> CommitteeReport:
    from reports.definitions import LEGAL_STATUS_LABELS, PLACEMENT_LABELS, SEX_LABELS

    period = filters.period
    episodes = counted_episodes(children, filters)
    earlier = counted_episodes(children, dataclasses.replace(filters, period=period.year_earlier()))
    by_month = episodes_by_month(episodes, period.months)
    totals = episodes.order_by().aggregate(
        episodes=Count("id"), children=Count("child_id", distinct=True)
    )
    bands = dict.fromkeys(DURATION_BANDS, 0)
    for row in episodes.values("band").annotate(n=Count("id")).order_by():
        bands[row["band"]] = row["n"]
    count_bins, largest = children_by_episode_count(episodes)
    push, pull = interview_factors(episodes)
    interviews_by_month, interviews = return_interviews(episodes, period)
    by_rule, compliance_months, compliance_teams = compliance(children, period, team_id)
    out_of_area = episodes.order_by().aggregate(
        episodes=Count("id", filter=Q(out_of_area=True)),
        children=Count("child_id", distinct=True, filter=Q(out_of_area=True)),
    )
    return CommitteeReport(
        period=period,
        months=period.months,
        episodes_by_month=by_month,
        episodes_year_earlier=episodes_by_month(earlier, period.year_earlier().months),
        children_in_period=totals["children"],
        episodes_in_period=totals["episodes"],
        by_sex=_group(episodes, "child__sex", SEX_LABELS),
        by_age_band=_age_bands(episodes, filters.age_bands),
        duration_by_month=_by_month(
            episodes.values("month", "band").annotate(n=Count("id")).order_by(),
            period.months,
            tuple(DURATION_BANDS),
            "band",
        ),
        duration_bands=bands,
        children_by_episode_count=count_bins,
        largest_episode_count=largest,
        exploitation=exploitation(episodes),
        push_factors=push,
        pull_factors=pull,
        by_legal_status=_group(episodes, "legal_status_then", LEGAL_STATUS_LABELS),
        by_placement=_group(episodes, "placement_kind", PLACEMENT_LABELS),
        placed_out_of_area=out_of_area,
        return_interviews_by_month=interviews_by_month,
        return_interviews=interviews,
        compliance=by_rule,
        compliance_by_month=compliance_months,
        compliance_by_team=compliance_teams,
    )
