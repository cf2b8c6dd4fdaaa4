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
import json
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet

from children.models import Child
from core.clock import add_months, start_of_london_day
from protocol.models import Rule
from reports.definitions import (
    AGE_BANDS,
    CATEGORY_COLUMNS,
    COMPLIANCE_OUTCOMES,
    DURATION_BANDS,
    EPISODE_COUNT_BINS,
    EXPLOITATION,
    LEGAL_STATUS_LABELS,
    PLACEMENT_LABELS,
    RETURN_INTERVIEW_OUTCOMES,
    SEX_LABELS,
    AgeBand,
)
from reports.sql import REPORT, age_band_case, band_values, bind


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


def _scope_sql(children: QuerySet[Child]) -> tuple[str, tuple]:
    query = children.values("pk").query
    sql, params = query.get_compiler(using=children.db).as_sql()
    return sql, tuple(params)


def _run(children: QuerySet[Child], template: str, values: dict[str, Any]) -> dict[str, Any]:
    scope_sql, scope_params = _scope_sql(children)
    sql, params = bind(template, scope_sql, scope_params, values)
    with connections[children.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    result = row[0] if row else {}
    return json.loads(result) if isinstance(result, str) else result


def _month_table(
    rows: list[dict] | None, months: list[dt.date], keys: tuple[str, ...]
) -> list[dict[str, int | str]]:
    table: dict[str, dict[str, int | str]] = {
        f"{m:%Y-%m}": {"month": f"{m:%Y-%m}", **dict.fromkeys(keys, 0)} for m in months
    }
    for row in rows or []:
        if row["month"] in table and row["key"] in keys:
            table[row["month"]][row["key"]] = row["n"]
    return list(table.values())


def _grouped(rows: list[dict] | None, labels: dict[str, str]) -> list[dict[str, int | str]]:
    counted = {row["key"]: row for row in rows or []}
    return [
        {
            "key": key,
            "label": label,
            "episodes": counted.get(key, {}).get("episodes", 0),
            "children": counted.get(key, {}).get("children", 0),
        }
        for key, label in labels.items()
    ]


def _episodes_by_month(result: dict[str, Any], months: list[dt.date]) -> list[dict[str, int | str]]:
    table = _month_table(result.get("month_col"), months, tuple(CATEGORY_COLUMNS))
    totals = {row["month"]: row for row in result.get("month") or []}
    for row in table:
        counted = totals.get(str(row["month"]), {})
        row["episodes"] = counted.get("episodes", 0)
        row["children"] = counted.get("children", 0)
    return table


def _interview_totals(row: dict[str, int | str]) -> dict[str, int | str]:
    # "Offered" is every returned episode with an interview offered, whatever became of it.
    row["returned"] = sum(int(row[key]) for key in RETURN_INTERVIEW_OUTCOMES)
    row["offered"] = int(row["returned"]) - int(row["not_offered"])
    return row


def _episode_count_bins(rows: list[dict] | None) -> tuple[dict[str, int], int]:
    bins: dict[str, int] = dict.fromkeys((label for label, _low, _high in EPISODE_COUNT_BINS), 0)
    largest = 0
    for row in rows or []:
        n = row["n"]
        largest = max(largest, n)
        for label, low, high in EPISODE_COUNT_BINS:
            if low <= n and (high is None or n <= high):
                bins[label] += row["children"]
                break
    return bins, largest


def _compliance(result: dict[str, Any], period: Period) -> tuple[list, list, list]:
    keys = tuple(COMPLIANCE_OUTCOMES)
    by_rule = {
        rule.value: {"rule": rule.value, "label": rule.label, **dict.fromkeys(keys, 0)}
        for rule in Rule
    }
    for row in result.get("rule") or []:
        by_rule[row["key"]][row["outcome"]] = row["n"]
    by_month = {
        f"{m:%Y-%m}": {"month": f"{m:%Y-%m}", **dict.fromkeys(keys, 0)} for m in period.months
    }
    for row in result.get("month") or []:
        if row["key"] in by_month:
            by_month[row["key"]][row["outcome"]] = row["n"]
    by_team: dict[str, dict[str, int | str]] = {}
    for row in sorted(result.get("team") or [], key=lambda r: r["key"]):
        by_team.setdefault(row["key"], {"team": row["key"], **dict.fromkeys(keys, 0)})[
            row["outcome"]
        ] = row["n"]
    return list(by_rule.values()), list(by_month.values()), list(by_team.values())


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
        # The statements are estimated expensive, so PostgreSQL would JIT-compile them:
        # ~100 ms of compiling for work that takes less (bench/reports.py). Off for the
        # report's own transaction only (set_config(..., true) is SET LOCAL). And a
        # national report sorts ~300,000 rows for each count of distinct children: in
        # memory, not in temporary files. One statement for both (issue 13: a page's
        # query count).
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)"
        )
        return _committee_report(children, filters, team_id=team_id)


