"""Tables, cells and chart data: what the page, the exports and the PDF show.

One `reports.sections.sections(report)` feeds every output, so a number on screen is the number in the
CSV, the XLSX and the PDF. Small-number suppression (for anything published) is applied
when a cell is shown or written, never to the counts themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SUPPRESSED = "fewer than 6"


@dataclasses.dataclass(frozen=True)
class Share:
    """n out of `of`, shown as a whole percentage."""

    n: int
    of: int

    def __str__(self) -> str:
        return f"{round(100 * self.n / self.of)}%" if self.of else "–"


Cell = str | int | Share


@dataclasses.dataclass
class Table:
    key: str
    caption: str
    headers: list[str]
    # Each row: a label, then counts (int), shares or words. Typed loosely: the builders
    # below assemble rows from the report's dicts.
    rows: list[list[Any]]


@dataclasses.dataclass
class Chart:
    title: str
    description: str
    categories: list[str]
    series: list[tuple[str, list[int]]]


@dataclasses.dataclass
class Section:
    key: str
    title: str
    sources: str
    chart: Chart
    tables: list[Table]


def is_small(value: int) -> bool:
    return 1 <= value <= 5


def shown(cell: Cell, *, suppress: bool) -> str:
    """A cell as text; with `suppress`, counts (and shares of counts) of 1 to 5 are hidden."""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return SUPPRESSED if suppress and is_small(cell) else f"{cell:,}"
    if isinstance(cell, Share):
        return SUPPRESSED if suppress and is_small(cell.n) else str(cell)
    return cell


def exported(cell: Cell, *, suppress: bool) -> str | int:
    """A cell for a spreadsheet: counts stay numbers unless suppressed; the rest is text."""
    if isinstance(cell, int) and not isinstance(cell, bool):
        return SUPPRESSED if suppress and is_small(cell) else cell
    return shown(cell, suppress=suppress)


def month_label(key: str) -> str:
    return dt.date.fromisoformat(f"{key}-01").strftime("%b %Y")


def table_html(table: Table, rows: list[list[str]]) -> SafeString:
    """The table, its cells already `shown`, as GOV.UK table markup, built here rather
    than in a template: a 13-month report has about 1,100 cells, and a template loop
    spent some 15 ms a page on them (issue 13). Every text is escaped; the first cell of
    a row is its header."""
    head = "".join(
        f'<th scope="col" class="govuk-table__header{"" if n == 0 else " govuk-table__header--numeric"}">'
        f"{escape(header)}</th>"
        for n, header in enumerate(table.headers)
    )
    body = "".join(
        '<tr class="govuk-table__row">'
        + "".join(
            f'<th scope="row" class="govuk-table__header">{escape(cell)}</th>'
            if n == 0
            else f'<td class="govuk-table__cell govuk-table__cell--numeric">{escape(cell)}</td>'
            for n, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<div class="reports-table-wrapper"><table class="govuk-table" '
        f'data-testid="table-{escape(table.key)}">'
        f'<caption class="govuk-table__caption govuk-table__caption--s">{escape(table.caption)}</caption>'
        f'<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr></thead>'
        f'<tbody class="govuk-table__body">{body}</tbody></table></div>'
    )
