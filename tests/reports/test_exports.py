"""The export files: text stays text, small numbers hidden for publication, the PDF pack."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import tempfile
import zipfile

import openpyxl
import pytest
import time_machine

from reports.exports import build_export, request_export, write_csv, write_xlsx
from reports.models import ReportExport
from reports.tables import Share, Table
from tests.factories import ChildFactory
from tests.reports.support import add_episode, london

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
FORMULA = '=HYPERLINK("http://example.invalid","click")'


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def formula_child(world):
    """A child whose recorded name is a spreadsheet formula, missing now."""
    child = ChildFactory(
        given_name=FORMULA, family_name="-2+3", responsible_authority=world.council
    )
    add_episode(child, london(2026, 6, 1, 12), None, reported_by=world.social_worker)
    return child


def poppler(tool: str, pdf: bytes, *options: str) -> str:
    """Debian's poppler-utils (pdftotext, pdfinfo) reading the PDF, as a person's viewer would."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        args = [tool, *options, file.name] + (["-"] if tool == "pdftotext" else [])
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def oversight_export(world, fmt: str) -> ReportExport:
    export = request_export(
        acting_user=world.missing_coordinator,
        kind="oversight",
        format=fmt,
        parameters={"lists": ["missing_now"]},
        for_publication=False,
    )
    built = build_export(export.pk)
    assert built is not None and built.status == "ready", built and built.error
    return built


def test_a_formula_in_a_childs_name_stays_text_in_csv(world, formula_child):
    export = oversight_export(world, "csv")
    rows = list(csv.reader(io.StringIO(bytes(export.content).decode("utf-8-sig"))))
    names = [row[0] for row in rows if row and "HYPERLINK" in row[0]]
    assert names == [f"'{FORMULA} -2+3"], "a leading apostrophe: a spreadsheet shows it as text"
    assert export.rows == 1


def test_a_formula_in_a_childs_name_stays_text_in_xlsx(world, formula_child):
    export = oversight_export(world, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(export.content))).active
    cell = sheet.cell(row=3, column=1)
    assert (cell.value, cell.data_type) == (f"{FORMULA} -2+3", "s")
    with zipfile.ZipFile(io.BytesIO(bytes(export.content))) as archive:
        worksheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in worksheet, "no cell of the sheet is a formula"


def test_counts_stay_numbers_and_small_ones_are_hidden_for_publication():
    table = Table(
        "t",
        "Caption",
        ["Label", "Count", "Share"],
        [["five", 5, Share(5, 10)], ["six", 6, Share(6, 10)], ["none", 0, Share(0, 10)]],
    )
    published = list(
        csv.reader(io.StringIO(write_csv([table], suppress=True)[0].decode("utf-8-sig")))
    )
    assert published[2:5] == [
        ["five", "fewer than 6", "fewer than 6"],
        ["six", "6", "60%"],
        ["none", "0", "0%"],
    ]
    content, rows = write_xlsx([table], suppress=False, title="t")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert (sheet.cell(row=3, column=2).value, sheet.cell(row=3, column=2).data_type, rows) == (
        5,
        "n",
        3,
    )


def test_the_pdf_pack_is_a4_with_page_numbers_and_marked_official_sensitive(world):
    add_episode(
        world.child, london(2026, 5, 2, 12), london(2026, 5, 2, 20), reported_by=world.social_worker
    )
    export = request_export(
        acting_user=world.missing_coordinator,
        kind="committee",
        format="pdf",
        parameters={
            "from": "2025-06-01",
            "to": "2026-06-10",
            "authority": world.council.pk,
            "sections": ["episodes", "compliance"],
        },
        for_publication=True,
    )
    built = build_export(export.pk)
    assert built is not None and built.status == "ready", built and built.error
    pdf = bytes(built.content)
    assert pdf.startswith(b"%PDF")
    text = poppler("pdftotext", pdf, "-layout")
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text
    assert "1 June 2025 to 10 June 2026" in text and "Data as at" in text
    assert "Page size:       595.276 x 841.89 pts (A4)" in poppler("pdfinfo", pdf)


def test_a_second_build_of_the_same_export_does_nothing(world):
    export = request_export(
        acting_user=world.missing_coordinator,
        kind="committee",
        format="csv",
        parameters={"from": "2026-01-01", "to": "2026-06-10"},
        for_publication=False,
    )
    assert build_export(export.pk) is not None
    assert build_export(export.pk) is None, "already built: claimed once"
