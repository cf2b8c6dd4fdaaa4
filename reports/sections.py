"""The eight sections of the committee report, built from one CommitteeReport.

Each section is a chart and the tables beside it; the page, the exports and the PDF all
draw these, so every output shows the same numbers (reports.tables has the cell rules).
"""

from __future__ import annotations

from reports.counting import CommitteeReport
from reports.definitions import (
    CATEGORY_COLUMNS,
    COMPLIANCE_OUTCOMES,
    DURATION_BANDS,
    EXPLOITATION_LABELS,
    RETURN_INTERVIEW_OUTCOMES,
)
from reports.tables import Cell, Chart, Section, Share, Table, month_label
from returns.models import PullFactor, PushFactor


def _by_month_table(
    key: str,
    caption: str,
    rows: list[dict],
    columns: dict[str, str],
    extra: dict[str, str] | None = None,
) -> Table:
    every = {**columns, **(extra or {})}
    return Table(
        key,
        caption,
        ["Month", *every.values()],
        [[month_label(str(row["month"])), *(int(row[c]) for c in every)] for row in rows]
        + [["Total", *(sum(int(row[c]) for row in rows) for c in every)]],
    )


def _chart_by_month(
    title: str, description: str, rows: list[dict], columns: dict[str, str]
) -> Chart:
    return Chart(
        title,
        description,
        [month_label(str(row["month"])) for row in rows],
        [(label, [int(row[key]) for row in rows]) for key, label in columns.items()],
    )


def _grouped(key: str, caption: str, first: str, rows: list[dict]) -> Table:
    return Table(
        key,
        caption,
        [first, "Episodes", "Children"],
        [[r["label"], r["episodes"], r["children"]] for r in rows],
    )


def episodes_section(report: CommitteeReport) -> Section:
    rows = report.episodes_by_month
    table = _by_month_table(
        "episodes_by_month",
        "Episodes and children by month, by category at period end",
        rows,
        CATEGORY_COLUMNS,
        {"episodes": "All episodes", "children": "Individual children"},
    )
    table.rows[-1][-1] = report.children_in_period  # a child counts once in the period
    earlier = report.episodes_year_earlier
    comparison = Table(
        "year_on_year",
        "The same months a year earlier",
        ["Month", "Episodes", "Episodes a year earlier", "Children", "Children a year earlier"],
        [
            [
                month_label(str(now["month"])),
                now["episodes"],
                then["episodes"],
                now["children"],
                then["children"],
            ]
            for now, then in zip(rows, earlier, strict=True)
        ],
    )
    return Section(
        "episodes",
        "Episodes and children by month",
        "Haringey 2016 2.2; Peterborough 2023 4.1-4.2; Peterborough 2018 4.14-4.17",
        _chart_by_month(
            "Episodes by month and category",
            "Stacked bars: episodes each month, by category at period end.",
            rows,
            CATEGORY_COLUMNS,
        ),
        [table, comparison],
    )


def who_section(report: CommitteeReport) -> Section:
    return Section(
        "who",
        "Who: sex and age at last seen",
        "Peterborough 2023 4.1, 4.3",
        Chart(
            "Episodes and children by age band at last seen",
            "Bars: episodes and individual children in each age band.",
            [str(r["label"]) for r in report.by_age_band],
            [
                ("Episodes", [int(r["episodes"]) for r in report.by_age_band]),
                ("Children", [int(r["children"]) for r in report.by_age_band]),
            ],
        ),
        [
            _grouped("by_sex", "Episodes and children by sex", "Sex", report.by_sex),
            _grouped(
                "by_age_band",
                "Episodes and children by age band at last seen",
                "Age band",
                report.by_age_band,
            ),
        ],
    )


def how_long_section(report: CommitteeReport) -> Section:
    return Section(
        "how_long",
        "How long: episodes by duration",
        "Peterborough 2023 4.8",
        _chart_by_month(
            "Episodes by duration band and month",
            "Stacked bars: episodes each month by how long the child was missing.",
            report.duration_by_month,
            DURATION_BANDS,
        ),
        [
            _by_month_table(
                "duration_by_month",
                "Episodes by duration band and month",
                report.duration_by_month,
                DURATION_BANDS,
            )
        ],
    )


def how_often_section(report: CommitteeReport) -> Section:
    bins = report.children_by_episode_count
    return Section(
        "how_often",
        "How often: children by number of episodes",
        "Peterborough 2023 4.9",
        Chart(
            "Children by number of episodes in the period",
            "Bars: how many children had 1, 2, 3, 4, 5 to 9, and 10 or more episodes.",
            [f"{k} episodes" for k in bins],
            [("Children", list(bins.values()))],
        ),
        [
            Table(
                "children_by_episode_count",
                "Children by number of episodes in the period",
                ["Episodes in the period", "Children"],
                [[label, n] for label, n in bins.items()]
                + [["Largest number for one child", report.largest_episode_count]],
            )
        ],
    )


