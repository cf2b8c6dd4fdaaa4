"""Identity: the council's child ID, ethnicity, disability, UPN and school, and corrections
of names and date of birth, through the service and the page, with their history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from pghistory.models import Events

from children.models import Child
from children.services import update_child
from core.errors import Conflict, NotAllowed, Refused
from tests.factories import ChildFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
VALID_UPN = "R801200101001"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_social_worker_corrects_names_date_of_birth_and_records_identity(world):
    update_child(
        acting_user=world.social_worker,
        child=world.child,
        given_name=" Jaime ",
        date_of_birth=dt.date(2010, 7, 1),
        local_child_id="NW-00042",
        ethnicity="MWBC",
        disability="yes",
        disability_details="Hearing impairment",
        upn="r8012 0010 1001",
        school="Northwick Academy",
    )
    child = Child.objects.get(pk=world.child.pk)
    assert (child.given_name, child.date_of_birth) == ("Jaime", dt.date(2010, 7, 1))
    assert (child.local_child_id, child.ethnicity, child.disability) == ("NW-00042", "MWBC", "yes")
    assert child.upn == VALID_UPN, "a UPN is kept in capitals without spaces"
    changed = Events.objects.references(child).filter(pgh_model="children.ChildEvent").last()
    assert changed is not None and "local_child_id" in (changed.pgh_diff or {})


def test_the_councils_child_id_is_unique_within_the_authority_only(world):
    update_child(acting_user=world.social_worker, child=world.child, local_child_id="NW-1")
    sibling = ChildFactory(responsible_authority=world.council)
    from tests.factories import AllocationFactory

    AllocationFactory(child=sibling, team=world.team, worker=world.social_worker)
    with pytest.raises(Conflict) as refused:
        update_child(acting_user=world.social_worker, child=sibling, local_child_id="NW-1")
    assert refused.value.field == "local_child_id"
    elsewhere = ChildFactory(responsible_authority=world.other_council, local_child_id="NW-1")
    assert elsewhere.local_child_id == "NW-1", "another authority may use the same ID"
    # Blank IDs are not unique: many children have none yet.
    ChildFactory(responsible_authority=world.council)
    ChildFactory(responsible_authority=world.council)


@pytest.mark.parametrize(
    "upn",
    ["A801200101001", "R80120010100", "R80120010100I", "1801200101001", "R80120010100!"],
)
def test_a_malformed_upn_or_one_with_the_wrong_check_letter_is_refused(world, upn):
    with pytest.raises(Refused) as refused:
        update_child(acting_user=world.social_worker, child=world.child, upn=upn)
    assert refused.value.field == "upn"
    assert Child.objects.get(pk=world.child.pk).upn == ""


def test_a_temporary_upn_ending_in_a_letter_is_accepted(world):
    update_child(acting_user=world.social_worker, child=world.child, upn="J93612345678A")
    assert Child.objects.get(pk=world.child.pk).upn == "J93612345678A"


def test_an_unknown_ethnicity_code_and_an_empty_name_are_refused(world):
    with pytest.raises(Refused):
        update_child(acting_user=world.social_worker, child=world.child, ethnicity="XXXX")
    with pytest.raises(Refused):
        update_child(acting_user=world.social_worker, child=world.child, family_name="  ")


def test_police_and_other_teams_may_not_change_identity(world):
    for user in (world.police_liaison, world.other_social_worker, world.return_officer):
        with pytest.raises(NotAllowed):
            update_child(acting_user=user, child=world.child, local_child_id="X")


def _identity_post(**overrides: str) -> dict[str, str]:
    data = {
        "given_name": "Jamie",
        "family_name": "Fictional",
        "known_as": "",
        "date_of_birth_day": "1",
        "date_of_birth_month": "6",
        "date_of_birth_year": "2010",
        "sex": "female",
        "ethnicity": "BAFR",
        "disability": "no",
        "disability_details": "",
        "local_child_id": "NW-77",
        "upn": VALID_UPN,
        "school": "Northwick Academy",
    }
    data.update(overrides)
    return data


def test_the_identity_page_saves_and_the_record_shows_it(client, world):
    client.force_login(world.social_worker)
    url = reverse("children:identity", args=[world.child.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _identity_post())
    assert response.status_code == 302
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert "NW-77" in record and "African" in record and VALID_UPN in record
    assert url in record, "the record links to the identity page for a social worker"


def test_the_identity_page_shows_a_bad_date_of_birth_and_changes_nothing(client, world):
    client.force_login(world.social_worker)
    url = reverse("children:identity", args=[world.child.pk])
    response = client.post(url, _identity_post(date_of_birth_year="2030", upn="A801200101001"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The date of birth cannot be in the future" in page or "check letter" in page
    assert Child.objects.get(pk=world.child.pk).local_child_id == ""


def test_the_identity_page_is_refused_to_police_and_hidden_from_others(client, world):
    url = reverse("children:identity", args=[world.child.pk])
    client.force_login(world.other_social_worker)
    assert client.get(url).status_code == 404, "a child you may not see does not exist"
    client.force_login(world.senior_manager)
    assert client.get(url).status_code == 403
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert f'href="{url}"' not in record, "no link to a page that answers 403"
