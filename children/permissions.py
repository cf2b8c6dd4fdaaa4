"""State-dependent action checks: may this user do this to this child's record?

`roles_for_child` answers "through which roles does this user reach this child"; each
action lists the roles that may take it. Seeing a child is `children.selectors`; these
predicates are asked only about a child the user can already see.
"""

from __future__ import annotations

import enum

from django.db.models import Q
from django.utils import timezone

from agencies.models import AUTHORITY_WIDE_ROLES, Membership, Role
from children.models import Child


class Action(enum.StrEnum):
    EDIT_CHILD = "edit_child"
    REPORT_EPISODE = "report_episode"
    RECORD_RETURN = "record_return"
    SAFE_AND_WELL_CHECK = "safe_and_well_check"
    RECLASSIFY = "reclassify"
    MARK_ENTERED_IN_ERROR = "mark_entered_in_error"
    ASSESS_RISK = "assess_risk"
    RETURN_INTERVIEW = "return_interview"
    STRATEGY_MEETING = "strategy_meeting"
    PANEL = "panel"
    GRANT_ACCESS = "grant_access"


ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.EDIT_CHILD: frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    Action.REPORT_EPISODE: frozenset(
        {
            Role.SOCIAL_WORKER,
            Role.TEAM_MANAGER,
            Role.MISSING_COORDINATOR,
            Role.MASH_TRIAGE,
            Role.POLICE_LIAISON,
        }
    ),
    Action.RECORD_RETURN: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.POLICE_LIAISON}
    ),
    Action.SAFE_AND_WELL_CHECK: frozenset(
        {Role.POLICE_LIAISON, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    Action.RECLASSIFY: frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    # Marking a record as entered in error cancels its deadlines: a manager's decision.
    Action.MARK_ENTERED_IN_ERROR: frozenset({Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}),
    Action.ASSESS_RISK: frozenset(
        {Role.MASH_TRIAGE, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR}
    ),
    Action.RETURN_INTERVIEW: frozenset(
        {
            Role.RETURN_INTERVIEW_OFFICER,
            Role.SOCIAL_WORKER,
            Role.TEAM_MANAGER,
            Role.MISSING_COORDINATOR,
        }
    ),
    Action.STRATEGY_MEETING: frozenset(
        {Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
    Action.PANEL: frozenset(
        {Role.PANEL_MEMBER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
    Action.GRANT_ACCESS: frozenset(
        {Role.TEAM_MANAGER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
    ),
}


def roles_for_child(user, child: Child) -> frozenset[str]:
    """The roles through which `user` reaches `child` (empty: no relationship)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    from children.models import ChildAccessGrant
    from episodes.models import Episode
    from risk.models import MashReferral, ReferralStatus

    memberships = list(
        Membership.objects.filter(user=user, is_active=True).values_list(
            "role", "team_id", "team__agency_id"
        )
    )
    roles: set[str] = set()
    allocated_teams = set(
        child.allocations.filter(ended_at__isnull=True).values_list("team_id", flat=True)
    )
    host_authorities = set(
        child.placements.filter(end_date__isnull=True).values_list("host_authority_id", flat=True)
    )
    open_referral_authorities = set(
        MashReferral.objects.filter(child=child, status=ReferralStatus.OPEN).values_list(
            "mash_authority_id", flat=True
        )
    )
    episode_forces = set(
        Episode.objects.filter(child=child, entered_in_error=False)
        .exclude(police_force=None)
        .values_list("police_force_id", flat=True)
    )
    from protocol.models import Deadline
    from returns.models import ReturnInterview

    interview_due = (
        Deadline.objects.filter(
            child=child, rule="return_interview", status__in=["scheduled", "open", "breached"]
        ).exists()
        or ReturnInterview.objects.filter(child=child, interviewer=user).exists()
    )
    for role, team_id, agency_id in memberships:
        if team_id in allocated_teams:
            roles.add(role)
        if role in AUTHORITY_WIDE_ROLES and (
            agency_id == child.responsible_authority_id or agency_id in host_authorities
        ):
            roles.add(role)
        if role == Role.MASH_TRIAGE and agency_id in open_referral_authorities:
            roles.add(role)
        if role == Role.POLICE_LIAISON and agency_id in episode_forces:
            roles.add(role)
        if (
            role == Role.RETURN_INTERVIEW_OFFICER
            and interview_due
            and agency_id == child.responsible_authority_id
        ):
            roles.add(role)
    # A named grant lets the person act in the roles they hold (an out-of-area social
    # worker, a panel member, an independent return interviewer).
    if ChildAccessGrant.objects.filter(
        Q(content_object=child, user=user, expires_at__gt=timezone.now())
    ).exists():
        roles.update(role for role, _team, _agency in memberships)
    return frozenset(roles)


def may(user, action: Action, child: Child) -> bool:
    return bool(roles_for_child(user, child) & ACTION_ROLES[action])


def require(user, action: Action, child: Child) -> None:
    """Raise NotAllowed unless `user` may take `action` on `child`."""
    from missing.errors import NotAllowed

    if user is None:  # the protocol engine acting on its own
        return
    if not may(user, action, child):
        raise NotAllowed(f"You may not {action.value.replace('_', ' ')} for this child.")
