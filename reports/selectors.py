"""Who may read which reports, and the children a report counts (ARCHITECTURE.md "Access").

Reports are for the Missing Co-ordinator and the Assistant Director, over every child of
the authorities they cover, and for team managers, over the children currently
allocated to the teams they manage. Nobody else reads them: police, social workers and
the rest get 403 (elected members see only what officers export). A report always starts
from `children.selectors.visible_children` (for whole authorities,
`visible_children_of`, the same children), so it can never count a child its reader could
not open; the scope then narrows it to the authority and teams the reader covers.

Every read here goes to the `reporting` database alias (reports.routers), which is a
streaming replica where one is configured and the primary otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies.models import AUTHORITY_WIDE_ROLES, Agency, Role, Team, User
from children.models import Allocation, Child
from children.selectors import access_profile, visible_children, visible_children_of
from core.errors import NotAllowed
from reports.routers import reporting_alias


@dataclasses.dataclass(frozen=True)
class ReportScope:
    """The authorities a reader covers whole, and the teams they manage."""

    authority_ids: frozenset[int]
    team_ids: frozenset[int]
    team_authority_ids: frozenset[int]

    @property
    def covered_authority_ids(self) -> frozenset[int]:
        return self.authority_ids | self.team_authority_ids

    def covers_authority(self, authority_id: int) -> bool:
        return authority_id in self.covered_authority_ids

    def is_authority_wide(self, authority_id: int) -> bool:
        return authority_id in self.authority_ids


def report_scope(user: User | AnonymousUser) -> ReportScope:
    """The reader's scope, or NotAllowed: reports are for managers only."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed("Sign in to read reports.")
    profile = access_profile(user)
    authority_ids = frozenset(
        agency for role, _team, agency in profile.memberships if role in AUTHORITY_WIDE_ROLES
    )
    managed = [
        (team, agency) for role, team, agency in profile.memberships if role == Role.TEAM_MANAGER
    ]
    if not authority_ids and not managed:
        raise NotAllowed(
            "Reports are for the Missing Co-ordinator, the Assistant Director and team managers."
        )
    return ReportScope(
        authority_ids=authority_ids,
        team_ids=frozenset(team for team, _agency in managed),
        team_authority_ids=frozenset(agency for _team, agency in managed),
    )


def may_read_reports(user: User | AnonymousUser) -> bool:
    try:
        report_scope(user)
    except NotAllowed:
        return False
    return True


def covered_authorities(scope: ReportScope) -> QuerySet[Agency]:
    return Agency.objects.using(reporting_alias()).filter(pk__in=scope.covered_authority_ids)


def selectable_teams(scope: ReportScope, authority_id: int | None) -> QuerySet[Team]:
    """The teams a reader may filter by: every team of an authority they cover whole,
    and the teams they manage."""
    teams = Team.objects.using(reporting_alias()).select_related("agency")
    wide = teams.filter(agency_id__in=scope.authority_ids)
    own = teams.filter(pk__in=scope.team_ids)
    chosen = wide | own
    if authority_id is not None:
        chosen = chosen.filter(agency_id=authority_id)
    return chosen.order_by("agency__name", "name")


def report_children(
    user: User, scope: ReportScope, *, authority_id: int | None = None, team_id: int | None = None
) -> QuerySet[Child]:
    """The children a report counts for this reader: one authority, or every one they cover.

    Raises NotAllowed for an authority or team outside the reader's scope. Where the reader
    does not cover an authority whole (a team manager), only the children currently
    allocated to the teams they manage count; a team filter counts the children currently
    allocated to that team.
    """
    if authority_id is not None and not scope.covers_authority(authority_id):
        raise NotAllowed("You do not cover this authority.")
    if (
        team_id is not None
        and not selectable_teams(scope, authority_id).filter(pk=team_id).exists()
    ):
        raise NotAllowed("You do not cover this team.")
    children = visible_children(user).using(reporting_alias())
    if team_id is not None:
        return children.filter(_allocated_to(frozenset({team_id})))
    wide = scope.authority_ids
    teams_only = scope.team_authority_ids - wide
    if authority_id is not None:
        wide = wide & {authority_id}
        teams_only = teams_only & {authority_id}
    if not teams_only:
        # Whole authorities only: their visible children are the authorities' children
        # (children.selectors.visible_children_of), counted without a visibility query.
        return visible_children_of(user, wide).using(reporting_alias())
    condition = Q(responsible_authority_id__in=wide)
    condition |= Q(responsible_authority_id__in=teams_only) & _allocated_to(scope.team_ids)
    return children.filter(condition)


def _allocated_to(team_ids: frozenset[int]) -> Q:
    return Q(
        Exists(
            Allocation.objects.filter(
                child_id=OuterRef("pk"), ended_at__isnull=True, team_id__in=team_ids
            )
        )
    )


def data_as_at(now: dt.datetime) -> dt.datetime:
    """How fresh the numbers are: the replica's last replayed transaction, or now on a primary.

    A replica with no write to replay since it started reports NULL; then its data is as at
    the last replay it knows of, which PostgreSQL does not say, so `now` is shown.
    """
    with connections[reporting_alias()].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp()")
        in_recovery, replayed = cursor.fetchone()
    return replayed if in_recovery and replayed is not None else now
