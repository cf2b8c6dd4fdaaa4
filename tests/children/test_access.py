"""Who sees what, through the selectors, for every persona (ARCHITECTURE.md "Access")."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from casework.services import report_episode
from children.permissions import ACTION_ROLES, Action, may, roles_for_child
from children.selectors import child_visibility, visible_children
from children.services import grant_child_access
from episodes.models import Episode
from episodes.services import record_return
from risk.models import MashReferral, RiskAssessment
from risk.services import close_mash_referral, record_mash_triage, record_risk_assessment
from tests.factories import ChildFactory, PlacementFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(world):
    """world.child with an episode reported to force 1, assessed by MASH."""
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=6),
        reported_at=NOW - dt.timedelta(hours=5),
        police_force=world.force,
    )
    assessment = record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        episode=episode,
        rag="amber",
        threshold_level=3,
    )
    return episode, assessment


SEES_THE_CHILD = {
    "social_worker": True,
    "team_manager": True,
    "other_social_worker": False,
    # MASH triage rated the child: it keeps sight until the referral is closed (issue 11).
    "mash_triage": True,
    "police_liaison": True,
    "other_police_liaison": False,
    "missing_coordinator": True,
    "return_officer": False,
    "outsider": False,
    "anonymous": False,
}


@pytest.mark.parametrize("persona, expected", SEES_THE_CHILD.items())
def test_each_persona_sees_the_child_episodes_and_assessments_exactly_as_the_rules_say(
    world, case, persona, expected
):
    user = world.personas()[persona]
    episode, assessment = case
    assert visible_children(user).filter(pk=world.child.pk).exists() is expected
    assert (
        Episode.objects.filter(child_visibility(user, "child_id"), pk=episode.pk).exists()
        is expected
    )
    assert (
        RiskAssessment.objects.filter(child_visibility(user, "child_id"), pk=assessment.pk).exists()
        is expected
    )


def test_mash_triage_sees_a_child_it_rated_until_the_referral_is_closed(world):
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=2),
        reported_at=NOW - dt.timedelta(hours=1),
    )
    assert visible_children(world.mash_triage).filter(pk=world.child.pk).exists()
    record_mash_triage(
        acting_user=world.mash_triage,
        referral=MashReferral.objects.get(),
        rag="green",
        threshold_level=1,
    )
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        rag="green",
        threshold_level=1,
        episode=world.child.episodes.get(),
    )
    assert visible_children(world.mash_triage).filter(pk=world.child.pk).exists()
    close_mash_referral(acting_user=world.mash_triage, referral=MashReferral.objects.get())
    assert not visible_children(world.mash_triage).filter(pk=world.child.pk).exists()


def test_a_return_interview_officer_sees_a_child_while_an_interview_is_due(world, case):
    episode, _assessment = case
    assert not visible_children(world.return_officer).filter(pk=world.child.pk).exists()
    record_return(
        acting_user=world.social_worker, episode=episode, returned_at=NOW - dt.timedelta(hours=1)
    )
    assert visible_children(world.return_officer).filter(pk=world.child.pk).exists()
    assert may(world.return_officer, Action.RETURN_INTERVIEW, world.child)
    assert not may(world.return_officer, Action.REPORT_EPISODE, world.child)


def test_the_host_authoritys_missing_coordinator_sees_a_child_placed_out_of_area(world):
    from tests.factories import MembershipFactory, TeamFactory, UserFactory

    placed = ChildFactory(responsible_authority=world.other_council)
    PlacementFactory(
        child=placed, placing_authority=world.other_council, host_authority=world.council
    )
    # Issue 15: while an episode is open (and for a set time after it closes).
    assert not visible_children(world.missing_coordinator).filter(pk=placed.pk).exists()
    Episode.objects.create(
        child=placed,
        category="missing",
        missing_from="placement",
        last_seen_at=NOW - dt.timedelta(hours=2),
        reported_at=NOW - dt.timedelta(hours=1),
        reported_by=world.social_worker,
    )
    assert visible_children(world.missing_coordinator).filter(pk=placed.pk).exists()
    elsewhere = UserFactory(username="coordinator_elsewhere")
    MembershipFactory(
        user=elsewhere,
        team=TeamFactory(agency=ChildFactory().responsible_authority),
        role="missing_coordinator",
    )
    assert not visible_children(elsewhere).filter(pk=placed.pk).exists()


def test_an_ad_hoc_grant_lets_one_named_person_see_one_child_until_it_expires(world):
    expires = NOW + dt.timedelta(days=7)
    grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.outsider,
        expires_at=expires,
        reason="Independent reviewing officer",
    )
    assert list(visible_children(world.outsider)) == [world.child]
    with time_machine.travel(expires, tick=False):
        assert not visible_children(world.outsider).exists()


def test_inactive_memberships_and_users_see_nothing(world, case):
    world.social_worker.memberships.update(is_active=False)
    assert not visible_children(world.social_worker).exists()
    world.team_manager.is_active = False
    world.team_manager.save()
    assert not visible_children(world.team_manager).exists()


def test_visibility_is_two_queries_whatever_the_number_of_children(
    world, django_assert_num_queries
):
    for _ in range(30):
        child = ChildFactory(responsible_authority=world.council)
        from tests.factories import AllocationFactory

        AllocationFactory(child=child, team=world.team, started_at=timezone.now())
    # The user's memberships, then the children.
    with django_assert_num_queries(2):
        assert len(list(visible_children(world.social_worker))) == 31


# Through which roles each persona reaches world.child in `case` (declared here, from the
# rules as written: allocation, management, the reporting force, authority-wide roles).
REACHES_AS = {
    "social_worker": {"social_worker"},
    "team_manager": {"team_manager"},
    "other_social_worker": set(),
    # MASH rated the referral and keeps sight of the child until it closes the referral.
    "mash_triage": {"mash_triage"},
    "police_liaison": {"police_liaison"},
    "other_police_liaison": set(),
    "missing_coordinator": {"missing_coordinator"},
    "return_officer": set(),
    "outsider": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("persona", REACHES_AS)
def test_each_persona_reaches_the_child_through_exactly_the_declared_roles(world, case, persona):
    assert roles_for_child(world.personas()[persona], world.child) == REACHES_AS[persona]


@pytest.mark.parametrize(
    "persona, action", [(persona, action) for persona in REACHES_AS for action in Action]
)
def test_every_persona_and_action_cell_follows_the_action_table(world, case, persona, action):
    """Every cell of persona x action: allowed exactly when a role the persona reaches the
    child through is one the action table (ACTION_ROLES) lists for the action."""
    expected = bool(REACHES_AS[persona] & ACTION_ROLES[action])
    assert may(world.personas()[persona], action, world.child) is expected


# Spot checks of the table's policy itself, in the protocol's words.
ALLOWED = {
    ("social_worker", Action.REPORT_EPISODE): True,
    ("social_worker", Action.MARK_ENTERED_IN_ERROR): False,
    ("team_manager", Action.MARK_ENTERED_IN_ERROR): True,
    ("police_liaison", Action.SAFE_AND_WELL_CHECK): True,
    ("police_liaison", Action.RECLASSIFY): False,
    ("other_police_liaison", Action.SAFE_AND_WELL_CHECK): False,
    ("missing_coordinator", Action.GRANT_ACCESS): True,
    ("social_worker", Action.GRANT_ACCESS): False,
    ("other_social_worker", Action.REPORT_EPISODE): False,
    ("outsider", Action.REPORT_EPISODE): False,
    ("anonymous", Action.REPORT_EPISODE): False,
}


@pytest.mark.parametrize("persona, action", ALLOWED.keys())
def test_action_checks_follow_role_and_relationship(world, case, persona, action):
    user = world.personas()[persona]
    assert may(user, action, world.child) is ALLOWED[(persona, action)], roles_for_child(
        user, world.child
    )


def test_a_role_counts_only_where_that_role_itself_reaches_the_child(
    world, case, django_assert_num_queries
):
    from tests.factories import MembershipFactory

    # Alice also sits on a panel team that has no relationship with the child.
    MembershipFactory(user=world.social_worker, team=world.missing_team, role="panel_member")
    with django_assert_num_queries(2):
        roles = roles_for_child(world.social_worker, world.child)
    assert roles == {"social_worker"}
    assert not may(world.social_worker, Action.PANEL, world.child)


def test_a_named_grant_lets_the_person_act_in_every_role_they_hold(world, case):
    grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.other_social_worker,
        expires_at=NOW + dt.timedelta(days=1),
        reason="Covering while Alice is away",
    )
    assert roles_for_child(world.other_social_worker, world.child) == {"social_worker"}
    assert may(world.other_social_worker, Action.REPORT_EPISODE, world.child)


def test_a_panel_member_sees_the_children_on_their_authoritys_panel_agenda_around_the_meeting(
    world,
):
    from panels.services import add_panel_case, schedule_panel_meeting

    def sees() -> bool:
        return visible_children(world.panel_member).filter(pk=world.child.pk).exists()

    assert not sees()
    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator,
        authority=world.council,
        meets_at=NOW + dt.timedelta(days=90),
    )
    add_panel_case(
        acting_user=world.missing_coordinator, meeting=panel, child=world.child, reason="Red"
    )
    assert sees()  # 90 days before the meeting: preparing for it
    assert may(world.panel_member, Action.PANEL, world.child)
    assert not may(world.panel_member, Action.ASSESS_RISK, world.child)
    with time_machine.travel(NOW - dt.timedelta(seconds=1), tick=False):
        assert not sees()
    with time_machine.travel(NOW + dt.timedelta(days=180), tick=False):
        assert sees()  # 90 days after it: following up its actions
    with time_machine.travel(NOW + dt.timedelta(days=180, seconds=1), tick=False):
        assert not sees()


def test_a_panel_member_of_another_authority_does_not_see_the_agenda_children(world):
    from panels.services import add_panel_case, schedule_panel_meeting
    from tests.factories import MembershipFactory, TeamFactory, UserFactory

    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=NOW
    )
    add_panel_case(
        acting_user=world.missing_coordinator, meeting=panel, child=world.child, reason="Red"
    )
    stranger = UserFactory(username="southern_panel")
    MembershipFactory(
        user=stranger, team=TeamFactory(agency=world.other_council), role="panel_member"
    )
    assert visible_children(world.panel_member).filter(pk=world.child.pk).exists()
    assert not visible_children(stranger).filter(pk=world.child.pk).exists()


def test_roles_for_many_children_are_asked_in_two_queries_and_match_one_by_one(
    world, django_assert_num_queries
):
    from children.permissions import roles_by_child

    others = [ChildFactory(responsible_authority=world.council) for _ in range(5)]
    ids = [world.child.pk, *(child.pk for child in others)]
    with django_assert_num_queries(2):
        batched = roles_by_child(world.missing_coordinator, ids)
    for child in [world.child, *others]:
        assert batched[child.pk] == roles_for_child(world.missing_coordinator, child)
    assert batched[world.child.pk] == {"missing_coordinator"}
    assert roles_by_child(world.social_worker, ids).get(others[0].pk, frozenset()) == frozenset()
