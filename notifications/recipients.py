"""Who is told about a deadline (PROTOCOL.md "owner" and "Who is told").

Recipients for a whole batch of deadlines come from a `Directory` built in a handful of
set-based queries, never one query per deadline. Inactive users are never told.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from agencies.models import PARTNER_ROLES, Membership, Role, User
from children.models import Allocation, ChildLink, LegalStatus, LegalStatusKind, Placement
from core.arrays import among
from core.clock import london_date
from notifications.models import URGENT_KINDS, Delivery, Kind, NotificationPreference
from protocol.models import Rule
from risk.models import RiskAssessment

# Roles that serve a whole local authority, looked up by the child's responsible authority.
AUTHORITY_ROLES = (
    Role.MISSING_COORDINATOR,
    Role.SENIOR_MANAGER,
    Role.HEAD_OF_SERVICE,
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


class ChildFacts(Protocol):
    @property
    def full_name(self) -> str: ...
    @property
    def responsible_authority_id(self) -> int: ...


class EpisodeFacts(Protocol):
    @property
    def last_seen_at(self) -> dt.datetime: ...
    @property
    def police_force_id(self) -> int | None: ...


class DeadlineFacts(Protocol):
    """What messages and recipients read of a deadline: a `Deadline` with its child and
    episode, or the plain values the outbox writer loads (`outbox.OwedDeadline`)."""

    @property
    def pk(self) -> int: ...
    @property
    def rule(self) -> str: ...
    @property
    def child_id(self) -> int: ...
    @property
    def child(self) -> ChildFacts: ...
    @property
    def episode_id(self) -> int | None: ...
    @property
    def episode(self) -> EpisodeFacts | None: ...
    @property
    def owner_team_id(self) -> int | None: ...
    @property
    def owner_role(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def due_at(self) -> dt.datetime: ...
    @property
    def breached_at(self) -> dt.datetime | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def pending_notification(self) -> str: ...


@dataclasses.dataclass
class Directory:
    """Who holds which role, for the children and forces of a batch of deadlines."""

    workers_by_child: dict[int, set[int]]
    teams_by_child: dict[int, set[int]]
    managers_by_team: dict[int, set[int]]
    holders: dict[tuple[int, str], set[int]]  # (agency id, role) -> user ids
    emails: dict[int, str]  # active users only; "" when they have no e-mail address

    @classmethod
    def for_deadlines(cls, deadlines: Sequence[DeadlineFacts]) -> Directory:
        """Four queries, whatever the number of deadlines."""
        child_ids = {d.child_id for d in deadlines}
        workers_by_child: dict[int, set[int]] = defaultdict(set)
        teams_by_child: dict[int, set[int]] = defaultdict(set)
        for child_id, team_id, worker_id in Allocation.objects.filter(
            among("child_id", child_ids), ended_at__isnull=True
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
            User.objects.filter(among("id", user_ids), is_active=True).values_list("pk", "email")
        )
        return cls(workers_by_child, teams_by_child, managers_by_team, holders, emails)

    def role_holders(self, deadline: DeadlineFacts, role: str) -> set[int]:
        if role == Role.POLICE_LIAISON:
            force_id = deadline.episode.police_force_id if deadline.episode is not None else None
            return self.holders.get((force_id, role), set()) if force_id else set()
        if role == Role.TEAM_MANAGER:
            return self.team_managers(deadline)
        if role == Role.SOCIAL_WORKER:
            return self.workers_by_child.get(deadline.child_id, set())
        return self.holders.get((deadline.child.responsible_authority_id, role), set())

    def team_managers(self, deadline: DeadlineFacts) -> set[int]:
        teams = (
            {deadline.owner_team_id}
            if deadline.owner_team_id
            else self.teams_by_child.get(deadline.child_id, set())
        )
        return set().union(*(self.managers_by_team.get(team, set()) for team in teams))


def recipient_ids(deadline: DeadlineFacts, kind: str, directory: Directory) -> list[int]:
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


# --- The moments the protocol names (PROTOCOL.md "Who is told"; issue 15) --------------

# The rows of the table, as the reasons a person is told of an episode.
AT_REPORT = "at_report"  # HAR 15.1: a looked-after child's episode is reported
OUT_OF_AREA = "out_of_area"  # HAR 15.2, 17.2-17.4: host and placing Missing Co-ordinators
HIGH_RISK = "high_risk"  # HAR 18.5: the partner agencies linked to a high-risk child


@dataclasses.dataclass
class EpisodeAudience:
    """Who is told of one episode, by the row of "Who is told" that names them."""

    by_row: dict[str, set[int]]

    @property
    def everyone(self) -> set[int]:
        return set().union(*self.by_row.values()) if self.by_row else set()


def episode_audiences(episodes: Sequence) -> dict[int, EpisodeAudience]:
    """Who is told when each episode is reported (and so again at its return), in a fixed
    number of queries, whatever the number of episodes. Inactive users are never told.

    - Every child: the allocated social worker and the team manager of each team the
      child is allocated to (reading: the table names them for a looked-after child; the
      people responsible for any child are told too, as the issue asks).
    - A looked-after child, or one on a child protection plan, on the day last seen: the
      IRO (or child protection adviser) linked to the child; a looked-after child: the
      head of service of the responsible authority (HAR 15.1).
    - A child whose placement on the day last seen is out of area: the Missing
      Co-ordinators of the host and of the placing authority (HAR 15.2, 17.2-17.4), and
      nobody at any other authority.
    - A high-risk child (police grade the episode high, or the latest RAG rating is Red):
      the partner practitioners linked to the child (HAR 18.5).
    """
    child_ids = {episode.child_id for episode in episodes}
    if not child_ids:
        return {}
    workers: dict[int, set[int]] = defaultdict(set)
    teams: dict[int, set[int]] = defaultdict(set)
    for child_id, team_id, worker_id in Allocation.objects.filter(
        child_id__in=child_ids, ended_at__isnull=True
    ).values_list("child_id", "team_id", "worker_id"):
        teams[child_id].add(team_id)
        if worker_id is not None:
            workers[child_id].add(worker_id)
    managers: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in Membership.objects.filter(
        team_id__in=set().union(*teams.values()) if teams else set(),
        role=Role.TEAM_MANAGER,
        is_active=True,
    ).values_list("team_id", "user_id"):
        managers[team_id].add(user_id)
    statuses: dict[int, list] = defaultdict(list)
    for period in LegalStatus.objects.filter(child_id__in=child_ids):
        statuses[period.child_id].append(period)
    placements: dict[int, list] = defaultdict(list)
    for row in Placement.objects.filter(child_id__in=child_ids):
        placements[row.child_id].append(row)
    links: dict[tuple[int, str], set[int]] = defaultdict(set)
    for child_id, user_id, role in ChildLink.objects.filter(
        child_id__in=child_ids, ended_at__isnull=True
    ).values_list("child_id", "user_id", "role"):
        links[(child_id, role)].add(user_id)
    # The latest rating of each child (DISTINCT ON), then whether it is Red: filtering on
    # Red first would find a child's latest Red rating, however old.
    red = {
        child_id
        for child_id, rag in RiskAssessment.objects.filter(child_id__in=child_ids)
        .order_by("child_id", "-assessed_at", "-pk")
        .distinct("child_id")
        .values_list("child_id", "rag")
        if rag == "red"
    }
    authorities = {episode.child.responsible_authority_id for episode in episodes} | {
        agency
        for rows in placements.values()
        for p in rows
        for agency in (p.host_authority_id, p.placing_authority_id)
    }
    holders: dict[tuple[int, str], set[int]] = defaultdict(set)
    for agency_id, role, user_id in Membership.objects.filter(
        is_active=True,
        team__agency_id__in=authorities,
        role__in=[Role.MISSING_COORDINATOR, Role.HEAD_OF_SERVICE],
    ).values_list("team__agency_id", "role", "user_id"):
        holders[(agency_id, role)].add(user_id)

    audiences: dict[int, EpisodeAudience] = {}
    for episode in episodes:
        child_id = episode.child_id
        day = london_date(episode.last_seen_at)
        status = next(
            (
                s.status
                for s in statuses[child_id]
                if s.start_date <= day and (s.end_date is None or day <= s.end_date)
            ),
            None,
        )
        at_report = set(workers[child_id])
        for team_id in teams[child_id]:
            at_report |= managers[team_id]
        if status in (LegalStatusKind.LOOKED_AFTER, LegalStatusKind.CHILD_PROTECTION):
            at_report |= links[(child_id, Role.INDEPENDENT_REVIEWING_OFFICER)]
        if status == LegalStatusKind.LOOKED_AFTER:
            at_report |= holders[(episode.child.responsible_authority_id, Role.HEAD_OF_SERVICE)]
        by_row = {AT_REPORT: at_report}
        placement = next(
            (
                p
                for p in placements[child_id]
                if p.start_date <= day and (p.end_date is None or day <= p.end_date)
            ),
            None,
        )
        if placement is not None and placement.is_out_of_area:
            by_row[OUT_OF_AREA] = (
                holders[(placement.host_authority_id, Role.MISSING_COORDINATOR)]
                | holders[(placement.placing_authority_id, Role.MISSING_COORDINATOR)]
            )
        if episode.police_risk == "high" or child_id in red:
            by_row[HIGH_RISK] = set().union(*(links[(child_id, role)] for role in PARTNER_ROLES))
        audiences[episode.pk] = EpisodeAudience(by_row)
    active = set(
        User.objects.filter(
            pk__in=set().union(*(a.everyone for a in audiences.values())), is_active=True
        ).values_list("pk", flat=True)
    )
    for audience in audiences.values():
        audience.by_row = {row: people & active for row, people in audience.by_row.items()}
    return audiences


def email_declined(user_ids: set[int]) -> set[tuple[int, str]]:
    """(user id, kind) pairs a person takes without an e-mail each time (in-app only, or
    the daily digest). Urgent kinds are never in it (the table refuses them too)."""
    if not user_ids:
        return set()
    return {
        (user_id, kind)
        for user_id, kind in NotificationPreference.objects.filter(
            among("user_id", user_ids), delivery__in=[Delivery.IN_APP, Delivery.DIGEST]
        ).values_list("user_id", "kind")
        if kind not in URGENT_KINDS
    }
