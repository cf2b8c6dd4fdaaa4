"""The committee pack as a PDF: chosen reports, charts and tables, A4, numbered pages,
the period and "data as at", marked OFFICIAL-SENSITIVE (WeasyPrint, Debian's Pango)."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string

from agencies.models import Agency, User
from reports.charts import bar_chart
from reports.counting import committee_report, filters_from
from reports.sections import sections
from reports.selectors import data_as_at, report_children, report_scope
from reports.tables import shown


def committee_pack(user: User, parameters: dict, *, suppress: bool, now: dt.datetime) -> bytes:
    from weasyprint import HTML

    scope = report_scope(user)
    children = report_children(
        user, scope, authority_id=parameters.get("authority"), team_id=parameters.get("team")
    )
    filters = filters_from(parameters)
    report = committee_report(children, filters, team_id=parameters.get("team"))
    chosen = sections(report, parameters.get("sections"))
    authority_id = parameters.get("authority")
    covered = Agency.objects.filter(
        pk__in=[authority_id] if authority_id else scope.covered_authority_ids
    ).order_by("name")
    authority_names = ", ".join(agency.name for agency in covered)
    html = render_to_string(
        "reports/pdf.html",
        {
            "sections": [
                {
                    "section": section,
                    "chart": bar_chart(section.chart, chart_id=f"pdf-{section.key}"),
                    "tables": [
                        {
                            "table": t,
                            "rows": [[shown(c, suppress=suppress) for c in row] for row in t.rows],
                        }
                        for t in section.tables
                    ],
                }
                for section in chosen
            ],
            "period": filters.period,
            "authority": authority_names,
            "data_as_at": data_as_at(now),
            "suppress": suppress,
            "requested_by": user,
        },
    )
    return HTML(string=html).write_pdf()
