"""Exports: CSV, XLSX and the PDF committee pack, built by a Celery job on the `reports` queue.

`request_export` records what was asked (who, what, when); `build_export` claims the record
once (a conditional UPDATE, so a second worker or a retry changes nothing), counts with the
same rules as the page (reports.counting), writes the file and the number of rows, and
marks it ready; `open_download` gives it to its requester only, until it expires.

Every text cell is written as text: in XLSX with `write_string` (a name such as
`=HYPERLINK(...)` is never a formula), and in CSV with a leading apostrophe for a cell that
a spreadsheet would otherwise read as a formula (= + - @, tab, carriage return).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from core.errors import NotAllowed, Refused
from reports.annex_a import COLUMNS as ANNEX_A_COLUMNS
from reports.annex_a import annex_a_list_8
from reports.counting import committee_report, filters_from
from reports.models import ExportFormat, ExportKind, ExportStatus, ReportExport
from reports.oversight import LISTS, OversightList
from reports.pdf import committee_pack
from reports.sections import sections
from reports.selectors import report_children, report_scope
from reports.ssda903 import require_returns, ssda903_files
from reports.tables import Table, exported

# A download link works for a day: long enough to fetch, short enough not to linger.
EXPORT_LIFETIME = dt.timedelta(hours=24)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The statutory returns: the SSDA903 files zipped together, Annex A as Ofsted's XLSX.
STATUTORY_FORMATS: dict[str, str] = {
    ExportKind.SSDA903: ExportFormat.ZIP,
    ExportKind.ANNEX_A: ExportFormat.XLSX,
}


def request_export(
    *,
    acting_user: User,
    kind: str,
    format: str,
    parameters: dict,
    for_publication: bool,
    now: dt.datetime | None = None,
) -> ReportExport:
    """Record an export request; the caller enqueues `reports.tasks.build_export`."""
    report_scope(acting_user)  # NotAllowed for anyone who may not read reports
    if kind not in ExportKind.values or format not in ExportFormat.values:
        raise Refused("Choose a report and a format to export.")
    if kind in STATUTORY_FORMATS:
        authority = Agency.objects.filter(pk=parameters.get("authority") or 0).first()
        if authority is None:
            raise Refused("Choose the local authority.", field="authority")
        require_returns(acting_user, authority)
        if format != STATUTORY_FORMATS[kind]:
            raise Refused("This return has one format.")
    elif format == ExportFormat.ZIP:
        raise Refused("Choose a report and a format to export.")
    if kind == ExportKind.OVERSIGHT and format == ExportFormat.PDF:
        raise Refused("Oversight lists export as CSV or XLSX; print the page for paper.")
    now = now or timezone.now()
    with transaction.atomic():
        return ReportExport.objects.create(
            requested_by=acting_user,
            kind=kind,
            format=format,
            parameters=parameters,
            for_publication=for_publication,
            requested_at=now,
            expires_at=now + EXPORT_LIFETIME,
        )


def committee_tables(user: User, parameters: dict) -> list[Table]:
    """Every table of the chosen reports, counted for `user` with the page's rules."""
    scope = report_scope(user)
    children = report_children(
        user, scope, authority_id=parameters.get("authority"), team_id=parameters.get("team")
    )
    report = committee_report(children, filters_from(parameters), team_id=parameters.get("team"))
    return [
        table
        for section in sections(report, parameters.get("sections"))
        for table in section.tables
    ]


def oversight_tables(user: User, parameters: dict, now: dt.datetime) -> list[Table]:
    scope = report_scope(user)
    children = report_children(
        user, scope, authority_id=parameters.get("authority"), team_id=parameters.get("team")
    )
    chosen = parameters.get("lists") or list(LISTS)
    lists: list[OversightList] = [LISTS[key](children, now) for key in chosen if key in LISTS]
    return [Table(item.key, item.title, item.headers, item.rows) for item in lists]  # type: ignore[arg-type]


