"""A police liaison officer with no other role and no named grant sees their force's
episodes, said as that one condition (episodes.selectors.episode_visibility), so
PostgreSQL reads a page of them from the index (police_force, -id) instead of walking
every newer episode. With a grant, the granted child's episodes are theirs too."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from agencies.models import Role
from children.services import grant_child_access
from episodes.models import Episode
from episodes.selectors import episode_visibility
from tests.factories import AllocationFactory, ChildFactory, MembershipFactory
from tests.reports.support import add_episode, london


def visible(user) -> tuple[str, list[int]]:
    episodes = Episode.objects.filter(episode_visibility(user)).order_by("-pk")
    return str(episodes.query), list(episodes.values_list("pk", flat=True))


def reported(world, child, day: int, force) -> Episode:
    made = add_episode(
        child, london(2026, 3, day, 12), london(2026, 3, day, 18), reported_by=world.social_worker
    )
    Episode.objects.filter(pk=made.pk).update(police_force=force)
    return made


def test_an_officer_without_grants_sees_exactly_the_forces_episodes_by_that_condition(world):
    ours = [reported(world, ChildFactory(responsible_authority=world.council), 1, world.force)]
    ours.append(reported(world, world.child, 2, world.force))
    reported(world, ChildFactory(responsible_authority=world.council), 3, world.other_force)
    add_episode(
        world.child, london(2026, 3, 4, 12), london(2026, 3, 4, 18), reported_by=world.social_worker
    )
    sql, rows = visible(world.police_liaison)
    assert "childaccessgrant" not in sql and " IN (SELECT" not in sql
    assert rows == sorted((episode.pk for episode in ours), reverse=True)


def test_a_grant_adds_the_granted_childs_other_episodes(world):
    mine = reported(world, ChildFactory(responsible_authority=world.council), 1, world.force)
    unreported = add_episode(world.child, london(2026, 3, 2, 12), reported_by=world.social_worker)
    assert visible(world.police_liaison)[1] == [mine.pk]
    grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.police_liaison,
        expires_at=timezone.now() + dt.timedelta(days=7),
        reason="Joint investigation",
    )
    sql, rows = visible(world.police_liaison)
    assert "childaccessgrant" in sql
    assert rows == sorted([mine.pk, unreported.pk], reverse=True)


def test_the_other_forces_officer_sees_none_of_them(world):
    reported(world, world.child, 1, world.force)
    assert visible(world.other_police_liaison)[1] == []


def test_an_officer_with_another_role_keeps_the_council_route_too(world):
    mine = reported(world, ChildFactory(responsible_authority=world.council), 1, world.force)
    allocated = ChildFactory(responsible_authority=world.council)
    AllocationFactory(child=allocated, team=world.team)
    unreported = add_episode(
        allocated, london(2026, 3, 2, 12), london(2026, 3, 2, 18), reported_by=world.social_worker
    )
    MembershipFactory(user=world.police_liaison, team=world.team, role=Role.SOCIAL_WORKER)
    sql, rows = visible(world.police_liaison)
    assert "childaccessgrant" in sql  # the council's reaches, grants among them
    assert rows == sorted([mine.pk, unreported.pk], reverse=True)
