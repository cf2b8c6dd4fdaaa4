"""Issue 15: who sees a child across agencies and authorities, for EVERY persona
(world.every_persona(): the fixed personas and the agency personas), through the
selector, the child's page and the API. A partner practitioner sees only the child it is
linked to and none of the social-care-only parts; a host authority's Missing Co-ordinator
sees an out-of-area child while an episode is open and for the set days after, then
nothing; a third authority never sees it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from casework.services import report_episode
from children.models import ChildLink, RecordAccess
from children.permissions import Sight, sights_for
from children.selectors import visible_children
from children.services import end_practitioner_link, link_practitioner
from core.errors import NotAllowed, Refused
from episodes.services import record_return
from tests.factories import ChildFactory, PlacementFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
# Who sees world.child (allocated to alice's team, no episode) in the base world.
BASE = {"social_worker", "team_manager", "missing_coordinator", "head_of_service"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def seers(world, child) -> set[str]:
    """Personas who see `child` through the selector, the child's page and the API alike."""
    seen = set()
    for name, persona in world.every_persona().items():
        by_selector = visible_children(persona).filter(pk=child.pk).exists()
        web, api = Client(), APIClient()
        if name != "anonymous":
            web.force_login(persona)
            api.force_authenticate(persona)
        page = web.get(reverse("casework:child_record", args=[child.pk])).status_code
        endpoint = api.get(f"/api/v1/children/{child.pk}/").status_code
        assert (page == 200) == by_selector, f"{name}: page {page}, selector {by_selector}"
        assert (endpoint == 200) == by_selector, f"{name}: API {endpoint}, selector {by_selector}"
        if by_selector:
            seen.add(name)
    return seen


def test_a_linked_partner_practitioner_sees_only_the_child_it_is_linked_to(world):
    other = ChildFactory(responsible_authority=world.council)
    link_practitioner(
        acting_user=world.social_worker,
        child=world.child,
        user=world.health_professional,
        role="health_named_professional",
    )
    assert seers(world, world.child) == BASE | {"health_professional"}
    assert "health_professional" not in seers(world, other)
    assert sights_for(world.health_professional, world.child) == frozenset()


def test_each_linked_role_sees_only_the_restricted_parts_its_role_needs(world):
    for person, role in [
        (world.iro, "independent_reviewing_officer"),
        (world.school_lead, "school_safeguarding_lead"),
        (world.youth_justice, "youth_justice"),
        (world.return_provider, "return_interview_provider"),
    ]:
        link_practitioner(acting_user=world.team_manager, child=world.child, user=person, role=role)
    assert seers(world, world.child) == BASE | {
        "iro",
        "school_lead",
        "youth_justice",
        "return_provider",
    }
    assert sights_for(world.iro, world.child) == {Sight.DISCLOSURES, Sight.MEETING_CONTENT}
    assert sights_for(world.return_provider, world.child) == {Sight.DISCLOSURES}
    assert sights_for(world.school_lead, world.child) == frozenset()
    assert sights_for(world.youth_justice, world.child) == frozenset()


def test_an_ended_link_sees_nothing(world):
    link = link_practitioner(
        acting_user=world.social_worker,
        child=world.child,
        user=world.school_lead,
        role="school_safeguarding_lead",
    )
    end_practitioner_link(acting_user=world.social_worker, link=link)
    assert seers(world, world.child) == BASE
    assert ChildLink.objects.get().ended_at == NOW


def test_only_the_childs_social_care_links_and_only_to_someone_holding_the_role(world):
    with pytest.raises(NotAllowed):
        link_practitioner(
            acting_user=world.police_liaison,
            child=world.child,
            user=world.school_lead,
            role="school_safeguarding_lead",
        )
    with pytest.raises(Refused, match="does not hold"):
        link_practitioner(
            acting_user=world.social_worker,
            child=world.child,
            user=world.school_lead,
            role="health_named_professional",
        )
    with pytest.raises(Refused):
        link_practitioner(
            acting_user=world.social_worker,
            child=world.child,
            user=world.outsider,
            role="police_liaison",
        )
    assert not ChildLink.objects.exists()


@pytest.fixture
def placed(world):
    """A looked-after child of Northwick placed in Southmere (the host authority)."""
    PlacementFactory(
        child=world.child,
        placing_authority=world.council,
        host_authority=world.other_council,
        start_date=dt.date(2025, 1, 1),
    )
    return world.child