def as_text(value: str) -> str:
    """A text cell a spreadsheet opening the CSV will show as text, never run."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def write_csv(tables: Iterable[Table], *, suppress: bool) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = 0
    for table in tables:
        writer.writerow([as_text(table.caption)])
        writer.writerow([as_text(h) for h in table.headers])
        for row in table.rows:
            cells = [exported(cell, suppress=suppress) for cell in row]
            writer.writerow([as_text(c) if isinstance(c, str) else c for c in cells])
            rows += 1
        writer.writerow([])
    # A byte-order mark, so Excel reads the UTF-8 (names with accents) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), rows


def write_xlsx(tables: Iterable[Table], *, suppress: bool, title: str) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"title": title, "comments": "OFFICIAL-SENSITIVE"})
    bold = workbook.add_format({"bold": True})
    rows = 0
    used: set[str] = set()
    for table in tables:
        name = table.key[:28]
        while name in used:
            name = f"{name[:26]}_{len(used)}"
        used.add(name)
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, table.caption, bold)
        for col, header in enumerate(table.headers):
            sheet.write_string(1, col, header, bold)
        for r, row in enumerate(table.rows, start=2):
            for col, cell in enumerate(row):
                value = exported(cell, suppress=suppress)
                if isinstance(value, int):
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, value)
            rows += 1
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, max(len(table.headers) - 1, 1), 16)
    workbook.close()
    return buffer.getvalue(), rows


def claim(export_id: int, now: dt.datetime) -> ReportExport | None:
    """Take a queued export for this worker, once; None if another has it or it is done."""
    taken = ReportExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now, progress=5
    )
    return ReportExport.objects.select_related("requested_by").get(pk=export_id) if taken else None


def _progress(export: ReportExport, percent: int) -> None:
    ReportExport.objects.filter(pk=export.pk).update(progress=percent)


def build_export(export_id: int, *, now: dt.datetime | None = None) -> ReportExport | None:
    """Build one export's file; returns it, or None if it was not waiting to be built."""
    now = now or timezone.now()
    purge_expired(now)
    export = claim(export_id, now)
    if export is None:
        return None
    user, parameters = export.requested_by, export.parameters
    try:
        if export.kind in STATUTORY_FORMATS:
            content, rows, filename = statutory_return(user, export.kind, parameters, now)
            ReportExport.objects.filter(pk=export.pk).update(
                status=ExportStatus.READY,
                progress=100,
                content=content,
                rows=rows,
                filename=filename,
                finished_at=timezone.now(),
            )
            return ReportExport.objects.get(pk=export.pk)
        tables = (
            committee_tables(user, parameters)
            if export.kind == ExportKind.COMMITTEE
            else oversight_tables(user, parameters, now)
        )
        _progress(export, 60)
        content, rows, filename = _write(export, tables, parameters, now)
    except (NotAllowed, Refused, KeyError, ValueError) as error:
        ReportExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            error=str(error) or type(error).__name__,
            finished_at=timezone.now(),
        )
        return ReportExport.objects.get(pk=export.pk)
    ReportExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY,
        progress=100,
        content=content,
        rows=rows,
        filename=filename,
        finished_at=timezone.now(),
    )
    return ReportExport.objects.get(pk=export.pk)


def ssda903_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def write_annex_a(rows: list[list[object]]) -> bytes:
    """List 8 as Ofsted's sheet: the column names on the first row, one child a row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"title": "Annex A list 8", "comments": "OFFICIAL-SENSITIVE"})
    sheet = workbook.add_worksheet("List 8")
    bold = workbook.add_format({"bold": True, "text_wrap": True})
    for col, header in enumerate(ANNEX_A_COLUMNS):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        for col, cell in enumerate(row):
            if isinstance(cell, int):
                sheet.write_number(r, col, cell)
            else:
                sheet.write_string(r, col, str(cell))
    sheet.set_column(0, len(ANNEX_A_COLUMNS) - 1, 18)
    workbook.close()
    return buffer.getvalue()


def statutory_return(
    user: User, kind: str, parameters: dict, now: dt.datetime
) -> tuple[bytes, int, str]:
    """The SSDA903 files (zipped) or Annex A list 8, for the authority in `parameters`."""
    authority = Agency.objects.get(pk=parameters["authority"])
    code = authority.code or f"la{authority.pk}"
    if kind == ExportKind.SSDA903:
        year = int(parameters["year"])
        files = ssda903_files(acting_user=user, authority=authority, year=year)
        rows = sum(content.count(b"\n") - 1 for content in files.values())
        return ssda903_zip(files), rows, f"ssda903-{code}-{year}-{now:%Y%m%d-%H%M}.zip"
    on = dt.date.fromisoformat(parameters["on"])
    list_8 = annex_a_list_8(acting_user=user, authority=authority, on=on)
    return write_annex_a(list_8), len(list_8), f"annex-a-list-8-{code}-{on:%Y%m%d}.xlsx"


def _write(
    export: ReportExport, tables: list[Table], parameters: dict, now: dt.datetime
) -> tuple[bytes, int, str]:
    stem = f"homeward-{export.kind}-{now:%Y%m%d-%H%M}"
    suppress = export.for_publication
    if export.format == ExportFormat.CSV:
        content, rows = write_csv(tables, suppress=suppress)
        return content, rows, f"{stem}.csv"
    if export.format == ExportFormat.XLSX:
        content, rows = write_xlsx(tables, suppress=suppress, title=export.get_kind_display())
        return content, rows, f"{stem}.xlsx"
    content = committee_pack(export.requested_by, parameters, suppress=suppress, now=now)
    return content, sum(len(t.rows) for t in tables), f"{stem}.pdf"


def open_download(
    *, acting_user: User, export_id: int, now: dt.datetime | None = None
) -> ReportExport:
    """The export's file for its requester, while it lasts. Anyone else: NotAllowed."""
    now = now or timezone.now()
    export = ReportExport.objects.filter(pk=export_id).first()
    if export is None or export.requested_by_id != acting_user.pk:
        raise NotAllowed("This download is not yours.")
    if export.status != ExportStatus.READY or export.expires_at <= now or export.content is None:
        raise Refused("This download has expired or is not ready. Export the report again.")
    with transaction.atomic():
        ReportExport.objects.filter(pk=export.pk).update(downloaded_at=now)
    return export


def purge_expired(now: dt.datetime) -> int:
    """Forget the files of expired exports; the record of who, what and when stays."""
    return ReportExport.objects.filter(expires_at__lte=now, content__isnull=False).update(
        content=None
    )
