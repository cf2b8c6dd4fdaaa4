"""report_missing_child: a police liaison officer reports a child by who they are.

The child is matched among all the responsible authority's children (same date of birth,
same names ignoring case and accents), created if the authority has no record that may
be them. Either way the episode names the officer's force and awaits the council's MASH
confirming the child (confirm_police_match); only then does the force see the child.
A report that cannot be matched with confidence, or that the matched record refuses,
goes on a new record: no refusal tells the force about a child it does not see.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casework.services import confirm_police_match, report_missing_child
from children.models import Allocation, Child
from children.selectors import visible_children
from core.actors import ENGINE
from core.errors import Conflict, NotAllowed, Refused
from episodes.models import Episode
from episodes.services import record_return
from risk.models import MashReferral, ReferralStatus
from tests.factories import ChildFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
BIRTHDAY = dt.date(2012, 2, 14)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def report_by_identity(world, **overrides) -> Episode:
    """A police liaison officer reports Robin by name and date of birth."""
    arguments = {
        "acting_user": world.police_liaison,
        "given_name": "Robin",
        "family_name": "Testperson",
        "date_of_birth": BIRTHDAY,
        "responsible_authority": world.council,
        "category": "missing",
        "last_seen_at": NOW - dt.timedelta(hours=5),
        "police_reference": "NP-2026-0001",
    } | overrides
    return report_missing_child(**arguments)


def counts() -> tuple[int, int, int]:
    return Child.objects.count(), Episode.objects.count(), MashReferral.objects.count()


def test_a_child_the_council_has_no_record_of_is_created_unallocated_with_the_episode(world):
    episode = report_by_identity(world, sex="female")

    child = episode.child
    assert (child.given_name, child.family_name, child.date_of_birth, child.sex) == (
        "Robin",
        "Testperson",
        BIRTHDAY,
        "female",
    )
    assert child.responsible_authority == world.council
    assert not Allocation.objects.filter(child=child).exists(), "the MASH allocates, not police"
    assert episode.police_force == world.force, "the report names the officer's force"
    assert episode.reported_by == world.police_liaison
    assert episode.reported_to_police_at == NOW
    referral = MashReferral.objects.get(episode=episode)
    assert (referral.status, referral.mash_authority) == (ReferralStatus.OPEN, world.council)


def test_the_new_child_is_seen_by_the_mash_and_by_the_force_once_the_mash_confirms(world):
    episode = report_by_identity(world)
    child = episode.child

    assert not visible_children(world.police_liaison).filter(pk=child.pk).exists()
    assert visible_children(world.mash_triage).filter(pk=child.pk).exists()
    with pytest.raises(NotAllowed):
        confirm_police_match(acting_user=world.police_liaison, episode=episode)
    confirm_police_match(acting_user=world.mash_triage, episode=episode)
    assert visible_children(world.police_liaison).filter(pk=child.pk).exists()
    assert not visible_children(world.other_police_liaison).filter(pk=child.pk).exists()
    assert not visible_children(world.other_social_worker).filter(pk=child.pk).exists()


def test_a_child_on_record_is_matched_ignoring_case_and_accents(world):
    zoe = ChildFactory(
        given_name="Zoë",
        family_name="Ångström",
        date_of_birth=BIRTHDAY,
        responsible_authority=world.council,
    )
    before = Child.objects.count()

    episode = report_by_identity(world, given_name="  ZOE ", family_name="angstrom")

    assert episode.child == zoe
    assert Child.objects.count() == before, "no second record for a known child"
    assert not visible_children(world.police_liaison).filter(pk=zoe.pk).exists(), (
        "a name and a date of birth open nothing until the council confirms"
    )


def test_a_child_the_force_already_reported_is_matched_and_gets_a_new_episode(world):
    first = report_by_identity(world)
    record_return(
        acting_user=world.police_liaison, episode=first, returned_at=NOW - dt.timedelta(hours=4)
    )

    second = report_by_identity(
        world, last_seen_at=NOW - dt.timedelta(hours=1), police_reference="NP-2026-0002"
    )

    assert second.child == first.child
    assert Child.objects.filter(family_name="Testperson").count() == 1


def test_an_identical_name_is_a_confident_match_even_beside_a_similarly_named_twin(world):
    """Twins share a birthday and a family name: the identical name says which one."""
    robin = ChildFactory(
        given_name="Robin",
        family_name="Testperson",
        date_of_birth=BIRTHDAY,
        responsible_authority=world.council,
    )
    ChildFactory(
        given_name="Robyn",
        family_name="Testperson",
        date_of_birth=BIRTHDAY,
        responsible_authority=world.council,
    )

    assert report_by_identity(world).child == robin


def test_a_similar_but_not_identical_name_goes_on_a_new_record_for_the_council(world):
    robyn = ChildFactory(
        given_name="Robyn",
        family_name="Testperson",
        date_of_birth=BIRTHDAY,
        responsible_authority=world.council,
    )
    before = counts()

    episode = report_by_identity(world)

    assert episode.child != robyn and episode.awaiting_match
    assert counts() == tuple(n + 1 for n in before)


def test_two_identical_records_are_not_guessed_between(world):
    twins = [
        ChildFactory(
            given_name="Robin",
            family_name="Testperson",
            date_of_birth=BIRTHDAY,
            responsible_authority=world.council,
        )
        for _ in range(2)
    ]

    episode = report_by_identity(world)

    assert episode.child not in twins and episode.awaiting_match


def test_a_different_date_of_birth_is_a_different_child(world):
    """One day either side of the birthday does not match: the date of birth must be the same."""
    for day in (BIRTHDAY - dt.timedelta(days=1), BIRTHDAY + dt.timedelta(days=1)):
        ChildFactory(
            given_name="Robin",
            family_name="Testperson",
            date_of_birth=day,
            responsible_authority=world.council,
        )

    child = report_by_identity(world).child

    assert child.date_of_birth == BIRTHDAY
    assert Child.objects.filter(given_name="Robin", family_name="Testperson").count() == 3


def test_a_child_of_another_authority_is_not_matched(world):
    other = ChildFactory(
        given_name="Robin",
        family_name="Testperson",
        date_of_birth=BIRTHDAY,
        responsible_authority=world.other_council,
    )

    child = report_by_identity(world).child

    assert child != other
    assert child.responsible_authority == world.council


@pytest.mark.parametrize(
    "persona", ["social_worker", "team_manager", "mash_triage", "missing_coordinator", "outsider"]
)
def test_only_a_police_liaison_officer_may_report_a_child_by_name(world, persona):
    before = counts()

    with pytest.raises(NotAllowed):
        report_by_identity(world, acting_user=getattr(world, persona))

    assert counts() == before


def test_the_protocol_engine_does_not_report_children_by_name(world):
    with pytest.raises(NotAllowed):
        report_by_identity(world, acting_user=ENGINE)


def test_the_responsible_authority_must_be_a_local_authority(world):
    before = counts()

    with pytest.raises(Refused) as refusal:
        report_by_identity(world, responsible_authority=world.other_force)

    assert refusal.value.field == "responsible_authority"
    assert counts() == before


def test_absent_for_a_twelve_year_old_is_refused_and_no_child_is_created(world):
    before = counts()

    with pytest.raises(Refused) as refusal:
        # Last seen on 10 June 2026: a child born 11 June 2013 is 12, 13 tomorrow.
        report_by_identity(world, date_of_birth=dt.date(2013, 6, 11), category="absent")

    assert refusal.value.code == "absent_under_13"
    assert counts() == before, "the new child is rolled back with the refused episode"


def test_absent_for_a_child_thirteen_today_is_recorded(world):
    episode = report_by_identity(world, date_of_birth=dt.date(2013, 6, 10), category="absent")

    assert episode.category == "absent"


def test_a_matched_child_with_an_open_episode_is_refused_as_report_episode_would(world):
    first = report_by_identity(world)
    before = counts()

    with pytest.raises(Conflict) as refusal:
        report_by_identity(world, last_seen_at=NOW - dt.timedelta(hours=1))

    assert refusal.value.code == "open_episode_exists"
    assert counts() == before
    assert first.child.episodes.count() == 1


def test_a_last_seen_time_in_the_future_is_refused_and_no_child_is_created(world):
    before = counts()

    with pytest.raises(Refused):
        report_by_identity(world, last_seen_at=NOW + dt.timedelta(hours=1))

    assert counts() == before


@pytest.mark.parametrize(
    ("given_name", "family_name", "sex", "field"),
    [("  ", "Testperson", "not_known", "given_name"), ("Robin", "Testperson", "robot", "sex")],
)
def test_missing_names_and_unknown_sexes_are_refused(world, given_name, family_name, sex, field):
    before = counts()

    with pytest.raises(Refused) as refusal:
        report_by_identity(world, given_name=given_name, family_name=family_name, sex=sex)

    assert refusal.value.field == field
    assert counts() == before


def test_a_date_of_birth_in_the_future_is_refused_and_nothing_is_created(world):
    before = counts()

    with pytest.raises(Refused) as refusal:
        report_by_identity(world, date_of_birth=dt.date(2026, 6, 11))

    assert refusal.value.field == "date_of_birth"
    assert counts() == before


def test_a_date_of_birth_today_is_a_child_born_today(world):
    episode = report_by_identity(
        world, date_of_birth=dt.date(2026, 6, 10), last_seen_at=NOW - dt.timedelta(hours=1)
    )

    assert episode.child.date_of_birth == dt.date(2026, 6, 10)
