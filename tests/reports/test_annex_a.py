"""Ofsted Annex A list 8: Ofsted's columns in order, the missing columns on both sides of
the 12-month boundary, and the return interview answers."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from core.actors import ENGINE
from reports.annex_a import (
    ABSENT_COLUMN,
    ACCEPTED_COLUMN,
    COLUMNS,
    MISSING_COLUMN,
    OFFERED_COLUMN,
    annex_a_list_8,
)
from reports.exports import build_export, request_export
from returns.services import record_return_interview
from tests.reports.statutory import end_care, episode, london, looked_after_child

ON = dt.date(2025, 6, 30)  # the list's date; 12 months back is 30 June 2024


def row_of(rows: list[list[object]], child_id: str) -> dict[str, object]:
    return next(dict(zip(COLUMNS, row, strict=True)) for row in rows if row[0] == child_id)


@pytest.fixture
def boundary(world):
    child = looked_after_child(
        world, local_child_id="L801", date_of_birth=dt.date(2009, 1, 1),
        care_from=dt.date(2023, 1, 1), sex="female", ethnicity="WIRI",
    )  # fmt: skip
    return child


@pytest.mark.django_db
def test_an_episode_on_the_day_12_months_back_is_not_counted(world, boundary):
    # 30 June 2024 23:30 in London (22:30 UTC): exactly 12 months back, outside.
    episode(world, boundary, "missing", london(2024, 6, 30, 23, 30), london(2024, 7, 1, 0, 10))
    episode(world, boundary, "absent", london(2024, 6, 30, 10, 0), london(2024, 6, 30, 12, 0))
    row = row_of(annex_a_list_8(acting_user=ENGINE, authority=world.council, on=ON), "L801")
    assert (row[MISSING_COLUMN], row[ABSENT_COLUMN]) == (0, 0)


@pytest.mark.django_db
def test_an_episode_the_day_after_is_counted(world, boundary):
    # 1 July 2024 00:30 in London (30 June 23:30 UTC): inside the 12 months.
    episode(world, boundary, "missing", london(2024, 7, 1, 0, 30), london(2024, 7, 1, 9, 0))
    episode(world, boundary, "absent", london(2024, 7, 1, 20, 0), london(2024, 7, 1, 22, 0))
    # On the list's own date: counted; a day later: not (the list is as at its date).
    episode(world, boundary, "missing", london(2025, 6, 30, 23, 0), london(2025, 7, 1, 8, 0))
    episode(world, boundary, "missing", london(2025, 7, 1, 20, 0), london(2025, 7, 2, 8, 0))
    row = row_of(annex_a_list_8(acting_user=ENGINE, authority=world.council, on=ON), "L801")
    assert (row[MISSING_COLUMN], row[ABSENT_COLUMN]) == (2, 1)


@pytest.fixture
def interviews(world):
    """Three children, each with a last missing episode: interview held, declined, none."""
    made = {}
    for ident, outcome in [("I1", "held"), ("I2", "declined"), ("I3", None), ("I4", "")]:
        child = looked_after_child(
            world, local_child_id=ident, date_of_birth=dt.date(2010, 3, 3),
            care_from=dt.date(2024, 1, 1),
        )  # fmt: skip
        last = episode(world, child, "missing", london(2025, 5, 1, 20), london(2025, 5, 2, 8))
        if outcome is not None:
            record_return_interview(
                acting_user=world.missing_coordinator,
                child=child,
                episodes=[last],
                offered_at=london(2025, 5, 2, 12),
                outcome=outcome,
                held_at=london(2025, 5, 4, 15) if outcome == "held" else None,
            )
        made[ident] = child
    return made


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ident", "offered", "accepted"),
    [("I1", "a) Yes", "a) Yes"), ("I2", "a) Yes", "b) No"), ("I3", "b) No", ""),
     ("I4", "a) Yes", "")],
)  # fmt: skip
def test_offered_and_accepted(world, interviews, ident, offered, accepted):
    row = row_of(annex_a_list_8(acting_user=ENGINE, authority=world.council, on=ON), ident)
    assert (row[OFFERED_COLUMN], row[ACCEPTED_COLUMN]) == (offered, accepted)


@pytest.mark.django_db
def test_an_interview_for_an_earlier_episode_does_not_answer_for_the_last(world, interviews):
    child = interviews["I1"]
    episode(world, child, "missing", london(2025, 6, 1, 20), london(2025, 6, 2, 8))
    row = row_of(annex_a_list_8(acting_user=ENGINE, authority=world.council, on=ON), "I1")
    assert (row[OFFERED_COLUMN], row[ACCEPTED_COLUMN]) == ("b) No", "")


@pytest.mark.django_db
def test_who_is_on_the_list(world):
    in_care = looked_after_child(
        world, local_child_id="W1", date_of_birth=dt.date(2010, 1, 1),
        care_from=dt.date(2024, 1, 1), sex="male", is_uasc=True,
    )  # fmt: skip
    left_recently = looked_after_child(
        world, local_child_id="W2", date_of_birth=dt.date(2010, 1, 1), care_from=dt.date(2024, 1, 1)
    )
    end_care(
        world, left_recently, last_day=dt.date(2024, 12, 30), then="none"
    )  # 6 months to the day
    left_long_ago = looked_after_child(
        world, local_child_id="W3", date_of_birth=dt.date(2010, 1, 1), care_from=dt.date(2023, 1, 1)
    )
    end_care(world, left_long_ago, last_day=dt.date(2024, 12, 29), then="none")  # a day earlier
    rows = annex_a_list_8(acting_user=ENGINE, authority=world.council, on=ON)
    assert sorted(r[0] for r in rows) == ["W1", "W2"]
    row = row_of(rows, "W1")
    assert row["Gender"] == "a) Male"
    assert row["Unaccompanied Asylum Seeking Child (UASC)"] == "a) Yes"
    assert row["Date of Birth"] == "01/01/2010"
    assert row["Age of Child (Years)"] == 15
    assert row["Date Started to be Looked After"] == "01/01/2024"
    assert row["Placement Type"] == "Foster placement"
    assert row["Placement Location (Inside/Outside LA)"] == "Inside LA"
    assert row["Allocated Team"] == world.team.name
    assert row["Allocated Worker"] == str(world.social_worker)
    assert row["Category of Need"] == ""  # not held: left for the council
    left = row_of(rows, "W2")
    assert left["Child's Legal Status"] == "Left care"
    assert left["Date Ceased to be Looked After"] == "31/12/2024"
    assert in_care.pk


@pytest.mark.django_db
def test_the_xlsx_has_ofsteds_columns_in_order(world, boundary):
    export = request_export(
        acting_user=world.senior_manager, kind="annex_a", format="xlsx",
        parameters={"authority": world.council.pk, "on": ON.isoformat()}, for_publication=False,
    )  # fmt: skip
    built = build_export(export.pk)
    assert built is not None and built.status == "ready" and built.rows == 1
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(built.content or b""))).active
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.cell(2, 1).value == "L801"
    assert (
        COLUMNS.index(MISSING_COLUMN)
        < COLUMNS.index(ABSENT_COLUMN)
        < COLUMNS.index(OFFERED_COLUMN)
        < COLUMNS.index(ACCEPTED_COLUMN)
    )


@pytest.mark.django_db
def test_police_may_not_produce_annex_a(world):
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        annex_a_list_8(acting_user=world.police_liaison, authority=world.council, on=ON)
    with pytest.raises(NotAllowed):
        annex_a_list_8(acting_user=world.team_manager, authority=world.council, on=ON)
