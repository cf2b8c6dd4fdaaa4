"""Reads of the Deadline ledger for the work queues, each through the user's access.

Every queryset is filtered by `children.selectors.child_visibility(user, "child_id")`, so
a deadline of a child the user may not see is never listed, whatever else matches. Each
selects the child, episode and owner team, so a page of any length renders in a fixed
number of queries.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agencies.models import AUTHORITY_WIDE_ROLES, Membership, Role, Team
from children.models import Allocation
from children.selectors import access_profile, child_visibility
from core.arrays import any_of
from episodes.models import Episode
from protocol.models import Deadline, Rule, Status

LIVE = (Status.SCHEDULED, Status.OPEN)
# A breached deadline that was never met stops being listed as overdue on the home page
# and in the escalation queue once it can no longer be met: its due time is more than
# this long ago and its episode (if it has one) returned more than this long ago. It
# stays in the ledger, on the child's record and in the compliance reports (issue 13).
STILL_OWED = dt.timedelta(days=28)


def still_to_meet() -> Q:
    """Scheduled, open, or breached and not met: exactly the predicate of the partial
    index `deadline_live_by_child`, so PostgreSQL reads only the live deadlines of the
    children it starts from."""
    return Q(status__in=[Status.SCHEDULED, Status.OPEN, Status.BREACHED], met_at__isnull=True)


def still_owed(now: dt.datetime) -> Q:
    """Not yet past `STILL_OWED`: due recently, or its episode open or recently returned
    (the escalation queue writes the same rule as two indexed arms)."""
    horizon = now - STILL_OWED
    return (
        Q(due_at__gte=horizon)
        | Q(episode__isnull=False, episode__returned_at__isnull=True)
        | Q(episode__returned_at__gte=horizon)
    )


def _memberships(user):
    return Membership.objects.filter(user=user, is_active=True)


def _deadlines(user) -> QuerySet[Deadline]:
    # Driven from the visible children's ids (`drive`): the ledger keeps every deadline
    # of three years, and PostgreSQL must read only the live ones of those children.
    return Deadline.objects.filter(child_visibility(user, "child_id", drive=True)).select_related(
        "child", "episode", "owner_team"
    )


def my_deadlines(user, *, include_closed: bool = False) -> QuerySet[Deadline]:
    """Deadlines that are the user's to meet: every deadline of a child allocated to them
    as worker, and those whose owner role they hold (MASH triage, return interviews,
    police liaison...) for children they may see. Open and scheduled unless asked."""
    if not getattr(user, "is_authenticated", False):
        return Deadline.objects.none()
    if not getattr(user, "is_active", False):
        return Deadline.objects.none()
    # Two arms, each read through its own index and combined (BitmapOr), rather than
    # every live deadline of every child the user may see tested against both (a police
    # force sees four authorities' children; decision 0019):
    # - the children allocated to the user as worker in their own teams (deadline_live_by_child):
    #   the allocation rule of `children.selectors.reaches`, so all of them are visible;
    # - the deadlines their roles own, among the children they may see (deadline_live_by_role).
    profile = access_profile(user)
    allocated = any_of(
        "child_id",
        Allocation.objects.filter(
            worker=user, ended_at__isnull=True, team_id__in=sorted(profile.team_ids)
        )
        .order_by()
        .values("child_id"),
    )
    owned = Q(owner_role__in=sorted(profile.roles)) & child_visibility(user, "child_id", drive=True)
    deadlines = Deadline.objects.filter(allocated | owned).select_related(
        "child", "episode", "owner_team"
    )
    if not include_closed:
        deadlines = deadlines.filter(status__in=LIVE)
    return deadlines.order_by("due_at", "pk")


def managed_teams(user) -> QuerySet[Team]:
    """Teams the user manages: as team manager, or every team of their authority for the
    Missing Co-ordinator and the Assistant Director."""
    memberships = _memberships(user)
    return Team.objects.filter(
        Q(pk__in=memberships.filter(role=Role.TEAM_MANAGER).values("team_id"))
        | Q(
            agency_id__in=memberships.filter(role__in=AUTHORITY_WIDE_ROLES).values(
                "team__agency_id"
            )
        )
    )


def team_deadlines(
    user, team: Team | int | None = None, *, include_closed: bool = False
) -> QuerySet[Deadline]:
    """Deadlines owned by the teams the user manages (or one of them)."""
    if not getattr(user, "is_authenticated", False):
        return Deadline.objects.none()
    teams = _memberships(user).filter(role=Role.TEAM_MANAGER).values("team_id")
    deadlines = _deadlines(user).filter(owner_team_id__in=teams)
    if team is not None:
        deadlines = deadlines.filter(owner_team_id=getattr(team, "pk", team))
    if not include_closed:
        deadlines = deadlines.filter(status__in=LIVE)
    return deadlines.order_by("due_at", "pk")


def escalation_queue(
    user, *, rule: str | None = None, team: Team | int | None = None, now: dt.datetime | None = None
) -> QuerySet[Deadline]:
    """Breached deadlines, and open ones past their due-soon time, for the teams the user
    manages; for a Missing Co-ordinator or Assistant Director, their whole authority.

    Looked-after children missing over 24 hours come first (Haringey protocol 15.1, 18.6:
    their manager_escalation has fallen due and the episode is still open), then by due
    time. Each row carries `looked_after_missing`.
    """
    if not getattr(user, "is_authenticated", False):
        return Deadline.objects.none()
    now = now or timezone.now()
    memberships = _memberships(user)
    managed = memberships.filter(role=Role.TEAM_MANAGER).values("team_id")
    authorities = memberships.filter(role__in=AUTHORITY_WIDE_ROLES).values("team__agency_id")
    # Visible and still owed (`still_owed`), as two arms PostgreSQL reads through their
    # own indexes (BitmapOr): the visible children's deadlines due recently (by child and
    # due time), and the deadlines of their open or recently returned episodes. Not every
    # live deadline of the authority: most are breaches of years past.
    horizon = now - STILL_OWED
    visible = child_visibility(user, "child_id", drive=True)  # memberships read once
    recent_episodes = (
        Episode.objects.filter(visible)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=horizon))
        .order_by()
        .values("pk")
    )
    deadlines = Deadline.objects.filter(
        (visible & Q(due_at__gte=horizon)) | any_of("episode_id", recent_episodes)
    ).select_related("child", "episode", "owner_team")
    deadlines = deadlines.filter(
        Q(owner_team_id__in=managed) | Q(child__responsible_authority_id__in=authorities)
    )
    deadlines = deadlines.filter(still_to_meet()).filter(
        Q(status=Status.BREACHED) | Q(status=Status.OPEN, due_soon_at__lte=now)
    )
    if rule:
        deadlines = deadlines.filter(rule=rule)
    if team is not None:
        deadlines = deadlines.filter(owner_team_id=getattr(team, "pk", team))
    escalated = Exists(
        Deadline.objects.filter(
            child_id=OuterRef("child_id"),
            rule=Rule.MANAGER_ESCALATION,
            status__in=[Status.MET, Status.BREACHED],
            episode__returned_at__isnull=True,
            episode__entered_in_error=False,
        )
    )
    return deadlines.annotate(looked_after_missing=escalated).order_by(
        "-looked_after_missing", "due_at", "pk"
    )


def episode_deadlines(episode: Episode) -> QuerySet[Deadline]:
    """Every deadline of one episode (of a child the reader may see), soonest first."""
    return Deadline.objects.filter(episode=episode).select_related("owner_team").order_by("due_at")
