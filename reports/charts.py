"""Charts drawn on the server as SVG: no canvas, no JavaScript, the same in print.

Each chart is a horizontal stacked bar chart (one bar per month, band or rule), with
`role="img"`, a title and a description, a legend in words, and the total printed at the
end of each bar, so it reads without colour. The numbers are also always in the table
beside it. Colours are the Government Analysis Function's accessible categorical palette,
in its order; each segment has a white edge so adjacent colours stay distinct.
"""

from __future__ import annotations

import itertools

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reports.tables import Chart

# Analysis Function accessible categorical palette: dark blue, turquoise, dark pink,
# orange, dark grey, light purple.
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")

WIDTH = 680
LABEL_WIDTH = 210
BAR_HEIGHT = 18
ROW_GAP = 8
LEGEND_ROW = 22
TOTAL_WIDTH = 60
_ids = itertools.count(1)


def _nice_maximum(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (10, 20, 25, 50, 100):
        if value * 10 <= step * magnitude:
            return step * magnitude // 10
    return value


def bar_chart(chart: Chart, *, chart_id: str | None = None) -> SafeString:
    """The chart as an inline <svg> element."""
    ident = chart_id or f"chart-{next(_ids)}"
    totals = [
        sum(values[i] for _label, values in chart.series) for i in range(len(chart.categories))
    ]
    maximum = _nice_maximum(max(totals, default=0))
    plot_width = WIDTH - LABEL_WIDTH - TOTAL_WIDTH
    legend_height = LEGEND_ROW * ((len(chart.series) + 1) // 2)
    top = legend_height + 8
    height = top + len(chart.categories) * (BAR_HEIGHT + ROW_GAP) + 28
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)} The same numbers are in the table.</desc>',
    ]
    for index, (label, _values) in enumerate(chart.series):
        x = (index % 2) * (WIDTH // 2)
        y = (index // 2) * LEGEND_ROW
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y + 3}" width="14" height="14" fill="{colour}" stroke="#0b0c0c"/>'
            f'<text x="{x + 20}" y="{y + 15}" font-size="13">{escape(label)}</text>'
        )
    for row, category in enumerate(chart.categories):
        y = top + row * (BAR_HEIGHT + ROW_GAP)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 14}" font-size="13" text-anchor="end">'
            f"{escape(category)}</text>"
        )
        bar_x: float = LABEL_WIDTH
        for index, (label, values) in enumerate(chart.series):
            value = values[row]
            if not value:
                continue
            segment = plot_width * value / maximum
            parts.append(
                f'<rect x="{bar_x:.1f}" y="{y}" width="{segment:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{PALETTE[index % len(PALETTE)]}" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(category)}, {escape(label)}: {value:,}</title></rect>"
            )
            bar_x += segment
        parts.append(
            f'<text x="{bar_x + 6:.1f}" y="{y + 14}" font-size="13">{totals[row]:,}</text>'
        )
    axis_y = top + len(chart.categories) * (BAR_HEIGHT + ROW_GAP)
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{top - 4}" x2="{LABEL_WIDTH}" y2="{axis_y}" stroke="#0b0c0c"/>'
        f'<text x="{LABEL_WIDTH}" y="{axis_y + 18}" font-size="12">0</text>'
        f'<text x="{LABEL_WIDTH + plot_width}" y="{axis_y + 18}" font-size="12" '
        f'text-anchor="end">{maximum:,}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