def test_the_host_coordinator_sees_an_out_of_area_child_only_while_missing_and_7_days_after(
    world, placed, frozen
):
    assert seers(world, placed) == BASE, "no episode: the host authority sees nothing"
    episode = report_episode(
        acting_user=world.social_worker,
        child=placed,
        category="missing",
        last_seen_at=NOW - 2 * DAY,
        reported_at=NOW - 2 * DAY,
    )
    # While missing: the host's Missing Co-ordinator, and MASH (the referral is open).
    assert seers(world, placed) == BASE | {"host_coordinator", "mash_triage"}
    record_return(acting_user=world.social_worker, episode=episode, returned_at=NOW - DAY)
    # Closed a day ago: the host still sees it, as does the return interview officer.
    assert seers(world, placed) == BASE | {"host_coordinator", "mash_triage", "return_officer"}
    frozen.move_to(NOW - DAY + 7 * DAY - dt.timedelta(seconds=1))
    assert "host_coordinator" in seers(world, placed)
    frozen.move_to(NOW - DAY + 7 * DAY + dt.timedelta(seconds=1))
    after = seers(world, placed)
    assert "host_coordinator" not in after, "the window has closed"
    assert "third_coordinator" not in after


def test_the_window_is_a_setting(world, placed, frozen, settings):
    settings.PROTOCOL = {"host_authority_sight_days": 1}
    episode = report_episode(
        acting_user=world.social_worker,
        child=placed,
        category="missing",
        last_seen_at=NOW - 2 * DAY,
        reported_at=NOW - 2 * DAY,
    )
    record_return(acting_user=world.social_worker, episode=episode, returned_at=NOW - DAY)
    frozen.move_to(NOW + dt.timedelta(seconds=1))
    assert not visible_children(world.host_coordinator).filter(pk=placed.pk).exists()


def test_a_third_authority_never_sees_the_child(world, placed):
    report_episode(
        acting_user=world.social_worker,
        child=placed,
        category="missing",
        last_seen_at=NOW - DAY,
        reported_at=NOW - DAY,
    )
    assert "third_coordinator" not in seers(world, placed)


def test_the_host_coordinators_opening_of_the_record_is_logged(world, placed):
    report_episode(
        acting_user=world.social_worker,
        child=placed,
        category="missing",
        last_seen_at=NOW - DAY,
        reported_at=NOW - DAY,
    )
    client = Client()
    client.force_login(world.host_coordinator)
    assert client.get(reverse("casework:child_record", args=[placed.pk])).status_code == 200
    assert RecordAccess.objects.filter(user=world.host_coordinator, child=placed).exists()


def test_the_host_coordinator_adds_a_sighting_while_missing_and_cannot_after_the_window(
    world, placed, frozen
):
    from episodes.models import EpisodeInformation

    episode = report_episode(
        acting_user=world.social_worker,
        child=placed,
        category="missing",
        last_seen_at=NOW - DAY,
        reported_at=NOW - DAY,
    )
    url = reverse("episodes:add_information", args=[episode.pk])
    host, third = Client(), Client()
    host.force_login(world.host_coordinator)
    third.force_login(world.third_coordinator)
    data = {"kind": "sighting", "details": "Seen at Southmere bus station at 14:10"}
    assert third.post(url, data).status_code == 404
    assert host.post(url, data).status_code == 302
    item = EpisodeInformation.objects.get()
    assert (item.recorded_by, item.agency, item.kind) == (
        world.host_coordinator,
        world.other_council,
        "sighting",
    )
    page = host.get(reverse("episodes:detail", args=[episode.pk])).content.decode()
    assert "Seen at Southmere bus station" in page
    assert host.post(url, {"kind": "sighting", "details": "  "}).status_code == 200
    assert EpisodeInformation.objects.count() == 1, "an empty note changes nothing"
    record_return(acting_user=world.social_worker, episode=episode, returned_at=NOW)
    frozen.move_to(NOW + 8 * DAY)
    host.force_login(world.host_coordinator)  # the old session has long expired
    assert host.get(url).status_code == 404, "the window has closed"
    assert host.get(reverse("episodes:detail", args=[episode.pk])).status_code == 404
