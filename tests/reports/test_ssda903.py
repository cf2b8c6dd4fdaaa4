"""The SSDA903 return: files built from a synthetic authority, checked by DfE's validator
(csc-validator-be-903, in .venv-903), and deliberately broken files the driver catches."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from children.services import create_child
from core.actors import ENGINE
from reports.exports import build_export, open_download, request_export
from reports.ssda903 import HEADERS, ssda903_files
from tests.reports.statutory import end_care, episode, london, looked_after_child, validate

MISSING_RULES = [
    "1004", "1005", "1006", "564", "565", "566", "567", "570", "571", "574", "575",
    "576", "577", "578", "580", "581", "586", "INT04", "INT13", "1012",
]  # fmt: skip


@pytest.fixture
def authority(world):
    """Looked-after children with placements and episodes of both kinds (and absent)."""
    a = looked_after_child(
        world, local_child_id="C001", date_of_birth=dt.date(2009, 5, 10),
        care_from=dt.date(2023, 6, 1), sex="male", ethnicity="WBRI",
    )  # fmt: skip
    # Before the collection year: not in the file.
    episode(world, a, "missing", london(2024, 3, 30, 20, 0), london(2024, 3, 31, 8, 0))
    episode(world, a, "missing", london(2024, 5, 3, 22, 0), london(2024, 5, 4, 9, 0))
    episode(
        world, a, "away_without_authorisation", london(2024, 7, 10, 19), london(2024, 7, 10, 23)
    )
    episode(world, a, "absent", london(2024, 9, 1, 20, 0), london(2024, 9, 2, 2, 0))

    b = looked_after_child(
        world, local_child_id="C002", date_of_birth=dt.date(2010, 2, 2),
        care_from=dt.date(2024, 1, 15), placement_kind="residential", sex="female",
        ethnicity="BAFR",
    )  # fmt: skip
    # Open across 31 March 2025: no MIS_END this year.
    episode(world, b, "missing", london(2025, 3, 30, 23, 30), None)

    c = looked_after_child(
        world, local_child_id="C003", date_of_birth=dt.date(2011, 8, 20),
        care_from=dt.date(2024, 4, 20), ethnicity="MWBC",
    )  # fmt: skip
    from children.services import start_placement

    start_placement(
        acting_user=world.missing_coordinator, child=c, kind="residential",
        placing_authority=world.council, host_authority=world.other_council,
        start_date=dt.date(2024, 8, 1), postcode="SE1 7PB",
    )  # fmt: skip
    # Spans the placement change (31 July to 3 August).
    episode(world, c, "missing", london(2024, 7, 31, 21, 0), london(2024, 8, 3, 12, 0))

    d = looked_after_child(
        world, local_child_id="C004", date_of_birth=dt.date(2006, 10, 15),
        care_from=dt.date(2022, 1, 10), is_uasc=True, ethnicity="AOTH", sex="male",
    )  # fmt: skip
    episode(world, d, "missing", london(2024, 6, 1, 18, 0), london(2024, 6, 2, 10, 0))
    end_care(world, d, last_day=dt.date(2024, 10, 14), then="care_leaver")  # turned 18
    # After leaving care: not a looked-after child's episode, not in the file.
    episode(world, d, "missing", london(2024, 11, 20, 18, 0), london(2024, 11, 21, 10, 0))

    # A child in need who goes missing: not looked after, not in the return.
    cin = create_child(
        acting_user=world.missing_coordinator, given_name="Kit", family_name="Synthetic",
        date_of_birth=dt.date(2012, 1, 1), responsible_authority=world.council,
        legal_status="child_in_need", legal_status_start=dt.date(2023, 1, 1),
        team=world.team, worker=world.social_worker, local_child_id="C005",
    )  # fmt: skip
    episode(world, cin, "missing", london(2024, 6, 1, 18, 0), london(2024, 6, 2, 10, 0))
    return world


def read(files: dict[str, bytes], name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[name].decode("utf-8"))))


def write(directory: Path, files: dict[str, bytes]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (directory / name).write_bytes(content)
    return directory


@pytest.mark.django_db
def test_the_synthetic_authority_passes_dfes_missing_rules(authority, tmp_path):
    files = ssda903_files(acting_user=ENGINE, authority=authority.council, year=2025)
    for name, header in HEADERS.items():
        assert read(files, name)[0] == header
    missing = read(files, "missing.csv")[1:]
    assert missing == [
        ["C001", "10/05/2009", "M", "03/05/2024", "04/05/2024"],
        ["C001", "10/05/2009", "A", "10/07/2024", "10/07/2024"],
        ["C001", "10/05/2009", "M", "01/09/2024", "02/09/2024"],  # absent, reported as M
        ["C002", "02/02/2010", "M", "30/03/2025", ""],
        ["C003", "20/08/2011", "M", "31/07/2024", "03/08/2024"],
        ["C004", "15/10/2006", "M", "01/06/2024", "02/06/2024"],
    ]
    episodes = read(files, "episodes.csv")[1:]
    c003 = [row for row in episodes if row[0] == "C003"]
    assert [(r[1], r[2], r[5], r[7], r[8]) for r in c003] == [
        ("20/04/2024", "S", "U6", "01/08/2024", "X1"),
        ("01/08/2024", "P", "K2", "", ""),
    ]
    c004 = [row for row in episodes if row[0] == "C004"]
    assert [(r[1], r[7], r[8]) for r in c004] == [("10/01/2022", "15/10/2024", "E8")]
    assert [r[0] for r in read(files, "header.csv")[1:]] == ["C001", "C002", "C003", "C004"]
    assert read(files, "header.csv")[1][1:4] == ["M", "10/05/2009", "WBRI"]
    assert read(files, "header.csv")[2][1] == "F"
    assert read(files, "uasc.csv")[1:] == [["C004", "M", "15/10/2006", "15/10/2024"]]

    result = validate(write(tmp_path / "2025", files))
    assert result["validator"] == "0.1.17"
    assert result["rules"] == MISSING_RULES
    assert result["failed"] == []
    print("validator:", result)
    # 576 compares with last year's file, which this run does not give (the next test does).
    assert result["skipped"] == ["576"]
    assert sorted(result["done"]) == sorted(set(MISSING_RULES) - {"576"})
    assert [i for i in result["issues"] if i["table"] == "Missing"] == []
    assert result["issues"] == []


@pytest.mark.django_db
def test_next_year_repeats_the_open_episodes_start_and_passes_576(authority, tmp_path):
    """Collection year 2026 carries the episode open on 31 March 2025 with the same start."""
    this_year = ssda903_files(acting_user=ENGINE, authority=authority.council, year=2025)
    next_year = ssda903_files(acting_user=ENGINE, authority=authority.council, year=2026)
    assert ["C002", "02/02/2010", "M", "30/03/2025", ""] in read(next_year, "missing.csv")
    print("rows:", {name: len(read(this_year, name)) - 1 for name in HEADERS})
    # The previous year's file is what the validator compares the start with (rule 576).
    import json
    import subprocess

    from tests.reports.statutory import ROOT, ensure_validator

    done = subprocess.run(
        [str(ensure_validator()), str(ROOT / "scripts" / "validate_903.py"), "--year", "2026",
         "--la", "E09000014", "--this", str(write(tmp_path / "2026", next_year)),
         "--prev", str(write(tmp_path / "2025", this_year))],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print("validator 2026 with 2025 as last year:", result)
    assert "576" in result["done"]
    assert result["issues"] == []


@pytest.mark.django_db
def test_absent_left_out_when_the_authority_chooses(authority, settings):
    settings.SSDA903 = {"absent_as": ""}
    files = ssda903_files(acting_user=ENGINE, authority=authority.council, year=2025)
    c001 = [r for r in read(files, "missing.csv")[1:] if r[0] == "C001"]
    assert [r[2] for r in c001] == ["M", "A"]


BROKEN_HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nB1,M,01/01/2010,WBRI,UN5,,\n"
BROKEN_EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    "B1,01/01/2023,S,C2,N1,U6,PR1,,,,,N15 4AA,XXXXXXX\n"
)


def broken(directory: Path, missing: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "header.csv").write_text(BROKEN_HEADER)
    (directory / "episodes.csv").write_text(BROKEN_EPISODES)
    (directory / "uasc.csv").write_text("CHILD,SEX,DOB,DUC\n")
    (directory / "missing.csv").write_text("CHILD,DOB,MISSING,MIS_START,MIS_END\n" + missing)
    return directory


def codes_by_row(result: dict) -> set[tuple[str, int]]:
    return {(i["code"], i["row"]) for i in result["issues"] if i["table"] == "Missing"}


def test_the_driver_reports_broken_files(tmp_path):
    """Files the services would refuse to make, written directly: the check can fail."""
    this = broken(
        tmp_path / "this",
        "B1,01/01/2010,X,01/05/2024,03/05/2024\n"  # 0: 1006, an unknown MISSING code
        "B1,01/01/2010,M,01/06/2024,30/05/2024\n"  # 1: 567, ends before it starts
        "B1,01/01/2010,M,10/07/2024,\n"  # 2: 574, open when the next one starts
        "B1,01/01/2010,M,12/07/2024,14/07/2024\n",
    )
    prev = broken(tmp_path / "prev", "B1,01/01/2010,M,20/03/2024,\n")  # 576: not carried over
    result = validate(this, prev=prev)
    # 574 marks the episode that starts while the one before is open; 576 marks the
    # child's earliest episode this year, whose start is not last year's open one.
    assert codes_by_row(result) == {("1006", 0), ("567", 1), ("574", 3), ("576", 0)}


def test_a_clean_missing_table_gives_no_issue(tmp_path):
    """The other side of the boundary: the same files, put right, raise nothing."""
    this = broken(
        tmp_path / "this",
        "B1,01/01/2010,M,20/03/2024,03/04/2024\n"
        "B1,01/01/2010,A,10/07/2024,12/07/2024\n"
        "B1,01/01/2010,M,12/07/2024,14/07/2024\n",
    )
    prev = broken(tmp_path / "prev", "B1,01/01/2010,M,20/03/2024,\n")
    assert codes_by_row(validate(this, prev=prev)) == set()


@pytest.mark.django_db
def test_the_command_writes_the_four_files(authority, tmp_path):
    out = tmp_path / "out"
    call_command("export_ssda903", year=2025, authority=authority.council.pk, out=out)
    assert sorted(p.name for p in out.iterdir()) == sorted(HEADERS)
    assert (out / "missing.csv").read_text().count("\n") == 7


@pytest.mark.django_db
def test_a_child_without_the_councils_id_stops_the_return(world):
    looked_after_child(
        world, local_child_id="", date_of_birth=dt.date(2010, 1, 1), care_from=dt.date(2024, 5, 1)
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no council child ID"):
        call_command("export_ssda903", year=2025, authority=world.council.pk, out="/tmp/unused")


@pytest.mark.django_db
def test_the_job_zips_the_files_for_the_coordinator_only(authority):
    export = request_export(
        acting_user=authority.missing_coordinator, kind="ssda903", format="zip",
        parameters={"authority": authority.council.pk, "year": 2025}, for_publication=False,
    )  # fmt: skip
    built = build_export(export.pk)
    assert built is not None and built.status == "ready", built and built.error
    archive = zipfile.ZipFile(io.BytesIO(bytes(built.content or b"")))
    assert sorted(archive.namelist()) == sorted(HEADERS)
    assert open_download(acting_user=authority.missing_coordinator, export_id=export.pk)
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        open_download(acting_user=authority.senior_manager, export_id=export.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["missing_coordinator", "senior_manager"])
def test_the_page_is_for_the_coordinator_and_the_ad(world, client, persona):
    client.force_login(getattr(world, persona))
    page = client.get(reverse("reports:returns"))
    assert page.status_code == 200
    assert b"Prepare the SSDA903 files" in page.content
    assert reverse("reports:returns").encode() in client.get(reverse("reports:index")).content


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["police_liaison", "social_worker", "team_manager", "outsider"])
def test_everyone_else_gets_403_and_no_link(world, client, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("reports:returns")).status_code == 403
    response = client.post(
        reverse("reports:return_create", args=["ssda903"]),
        {"ssda903-authority": world.council.pk, "ssda903-year": 2025},
    )
    assert response.status_code == 403
    if persona == "team_manager":  # reads reports, so sees the reports page, without the link
        page = client.get(reverse("reports:index"))
        assert page.status_code == 200
        assert reverse("reports:returns").encode() not in page.content


@pytest.mark.django_db
def test_another_authoritys_return_is_refused(world, client):
    client.force_login(world.missing_coordinator)
    response = client.post(
        reverse("reports:return_create", args=["ssda903"]),
        {"ssda903-authority": world.other_council.pk, "ssda903-year": 2025},
    )
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "message"),
    [("", b"Enter the collection year"), ("abc", b"Enter the collection year as a number"),
     ("2099", b"has not started yet")],
)  # fmt: skip
def test_bad_input_shows_an_error_and_starts_nothing(world, client, year, message):
    from reports.models import ReportExport

    client.force_login(world.missing_coordinator)
    response = client.post(
        reverse("reports:return_create", args=["ssda903"]),
        {"ssda903-authority": world.council.pk, "ssda903-year": year},
    )
    assert response.status_code == 400
    assert b"There is a problem" in response.content and message in response.content
    assert not ReportExport.objects.exists()


@pytest.mark.django_db
def test_the_page_starts_the_job(world, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(world.missing_coordinator)
    response = client.post(
        reverse("reports:return_create", args=["ssda903"]),
        {"ssda903-authority": world.council.pk, "ssda903-year": 2025},
    )
    assert response.status_code == 302
    from reports.models import ReportExport

    export = ReportExport.objects.get()
    assert (export.kind, export.format, export.parameters) == (
        "ssda903", "zip", {"authority": world.council.pk, "year": 2025},
    )  # fmt: skip


def test_rule_365_is_why_the_full_set_is_not_run(tmp_path):
    """A clean episode open on 31 March: 575/577 appear only when rule 365 runs first."""
    this = broken(tmp_path / "this", "B1,01/01/2010,M,30/03/2025,\n")
    with_365 = validate(this, rules="365,575,577")
    assert {i["code"] for i in with_365["issues"] if i["table"] == "Missing"} == {"575", "577"}
    assert validate(this, rules="575,577")["issues"] == []
