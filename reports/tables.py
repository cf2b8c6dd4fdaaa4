"""Tables, cells and chart data: what the page, the exports and the PDF show.

One `reports.sections.sections(report)` feeds every output, so a number on screen is the number in the
CSV, the XLSX and the PDF. Small-number suppression (for anything published) is applied
when a cell is shown or written, never to the counts themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

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
