"""Who is told when each rule's deadline is breached (or escalated), and who never is."""

from __future__ import annotations

import pytest
import time_machine

from agencies.models import Role
from notifications.models import Channel, Kind, Notification
from protocol.models import Deadline, Rule, Status
from tests.factories import MembershipFactory
from tests.kit import sweep_and_write
from tests.protocol.sweep_support import HOUR, T0, own_cache, report, told

__all__ = ["own_cache"]

pytestmark = pytest.mark.usefixtures("own_cache")

EVERY_BREACH = {"alice", "bob", "grace"}  # allocated worker, team manager, Missing Co-ordinator
NEVER = {"charlie", "olly", "pc_frost", "jo"}

OWNERS = {
    Rule.RISK_ASSESSMENT: Role.MASH_TRIAGE,
    Rule.ABSENT_REVIEW: Role.SOCIAL_WORKER,
    Rule.MANAGER_ESCALATION: Role.TEAM_MANAGER,
    Rule.STRATEGY_MEETING: Role.TEAM_MANAGER,
    Rule.SAFE_AND_WELL_CHECK: Role.POLICE_LIAISON,
    Rule.RETURN_INTERVIEW: Role.RETURN_INTERVIEW_OFFICER,
    Rule.SENIOR_REVIEW: Role.SENIOR_MANAGER,
    Rule.HOME_OFFICE_NOTICE: Role.SOCIAL_WORKER,
}


@pytest.fixture
def episode(world):
    with time_machine.travel(T0, tick=False):
        return report(world, last_seen_at=T0)


def breach(world, episode, rule) -> Deadline:
    """A deadline of `rule` on the episode, due at T0 + 1 h, swept at that moment."""
    deadline = Deadline.objects.create(
        key=f"test:{rule}",
        rule=rule,
        child=world.child,
        episode=episode,
        opens_at=T0,
        due_at=T0 + HOUR,
        due_soon_at=T0 + HOUR * 0.75,
        due_soon_notified_at=T0,
        status=Status.OPEN,
        owner_role=OWNERS[rule],
        owner_team=world.team,
        reason="A reason in words.",
    )
    with time_machine.travel(T0 + HOUR, tick=False):
        sweep_and_write()
    return deadline


@pytest.mark.parametrize(
    ("rule", "kind", "also"),
    [
        (Rule.RISK_ASSESSMENT, Kind.BREACHED, {"dana"}),
        (Rule.ABSENT_REVIEW, Kind.BREACHED, {"pc_evans"}),
        (Rule.MANAGER_ESCALATION, Kind.ESCALATION, {"harriet"}),
        (Rule.STRATEGY_MEETING, Kind.BREACHED, set()),
        (Rule.SAFE_AND_WELL_CHECK, Kind.BREACHED, {"pc_evans"}),
        (Rule.RETURN_INTERVIEW, Kind.BREACHED, {"ivan"}),
        (Rule.SENIOR_REVIEW, Kind.BREACHED, {"harriet"}),
        (Rule.HOME_OFFICE_NOTICE, Kind.BREACHED, set()),
    ],
)
def test_recipients_of_each_rule(world, episode, rule, kind, also):
    deadline = breach(world, episode, rule)
    recipients = told(deadline=deadline)
    assert recipients == EVERY_BREACH | also
    assert not recipients & NEVER
    assert set(Notification.objects.filter(deadline=deadline).values_list("kind", flat=True)) == {
        kind
    }
    # Everyone in the world fixture has an e-mail address: in-app and e-mail each.
    assert told(deadline=deadline, channel=Channel.EMAIL) == recipients
    assert told(deadline=deadline, channel=Channel.IN_APP) == recipients


def test_police_are_told_only_when_the_episode_names_their_force(world):
    with time_machine.travel(T0, tick=False):
        episode = report(world, last_seen_at=T0, police_force=None)
    deadline = breach(world, episode, Rule.SAFE_AND_WELL_CHECK)
    assert told(deadline=deadline) == EVERY_BREACH


def test_people_who_left_are_not_told(world, episode):
    membership = world.team_manager.memberships.get()
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    world.missing_coordinator.is_active = False
    world.missing_coordinator.save(update_fields=["is_active"])
    deadline = breach(world, episode, Rule.STRATEGY_MEETING)
    assert told(deadline=deadline) == {"alice"}


def test_every_team_manager_of_the_owner_team_is_told(world, episode):
    MembershipFactory(user__username="bea", team=world.team, role=Role.TEAM_MANAGER)
    MembershipFactory(user__username="ben", team=world.other_team, role=Role.TEAM_MANAGER)
    deadline = breach(world, episode, Rule.STRATEGY_MEETING)
    assert told(deadline=deadline) == EVERY_BREACH | {"bea"}


def test_a_recipient_without_an_email_address_gets_only_the_in_app_notification(world, episode):
    world.team_manager.email = ""
    world.team_manager.save(update_fields=["email"])
    deadline = breach(world, episode, Rule.STRATEGY_MEETING)
    assert "bob" in told(deadline=deadline, channel=Channel.IN_APP)
    assert "bob" not in told(deadline=deadline, channel=Channel.EMAIL)
