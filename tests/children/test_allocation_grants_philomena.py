"""Allocation and reallocation (with history, and the unallocated list), ad-hoc access
grants (granted, shown, revoked, audited) and the Philomena profile Part 1."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from pghistory.models import Events

from agencies.models import Role
from children.models import Allocation, Child, ChildAccessGrant
from children.selectors import unallocated_children, visible_children
from children.services import (
    allocate_child,
    end_allocation,
    grant_child_access,
    revoke_child_access,
    start_placement,
    update_philomena_profile,
)
from core.errors import Conflict, NotAllowed, Refused
from tests.factories import ChildFactory, MembershipFactory, UserFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def new_child(world) -> Child:
    """A child reported by police, on record with no allocation."""
    return ChildFactory(responsible_authority=world.council)


def test_an_unallocated_child_is_listed_for_those_who_can_allocate_and_only_them(
    client, world, new_child
):
    assert new_child in unallocated_children(world.team_manager)
    assert new_child in unallocated_children(world.missing_coordinator)
    assert new_child not in visible_children(world.social_worker)
    url = reverse("children:unallocated")
    client.force_login(world.team_manager)
    page = client.get(url).content.decode()
    assert new_child.full_name in page and world.child.full_name not in page
    assert reverse("children:unallocated") in client.get(reverse("children:index")).content.decode()
    client.force_login(world.social_worker)
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("children:index")).content.decode()


def test_a_team_manager_allocates_to_their_team_and_the_child_leaves_the_list(world, new_child):
    allocation = allocate_child(
        acting_user=world.team_manager,
        child=new_child,
        team=world.team,
        worker=world.social_worker,
    )
    assert allocation.worker == world.social_worker
    assert new_child not in unallocated_children(world.team_manager)
    assert new_child in visible_children(world.social_worker)
    with pytest.raises(NotAllowed):
        allocate_child(acting_user=world.team_manager, child=new_child, team=world.other_team)


def test_the_missing_coordinator_reallocates_and_the_history_is_kept(world):
    current = world.child.allocations.get()
    other_manager = UserFactory(username="tm2")
    MembershipFactory(user=other_manager, team=world.other_team, role=Role.TEAM_MANAGER)
    allocate_child(
        acting_user=world.missing_coordinator,
        child=world.child,
        team=world.other_team,
        worker=world.other_social_worker,
        replacing=current,
    )
    allocations = list(world.child.allocations.order_by("started_at"))
    assert [(a.team, a.ended_at is not None) for a in allocations] == [
        (world.team, True),
        (world.other_team, False),
    ]
    assert world.child not in visible_children(world.social_worker)
    assert world.child in visible_children(world.other_social_worker)
    events = Events.objects.references(world.child).filter(pgh_model="children.AllocationEvent")
    assert events.count() >= 3


def test_a_worker_outside_the_team_and_a_social_worker_allocating_are_refused(world, new_child):
    with pytest.raises(Refused):
        allocate_child(
            acting_user=world.team_manager,
            child=new_child,
            team=world.team,
            worker=world.other_social_worker,
        )
    with pytest.raises(NotAllowed):
        allocate_child(acting_user=world.social_worker, child=world.child, team=world.team)
    assert not new_child.allocations.exists()


def test_ending_an_allocation_puts_the_child_on_the_list(world):
    allocation = world.child.allocations.get()
    end_allocation(acting_user=world.team_manager, allocation=allocation)
    assert world.child in unallocated_children(world.missing_coordinator)
    with pytest.raises(Conflict):
        end_allocation(acting_user=world.missing_coordinator, allocation=allocation)


def test_the_allocation_page_allocates_and_reallocates(client, world, new_child):
    client.force_login(world.team_manager)
    url = reverse("children:allocation", args=[new_child.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"team": world.team.pk, "worker": world.social_worker.pk})
    assert response.status_code == 302
    allocation = Allocation.objects.get(child=new_child, ended_at__isnull=True)
    response = client.post(
        url, {"team": world.team.pk, "worker": "", "replacing": str(allocation.pk)}
    )
    assert response.status_code == 302
    assert Allocation.objects.filter(child=new_child).count() == 2
    assert Allocation.objects.get(child=new_child, ended_at__isnull=True).worker is None
    record = client.get(reverse("casework:child_record", args=[new_child.pk])).content.decode()
    assert url in record
    client.force_login(world.social_worker)
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert reverse("children:allocation", args=[world.child.pk]) not in record
    assert client.get(reverse("children:allocation", args=[world.child.pk])).status_code == 403


# --- Ad-hoc access grants -------------------------------------------------------------------


def test_a_manager_grants_access_until_a_date_and_revokes_it_audited(world):
    visitor = UserFactory(username="outofarea")
    assert world.child not in visible_children(visitor)
    grant = grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=visitor,
        expires_at=NOW + dt.timedelta(days=30),
        reason="Host authority social worker",
    )
    assert world.child in visible_children(visitor)
    revoke_child_access(acting_user=world.team_manager, grant=grant)
    assert world.child not in visible_children(visitor)
    grant.refresh_from_db()
    assert (grant.revoked_by, grant.revoked_at) == (world.team_manager, NOW)
    events = Events.objects.references(world.child).filter(
        pgh_model="children.ChildAccessGrantEvent"
    )
    assert events.count() == 2, "the grant and its revocation are in the history"
    with pytest.raises(Conflict):
        revoke_child_access(acting_user=world.team_manager, grant=grant)


def test_a_social_worker_may_not_grant_and_a_grant_is_bounded(world):
    visitor = UserFactory(username="outofarea")
    with pytest.raises(NotAllowed):
        grant_child_access(
            acting_user=world.social_worker,
            child=world.child,
            user=visitor,
            expires_at=NOW + dt.timedelta(days=1),
            reason="x",
        )
    for expires_at in (NOW, NOW + dt.timedelta(days=367)):
        with pytest.raises(Refused):
            grant_child_access(
                acting_user=world.team_manager,
                child=world.child,
                user=visitor,
                expires_at=expires_at,
                reason="x",
            )
    assert not ChildAccessGrant.objects.exists()


def test_the_access_page_grants_and_the_record_shows_the_grant(client, world):
    visitor = UserFactory(username="outofarea", first_name="Oona", last_name="Visitor")
    client.force_login(world.team_manager)
    url = reverse("children:access", args=[world.child.pk])
    response = client.post(
        url,
        {
            "username": "nobody",
            "reason": "x",
            "expires_on_day": "1",
            "expires_on_month": "7",
            "expires_on_year": "2026",
        },
    )
    assert "There is no active Homeward user with this username" in response.content.decode()
    response = client.post(
        url,
        {
            "username": "OutOfArea",
            "reason": "Panel member for the July panel",
            "expires_on_day": "1",
            "expires_on_month": "7",
            "expires_on_year": "2026",
        },
    )
    assert response.status_code == 302
    grant = ChildAccessGrant.objects.get(user=visitor)
    assert grant.expires_at == dt.datetime(2026, 7, 1, 23, 0, tzinfo=dt.UTC), "end of 1 July BST"
    client.force_login(world.social_worker)
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert "Oona Visitor" in record and "Panel member for the July panel" in record
    assert f'href="{url}"' not in record, "the social worker sees the grant but may not manage it"
    client.force_login(world.team_manager)
    response = client.post(reverse("children:access_revoke", args=[world.child.pk, grant.pk]))
    assert response.status_code == 302
    assert world.child not in visible_children(visitor)


# --- Philomena profile Part 1 --------------------------------------------------------------


def test_the_placements_carer_and_the_social_worker_keep_part_1(client, world):
    carer = UserFactory(username="carer")
    start_placement(
        acting_user=world.social_worker,
        child=world.child,
        kind="residential",
        placing_authority=world.council,
        host_authority=world.council,
        start_date=dt.date(2026, 1, 1),
        carer=carer,
    )
    update_philomena_profile(acting_user=carer, child=world.child, clothing_style="Tracksuits")
    update_philomena_profile(
        acting_user=world.social_worker, child=world.child, places_frequented="Bus station"
    )
    child = Child.objects.get(pk=world.child.pk)
    assert (child.clothing_style, child.places_frequented) == ("Tracksuits", "Bus station")
    client.force_login(carer)
    url = reverse("children:philomena", args=[world.child.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("children:philomena_sheet", args=[world.child.pk])).status_code == 200
    assert client.get(reverse("casework:child_record", args=[world.child.pk])).status_code == 404, (
        "the carer keeps the Philomena profile, not the whole record"
    )
    for user in (world.police_liaison, world.return_officer, UserFactory(username="stranger")):
        with pytest.raises(NotAllowed):
            update_philomena_profile(acting_user=user, child=world.child, description="x")


def test_the_philomena_sheet_is_readable_by_the_force_told_and_logged(client, world):
    from casework.services import report_episode

    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=2),
        police_force=world.force,
    )
    client.force_login(world.police_liaison)
    url = reverse("children:philomena_sheet", args=[world.child.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Printed by" in page and "Part 1" in page
    assert f'href="{reverse("children:philomena", args=[world.child.pk])}"' not in page
    assert world.child.record_accesses.filter(user=world.police_liaison, via=f"GET {url}").exists()
    client.force_login(world.other_police_liaison)
    assert client.get(url).status_code == 404


def test_only_team_managers_of_the_responsible_authority_see_an_unallocated_child(world):
    elsewhere = ChildFactory(responsible_authority=world.other_council)
    here = ChildFactory(responsible_authority=world.council)
    assert here in visible_children(world.team_manager)
    assert elsewhere not in visible_children(world.team_manager), "another authority's child"
    for user in (world.mash_triage, world.police_liaison, world.return_officer):
        assert here not in visible_children(user)
    # Once allocated to another team, the child is that team's, not every manager's.
    allocate_child(acting_user=world.missing_coordinator, child=here, team=world.other_team)
    assert here not in visible_children(world.team_manager)