def why_section(report: CommitteeReport) -> Section:
    push_labels, pull_labels = dict(PushFactor.choices), dict(PullFactor.choices)
    return Section(
        "why",
        "Why: exploitation, push and pull factors",
        "Peterborough 2023 4.4",
        Chart(
            "Episodes linked to exploitation",
            "Bars: episodes linked to each exploitation concern by a risk assessment or return interview.",
            list(EXPLOITATION_LABELS.values()),
            [("Episodes", [report.exploitation[k] for k in EXPLOITATION_LABELS])],
        ),
        [
            Table(
                "exploitation",
                "Episodes linked to exploitation concerns",
                ["Concern", "Episodes"],
                [[label, report.exploitation[k]] for k, label in EXPLOITATION_LABELS.items()],
            ),
            Table(
                "push_factors",
                "Push factors recorded at return interviews",
                ["Push factor", "Interviews"],
                [[label, report.push_factors.get(k, 0)] for k, label in push_labels.items()],
            ),
            Table(
                "pull_factors",
                "Pull factors recorded at return interviews",
                ["Pull factor", "Interviews"],
                [[label, report.pull_factors.get(k, 0)] for k, label in pull_labels.items()],
            ),
        ],
    )


def status_section(report: CommitteeReport) -> Section:
    out = report.placed_out_of_area
    return Section(
        "status",
        "Status: legal status and placement at last seen",
        "Peterborough 2018 4.22-4.23",
        Chart(
            "Children by legal status at last seen",
            "Bars: episodes and children by legal status when last seen.",
            [str(r["label"]) for r in report.by_legal_status],
            [
                ("Episodes", [int(r["episodes"]) for r in report.by_legal_status]),
                ("Children", [int(r["children"]) for r in report.by_legal_status]),
            ],
        ),
        [
            _grouped(
                "by_legal_status",
                "Episodes and children by legal status at last seen",
                "Legal status",
                report.by_legal_status,
            ),
            _grouped(
                "by_placement",
                "Episodes and children by placement type at last seen",
                "Placement",
                report.by_placement,
            ),
            Table(
                "out_of_area",
                "Placed out of area at last seen",
                ["", "Episodes", "Children"],
                [["Placed out of area", out["episodes"], out["children"]]],
            ),
        ],
    )


def return_interview_section(report: CommitteeReport) -> Section:
    rows = report.return_interviews_by_month
    outcome_columns = RETURN_INTERVIEW_OUTCOMES
    headers = ["Month", "Returned episodes", "Offered", *outcome_columns.values()]

    def line(label: str, row: dict) -> list[Cell]:
        returned = int(row["returned"])
        return [
            label,
            returned,
            Share(int(row["offered"]), returned),
            *(Share(int(row[k]), returned) for k in outcome_columns),
        ]

    numbers = Table(
        "return_interviews",
        "Return interviews after returned episodes: numbers",
        ["Month", "Returned episodes", "Offered", *outcome_columns.values()],
        [
            [
                month_label(str(r["month"])),
                r["returned"],
                r["offered"],
                *(r[k] for k in outcome_columns),
            ]
            for r in rows
        ]
        + [
            [
                "Total",
                report.return_interviews["returned"],
                report.return_interviews["offered"],
                *(report.return_interviews[k] for k in outcome_columns),
            ]
        ],
    )
    shares = Table(
        "return_interview_shares",
        "Return interviews after returned episodes: shares of returned episodes",
        headers,
        [line(month_label(str(r["month"])), r) for r in rows]
        + [line("Total", report.return_interviews)],
    )
    return Section(
        "return_interviews",
        "Return interviews",
        "DfE 2014; Haringey protocol 22.2",
        _chart_by_month(
            "Return interviews by month",
            "Stacked bars: what became of the interview after each returned episode.",
            rows,
            outcome_columns,
        ),
        [numbers, shares],
    )


def compliance_section(report: CommitteeReport) -> Section:
    keys = COMPLIANCE_OUTCOMES

    def line(label: str, row: dict) -> list[Cell]:
        decided = int(row["met_on_time"]) + int(row["met_late"]) + int(row["breached"])
        return [label, *(int(row[k]) for k in keys), Share(int(row["met_on_time"]), decided)]

    headers = [*keys.values(), "Share met on time"]
    rules = [r for r in report.compliance if any(int(r[k]) for k in keys)] or report.compliance
    return Section(
        "compliance",
        "Protocol compliance",
        "docs/protocol.md; the Deadline ledger",
        Chart(
            "Deadlines by rule and outcome",
            "Stacked bars: deadlines due in the period for each protocol rule, by outcome.",
            [str(r["label"]) for r in rules],
            [(label, [int(r[k]) for r in rules]) for k, label in keys.items()],
        ),
        [
            Table(
                "compliance_by_rule",
                "Deadlines due in the period, by rule",
                ["Rule", *headers],
                [line(str(r["label"]), r) for r in report.compliance],
            ),
            Table(
                "compliance_by_month",
                "Deadlines due in the period, by month due",
                ["Month", *headers],
                [line(month_label(str(r["month"])), r) for r in report.compliance_by_month],
            ),
            Table(
                "compliance_by_team",
                "Deadlines due in the period, by owning team",
                ["Team", *headers],
                [line(str(r["team"]), r) for r in report.compliance_by_team],
            ),
        ],
    )


BUILDERS = {
    "episodes": episodes_section,
    "who": who_section,
    "how_long": how_long_section,
    "how_often": how_often_section,
    "why": why_section,
    "status": status_section,
    "return_interviews": return_interview_section,
    "compliance": compliance_section,
}
SECTION_TITLES = {
    "episodes": "Episodes and children by month",
    "who": "Who",
    "how_long": "How long",
    "how_often": "How often",
    "why": "Why",
    "status": "Status",
    "return_interviews": "Return interviews",
    "compliance": "Protocol compliance",
}


def sections(report: CommitteeReport, chosen: list[str] | None = None) -> list[Section]:
    return [build(report) for key, build in BUILDERS.items() if not chosen or key in chosen]
