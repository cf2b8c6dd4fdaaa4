"""Who is told about a deadline (PROTOCOL.md "owner" and "Who is told").

Recipients for a whole batch of deadlines come from a `Directory` built in a handful of
set-based queries, never one query per deadline. Inactive users are never told.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence

from agencies.models import Membership, Role, User
from children.models import Allocation
from notifications.models import Kind
from protocol.models import Deadline, Rule

# Roles that serve a whole local authority, looked up by the child's responsible authority.
AUTHORITY_ROLES = (
    Role.MISSING_COORDINATOR,
    Role.SENIOR_MANAGER,
    Role.MASH_TRIAGE,
    Role.RETURN_INTERVIEW_OFFICER,
)

# Who else a breach goes to, beyond the worker, team manager, Missing Co-ordinator and the
# rule's owner: the police liaison officers of the episode's force when an absent child
# becomes missing (Haringey protocol 6.2: "the worker and police liaison are told").
BREACH_EXTRA_ROLES: dict[str, tuple[str, ...]] = {
    Rule.ABSENT_REVIEW: (Role.POLICE_LIAISON,),
    Rule.SAFE_AND_WELL_CHECK: (Role.POLICE_LIAISON,),
    Rule.RISK_ASSESSMENT: (Role.MASH_TRIAGE,),
    Rule.RETURN_INTERVIEW: (Role.RETURN_INTERVIEW_OFFICER,),
    # Haringey protocol 15.1, 18.6: a looked-after child missing 24 hours is escalated to
    # the team manager, the Missing Co-ordinator and the Assistant Director.
    Rule.MANAGER_ESCALATION: (Role.SENIOR_MANAGER,),
}


@dataclasses.dataclass
class Directory:
    """Who holds which role, for the children and forces of a batch of deadlines."""

    workers_by_child: dict[int, set[int]]
    teams_by_child: dict[int, set[int]]
    managers_by_team: dict[int, set[int]]
    holders: dict[tuple[int, str], set[int]]  # (agency id, role) -> user ids
    emails: dict[int, str]  # active users only; "" when they have no e-mail address

    @classmethod
    def for_deadlines(cls, deadlines: Sequence[Deadline]) -> Directory:
        """Four queries, whatever the number of deadlines."""
        child_ids = {d.child_id for d in deadlines}
        workers_by_child: dict[int, set[int]] = defaultdict(set)
        teams_by_child: dict[int, set[int]] = defaultdict(set)
        for child_id, team_id, worker_id in Allocation.objects.filter(
            child_id__in=child_ids, ended_at__isnull=True
        ).values_list("child_id", "team_id", "worker_id"):
            teams_by_child[child_id].add(team_id)
            if worker_id is not None:
                workers_by_child[child_id].add(worker_id)
        team_ids = {d.owner_team_id for d in deadlines if d.owner_team_id}
        for teams in teams_by_child.values():
            team_ids |= teams
        authority_ids = {d.child.responsible_authority_id for d in deadlines}
        force_ids = {
            d.episode.police_force_id
            for d in deadlines
            if d.episode is not None and d.episode.police_force_id
        }

        managers_by_team: dict[int, set[int]] = defaultdict(set)
        for team_id, user_id in Membership.objects.filter(
            team_id__in=team_ids, role=Role.TEAM_MANAGER, is_active=True
        ).values_list("team_id", "user_id"):
            managers_by_team[team_id].add(user_id)
        holders: dict[tuple[int, str], set[int]] = defaultdict(set)
        memberships = Membership.objects.filter(
            is_active=True, team__agency_id__in=authority_ids, role__in=AUTHORITY_ROLES
        ).values_list("team__agency_id", "role", "user_id")
        police = Membership.objects.filter(
            is_active=True, team__agency_id__in=force_ids, role=Role.POLICE_LIAISON
        ).values_list("team__agency_id", "role", "user_id")
        for agency_id, role, user_id in [*memberships, *police]:
            holders[(agency_id, role)].add(user_id)

        user_ids = set().union(
            *workers_by_child.values(), *managers_by_team.values(), *holders.values()
        )
        emails = dict(
            User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email")
        )
        return cls(workers_by_child, teams_by_child, managers_by_team, holders, emails)

    def role_holders(self, deadline: Deadline, role: str) -> set[int]:
        if role == Role.POLICE_LIAISON:
            force_id = deadline.episode.police_force_id if deadline.episode is not None else None
            return self.holders.get((force_id, role), set()) if force_id else set()
        if role == Role.TEAM_MANAGER:
            return self.team_managers(deadline)
        if role == Role.SOCIAL_WORKER:
            return self.workers_by_child.get(deadline.child_id, set())
        return self.holders.get((deadline.child.responsible_authority_id, role), set())

    def team_managers(self, deadline: Deadline) -> set[int]:
        teams = (
            {deadline.owner_team_id}
            if deadline.owner_team_id
            else self.teams_by_child.get(deadline.child_id, set())
        )
        return set().union(*(self.managers_by_team.get(team, set()) for team in teams))


def recipient_ids(deadline: Deadline, kind: str, directory: Directory) -> list[int]:
    """Who is told about `deadline` (PROTOCOL.md "owner"; ARCHITECTURE.md "Notifications").

    A due-soon warning goes to the people who can still meet the deadline: the allocated
    worker and the holders of the rule's owner role. A breach or an escalation also goes
    to the team manager and the Missing Co-ordinator, plus the rule's extra roles
    (`BREACH_EXTRA_ROLES`). Inactive users are never told.
    """
    people = set(directory.workers_by_child.get(deadline.child_id, set()))
    people |= directory.role_holders(deadline, deadline.owner_role)
    if kind != Kind.DUE_SOON:
        people |= directory.team_managers(deadline)
        people |= directory.role_holders(deadline, Role.MISSING_COORDINATOR)
        for role in BREACH_EXTRA_ROLES.get(deadline.rule, ()):
            people |= directory.role_holders(deadline, role)
    return sorted(person for person in people if person in directory.emails)
