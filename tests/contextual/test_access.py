"""Issue 12: a "missing with" link, a place's page and the hotspot list never show a
child to a persona who may not see that child. Every persona of world.personas(), and
the panel member and Assistant Director besides."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from children.selectors import visible_children
from contextual.services import link_episode_place, record_missing_with, record_place
from episodes.services import record_return
from tests.factories import AllocationFactory, ChildFactory
from tests.kit import report, utc

NOW = utc(2026, 5, 20, 12)
JAMIE = "Jamie Fictional"
SAM = "Sam Secondchild"
PLACE = "Northwick Hand Car Wash"

# Who sees whom in the fixture below (checked against the selector first, so a change
# to the access rules shows up as a fixture failure, not as a silent pass).
SEES_JAMIE = {
    "social_worker",
    "team_manager",
    "mash_triage",
    "police_liaison",
    "missing_coordinator",
    "senior_manager",
    "return_officer",
}
SEES_SAM = {
    "other_social_worker",
    "mash_triage",
    "other_police_liaison",
    "missing_coordinator",
    "senior_manager",
}


def personas(world):
    return {
        **world.personas(),
        "panel_member": world.panel_member,
        "senior_manager": world.senior_manager,
    }


@pytest.fixture
def together(world):
    """Jamie (Children in Care 1, Northwick Police) and Sam (Children in Need 2,
    Southmere Constabulary) missing together twice, both seen at the same car wash."""
    sam = ChildFactory(
        given_name="Sam", family_name="Secondchild", responsible_authority=world.council
    )
    AllocationFactory(
        child=sam,
        team=world.other_team,
        worker=world.other_social_worker,
        started_at=utc(2020, 1, 1),
    )
    with time_machine.travel(utc(2026, 5, 1, 12), tick=False):
        first = report(world, last_seen_at=utc(2026, 5, 1, 10), police_force=world.force)
        record_return(
            acting_user=world.social_worker, episode=first, returned_at=utc(2026, 5, 1, 11)
        )
    with time_machine.travel(NOW, tick=False):
        second = report(world, last_seen_at=utc(2026, 5, 20, 10), police_force=world.force)
        sams = report(
            world,
            child=sam,
            by=world.other_social_worker,
            last_seen_at=utc(2026, 5, 20, 9),
            police_force=world.other_force,
        )
        place = record_place(
            acting_user=world.missing_coordinator,
            authority=world.council,
            name=PLACE,
            kind="car_wash",
            postcode="n17 6ab",
        )
        for episode in (first, second):
            record_missing_with(
                acting_user=world.missing_coordinator,
                episode=episode,
                other_child_id=sam.pk,
                certainty="known",
            )
        for episode in (second, sams):
            link_episode_place(
                acting_user=world.missing_coordinator,
                episode=episode,
                place=place,
                role="last_seen",
            )
    return sam, second, place


def _client(user):
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def _sees(world, sam):
    with time_machine.travel(NOW, tick=False):
        result = {}
        for name, user in personas(world).items():
            ids = set(visible_children(user).values_list("pk", flat=True))
            result[name] = (world.child.pk in ids, sam.pk in ids)
    return result


def test_the_fixture_reaches_the_children_as_the_tests_expect(world, together):
    sam, _episode, _place = together
    sees = _sees(world, sam)
    assert {name for name, (jamie, _s) in sees.items() if jamie} == SEES_JAMIE
    assert {name for name, (_j, s) in sees.items() if s} == SEES_SAM


def test_a_missing_with_link_names_the_other_child_only_to_those_who_see_them(world, together):
    sam, episode, _place = together
    leaks = []
    shown = 0
    with time_machine.travel(NOW, tick=False):
        for name, user in personas(world).items():
            client = _client(user)
            for record_of, other_name, sees_record, sees_other in (
                (world.child, SAM, name in SEES_JAMIE, name in SEES_SAM),
                (sam, JAMIE, name in SEES_SAM, name in SEES_JAMIE),
            ):
                response = client.get(reverse("casework:child_record", args=[record_of.pk]))
                if not sees_record:
                    assert response.status_code in (302, 404), (name, record_of)
                    continue
                assert response.status_code == 200, (name, record_of)
                page = response.content.decode()
                section = page[page.index('id="missing-with-heading"') :]
                if sees_other:
                    assert other_name in section, (name, record_of)
                    shown += 1
                else:
                    if other_name in page:
                        leaks.append((name, str(record_of)))
                    assert "Another child you cannot see" in section, (name, record_of)
                assert "2 times" in section, "the link is counted on both records"
            # The episode's own page of links.
            response = client.get(reverse("contextual:episode", args=[episode.pk]))
            if response.status_code == 200:
                assert (SAM in response.content.decode()) == (name in SEES_SAM), name
    assert leaks == []
    # Both ways round for those who see both: MASH, the Missing Co-ordinator, the AD.
    assert shown == 6


def test_a_place_page_lists_only_the_children_the_reader_sees(world, together):
    sam, _episode, place = together
    with time_machine.travel(NOW, tick=False):
        for name, user in personas(world).items():
            response = _client(user).get(reverse("contextual:place", args=[place.pk]))
            if name == "anonymous":
                assert response.status_code == 302
                continue
            if name == "outsider":
                assert response.status_code == 404, "no tie to the place: it does not exist"
                continue
            assert response.status_code == 200, name
            page = response.content.decode()
            assert PLACE in page
            assert (JAMIE in page) == (name in SEES_JAMIE), name
            assert (SAM in page) == (name in SEES_SAM), name


def test_the_hotspot_list_names_only_children_the_reader_sees(world, together):
    sam, _episode, _place = together
    url = reverse("contextual:hotspots")
    with time_machine.travel(NOW, tick=False):
        for name, user in personas(world).items():
            response = _client(user).get(url)
            if name == "anonymous":
                assert response.status_code == 302
                continue
            assert response.status_code == 200, name
            page = response.content.decode()
            # No one sees a child here they may not see elsewhere.
            assert JAMIE not in page or name in SEES_JAMIE, name
            assert SAM not in page or name in SEES_SAM, name
            if name in {"missing_coordinator", "senior_manager"}:
                assert PLACE in page and JAMIE in page and SAM in page
                assert "N17 6" in page
            if name == "panel_member":
                # A panel seat only: the place is counted, small counts are hidden, the
                # children (not on a panel agenda) are not named.
                assert PLACE in page and "1 to 5" in page
                assert "more pairs include a child you cannot see" in page


def test_a_link_cannot_name_a_child_the_recorder_may_not_see(world, together):
    from core.errors import Refused

    sam, episode, _place = together
    with time_machine.travel(NOW, tick=False), pytest.raises(Refused):
        record_missing_with(
            acting_user=world.social_worker,
            episode=episode,
            other_child_id=sam.pk,
            certainty="believed",
        )
