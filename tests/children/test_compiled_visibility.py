"""`compiled_child_ids`: the visibility union compiled once per user and memberships, its
times set again from the clock on each use (issue 13, decision 0021). The same children
as `visible_child_ids` for every role, at every moment."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from agencies.models import Role
from casework.services import report_episode
from children.models import Child
from children.selectors import (
    _compile_child_ids,
    access_profile,
    compiled_child_ids,
    visible_child_ids,
)
from children.services import grant_child_access
from tests.factories import ChildFactory, MembershipFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
PERSONAS = [
    "social_worker",
    "team_manager",
    "other_social_worker",
    "mash_triage",
    "police_liaison",
    "other_police_liaison",
    "missing_coordinator",
    "senior_manager",
    "return_officer",
    "panel_member",
    "outsider",
]
SHAPES = [
    {},
    {"without_role": Role.POLICE_LIAISON},
    {"without_role": Role.POLICE_LIAISON, "whole_authorities": False},
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def grant(world):
    """world.child reported to world.force; another child of the council, unallocated;
    world.child granted to the outsider for a week."""
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=3),
        police_force=world.force,
    )
    ChildFactory(responsible_authority=world.council)
    return grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.outsider,
        expires_at=NOW + dt.timedelta(days=7),
        reason="Independent reviewing officer",
    )


def _children(ids) -> set[int]:
    return set(Child.objects.filter(pk__in=ids).values_list("pk", flat=True))


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_compiled_form_sees_the_same_children_for_every_role(world, grant, persona):
    user = getattr(world, persona)
    for shape in SHAPES:
        assert _children(compiled_child_ids(user, **shape)) == _children(
            visible_child_ids(user, **shape)
        ), shape
        # The second use is the cached one.
        assert _children(compiled_child_ids(user, **shape)) == _children(
            visible_child_ids(user, **shape)
        ), shape


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_time_in_the_compiled_query_is_the_clocks(world, grant, persona, frozen):
    """The compiled form sets its times from the clock on each use: that holds only if every
    time the reaches put in the query moves with the clock and nothing else does. A reach
    that adds a fixed time (or a date from the clock) fails this and must be handled."""
    user = getattr(world, persona)
    for shape in SHAPES:
        sql, params, _offsets = _compile_child_ids(
            user,
            access_profile(user),
            shape.get("without_role"),
            shape.get("whole_authorities", True),
        )
        frozen.shift(dt.timedelta(days=3, seconds=7))
        sql_later, params_later, _ = _compile_child_ids(
            user,
            access_profile(user),
            shape.get("without_role"),
            shape.get("whole_authorities", True),
        )
        frozen.shift(-dt.timedelta(days=3, seconds=7))
        assert sql_later == sql
        for param, later in zip(params, params_later, strict=True):
            if isinstance(param, dt.datetime):
                assert later - param == dt.timedelta(days=3, seconds=7), (shape, param)
            else:
                assert later == param, (shape, param)


def test_a_cached_grant_still_ends_at_its_expiry_to_the_second(world, grant, frozen):
    assert _children(compiled_child_ids(world.outsider)) == {world.child.pk}
    frozen.move_to(grant.expires_at - dt.timedelta(seconds=1))
    assert _children(compiled_child_ids(world.outsider)) == {world.child.pk}
    frozen.move_to(grant.expires_at)
    assert _children(compiled_child_ids(world.outsider)) == set()


def test_a_role_given_or_taken_away_takes_effect_at_once(world, grant):
    newcomer = MembershipFactory(team=world.team, role=Role.SOCIAL_WORKER).user
    assert world.child.pk in _children(compiled_child_ids(newcomer))
    newcomer.memberships.update(is_active=False)
    assert _children(compiled_child_ids(newcomer)) == set()
