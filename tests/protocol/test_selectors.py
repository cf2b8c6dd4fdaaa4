"""The work queues: my deadlines, my team's, the escalation queue; each access-checked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from protocol.models import Rule, Status
from protocol.selectors import escalation_queue, my_deadlines, team_deadlines
from protocol.services import sweep
from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory
from tests.protocol.sweep_support import HOUR, T0, own_cache, report, returned

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")

QUEUE_TIME = T0 + 95 * HOUR


@pytest.fixture
def cases(world):
    """Jamie (not looked after) went missing at T0 and came back 2 hours later: by
    T0 + 95 h the safe and well check, risk assessment and return interview are breached.
    Casey (looked after, same team) went missing at T0 + 50 h and is still missing: the
    escalation went at T0 + 74 h, the strategy meeting is due soon (due T0 + 98 h)."""
    casey = ChildFactory(
        given_name="Casey", family_name="Madeup", responsible_authority=world.council
    )
    AllocationFactory(
        child=casey, team=world.team, worker=world.social_worker, started_at=T0 - 1000 * HOUR
    )
    LegalStatusFactory(child=casey, start_date=dt.date(2020, 1, 1))
    with time_machine.travel(T0, tick=False) as clock:
        jamie_episode = report(world, last_seen_at=T0, reported_to_police_at=T0)
        clock.move_to(T0 + 2 * HOUR)
        returned(world, jamie_episode, returned_at=T0 + 2 * HOUR)
        clock.move_to(T0 + 50 * HOUR)
        report(
            world, child=casey, last_seen_at=T0 + 50 * HOUR, reported_to_police_at=T0 + 50 * HOUR
        )
        for hours in (80, 95):
            clock.move_to(T0 + hours * HOUR)
            sweep()
    return world, casey


def test_the_escalation_queue_puts_looked_after_children_missing_24_hours_first(cases):
    world, casey = cases
    queue = list(escalation_queue(world.team_manager, now=QUEUE_TIME))
    assert queue, "the team manager has breached deadlines to see"
    assert queue[0].child == casey
    assert queue[0].rule == Rule.STRATEGY_MEETING
    assert queue[0].status == Status.OPEN, "due soon, not yet breached"
    assert queue[0].looked_after_missing
    rest = queue[1:]
    assert {d.child_id for d in rest} == {world.child.pk}
    assert [d.due_at for d in rest] == sorted(d.due_at for d in rest), "then by due time"
    assert {d.status for d in rest} == {Status.BREACHED}
    assert not any(d.looked_after_missing for d in rest)


def test_the_escalation_queue_filters_by_rule_and_team(cases):
    world, _ = cases
    only = escalation_queue(world.team_manager, rule=Rule.RETURN_INTERVIEW, now=QUEUE_TIME)
    assert [d.rule for d in only] == [Rule.RETURN_INTERVIEW]
    assert not escalation_queue(world.team_manager, team=world.other_team, now=QUEUE_TIME).exists()


def test_the_escalation_queue_is_for_managers_of_the_team_and_the_authority(cases):
    world, _ = cases
    manager = set(escalation_queue(world.team_manager, now=QUEUE_TIME))
    assert set(escalation_queue(world.missing_coordinator, now=QUEUE_TIME)) == manager
    assert set(escalation_queue(world.senior_manager, now=QUEUE_TIME)) == manager
    for persona in (
        "social_worker",
        "other_social_worker",
        "police_liaison",
        "outsider",
        "anonymous",
    ):
        user = getattr(world, persona)
        assert not escalation_queue(user, now=QUEUE_TIME).exists(), (
            f"{persona} has no escalation queue"
        )


def test_a_manager_does_not_see_deadlines_of_children_they_may_not_see(cases):
    world, _ = cases
    # Moved to another team: the deadlines keep their owner team, the manager loses sight.
    world.child.allocations.update(ended_at=T0 + 90 * HOUR)
    AllocationFactory(child=world.child, team=world.other_team, started_at=T0 + 90 * HOUR)
    queue = escalation_queue(world.team_manager, now=QUEUE_TIME)
    assert not queue.filter(child=world.child).exists()


def test_the_escalation_queue_renders_in_constant_queries(cases, django_assert_num_queries):
    world, _ = cases
    # The manager's memberships (for the visibility rules), then the rows.
    with django_assert_num_queries(2):
        rows = list(escalation_queue(world.team_manager, now=QUEUE_TIME))
        shown = [(d.child.full_name, d.episode.last_seen_at, d.owner_team.name) for d in rows]
    assert len(shown) >= 3


def test_my_deadlines_are_the_allocated_workers_and_the_owner_roles(cases):
    world, casey = cases
    mine = my_deadlines(world.social_worker)
    assert {d.child_id for d in mine} == {casey.pk}, "open and scheduled deadlines of my children"
    assert {d.status for d in mine} <= {Status.OPEN, Status.SCHEDULED}
    assert {d.child_id for d in my_deadlines(world.social_worker, include_closed=True)} == {
        world.child.pk,
        casey.pk,
    }
    assert not my_deadlines(world.other_social_worker).exists()
    assert not my_deadlines(world.anonymous).exists()
    # MASH triage own the risk assessments of children with an open referral.
    mash = my_deadlines(world.mash_triage, include_closed=True)
    assert mash.exists()
    assert {d.rule for d in mash} == {Rule.RISK_ASSESSMENT}
    # Police liaison own safe and well checks of their force's episodes; another force none.
    police = my_deadlines(world.police_liaison, include_closed=True)
    assert {d.rule for d in police} == {Rule.SAFE_AND_WELL_CHECK}
    assert not my_deadlines(world.other_police_liaison, include_closed=True).exists()


def test_team_deadlines_are_for_the_team_manager(cases):
    world, casey = cases
    team = team_deadlines(world.team_manager)
    assert {d.child_id for d in team} == {casey.pk}
    assert team.count() == team_deadlines(world.team_manager, world.team).count()
    assert not team_deadlines(world.team_manager, world.other_team).exists()
    assert not team_deadlines(world.social_worker).exists(), "a worker manages no team"
    assert not team_deadlines(world.anonymous).exists()