def _committee_report(
    children: QuerySet[Child], filters: Filters, *, team_id: int | None
) -> CommitteeReport:
    period = filters.period
    earlier_period = period.year_earlier()
    values = {
        "start": period.start_at,
        "end": period.end_at,
        "earlier_start": earlier_period.start_at,
        "earlier_end": earlier_period.end_at,
        "team": team_id,
        "legal_status": filters.legal_status,
        "category": filters.category,
        **band_values(filters.age_bands),
    }
    everything = _run(
        children, REPORT.replace("{age_band}", age_band_case(filters.age_bands)), values
    )
    result = everything.get("report") or {}
    earlier = everything.get("earlier") or {}
    totals = result.get("totals") or {}
    duration_by_month = _month_table(result.get("month_band"), period.months, tuple(DURATION_BANDS))
    bands = {key: sum(int(row[key]) for row in duration_by_month) for key in DURATION_BANDS}
    interviews_by_month = [
        _interview_totals(row)
        for row in _month_table(
            result.get("month_interview"), period.months, tuple(RETURN_INTERVIEW_OUTCOMES)
        )
    ]
    interview_totals = _interview_totals(
        {
            key: sum(int(row[key]) for row in interviews_by_month)
            for key in RETURN_INTERVIEW_OUTCOMES
        }
    )
    count_bins, largest = _episode_count_bins(result.get("per_child"))
    by_rule, compliance_months, compliance_teams = _compliance(
        everything.get("compliance") or {}, period
    )
    age_labels = {f"{low}-{high}": f"{low} to {high}" for low, high in filters.age_bands}
    return CommitteeReport(
        period=period,
        months=period.months,
        episodes_by_month=_episodes_by_month(result, period.months),
        episodes_year_earlier=_episodes_by_month(earlier, earlier_period.months),
        children_in_period=totals.get("children", 0),
        episodes_in_period=totals.get("episodes", 0),
        by_sex=_grouped(result.get("sex"), SEX_LABELS),
        by_age_band=_grouped(result.get("age_band"), {**age_labels, "other": "Other ages"}),
        duration_by_month=duration_by_month,
        duration_bands=bands,
        children_by_episode_count=count_bins,
        largest_episode_count=largest,
        exploitation={key: totals.get(key, 0) for key in [*EXPLOITATION, "any"]},
        push_factors={row["key"]: row["n"] for row in result.get("push") or []},
        pull_factors={row["key"]: row["n"] for row in result.get("pull") or []},
        by_legal_status=_grouped(result.get("legal"), LEGAL_STATUS_LABELS),
        by_placement=_grouped(result.get("placement"), PLACEMENT_LABELS),
        placed_out_of_area={
            "episodes": totals.get("out_of_area_episodes", 0),
            "children": totals.get("out_of_area_children", 0),
        },
        return_interviews_by_month=interviews_by_month,
        return_interviews=interview_totals,  # type: ignore[arg-type]
        compliance=by_rule,
        compliance_by_month=compliance_months,
        compliance_by_team=compliance_teams,
    )
