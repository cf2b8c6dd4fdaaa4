"""The manager's escalation queue page: breached and due-soon deadlines for their teams.

Looked-after children missing over 24 hours come first (Haringey protocol 15.1, 18.6),
then everything else by due time. Each row links to the child's record and to the page
that meets the deadline. Uses `protocol.selectors.escalation_queue` when it exists.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AUTHORITY_WIDE_ROLES, Membership, Role, Team
from children.models import LegalStatus, LegalStatusKind
from children.selectors import child_visibility
from episodes.models import Episode
from protocol.models import Deadline, Rule, Status

QUEUE_LIMIT = 200
MEETING_RULES = {
    Rule.STRATEGY_MEETING,
    Rule.STRATEGY_DISCUSSION,
    Rule.STRATEGY_REVIEW,
    Rule.SENIOR_REVIEW,
    Rule.MISSING_AT_EIGHTEEN,
}


def managed_teams(user):
    """Teams the user manages: as team manager, or every team of their authority for the
    Missing Co-ordinator and Assistant Director."""
    memberships = Membership.objects.filter(user=user, is_active=True)
    return Team.objects.filter(
        Q(pk__in=memberships.filter(role=Role.TEAM_MANAGER).values("team_id"))
        | Q(agency_id__in=memberships.filter(role__in=AUTHORITY_WIDE_ROLES).values("team__agency_id"))
    ).select_related("agency")


def _escalation_queue(user, *, rule: str | None = None, team: int | None = None, now: dt.datetime):
    teams = managed_teams(user)
    if team is not None:
        teams = teams.filter(pk=team)
    today = timezone.localdate(now)
    looked_after = Exists(
        LegalStatus.objects.filter(
            child_id=OuterRef("child_id"), status=LegalStatusKind.LOOKED_AFTER, start_date__lte=today
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    )
    missing_over_24_hours = Exists(
        Episode.objects.filter(
            child_id=OuterRef("child_id"),
            category="missing",
            returned_at__isnull=True,
            entered_in_error=False,
            last_seen_at__lte=now - dt.timedelta(hours=24),
        )
    )
    deadlines = (
        Deadline.objects.filter(owner_team__in=teams.values("pk"))
        .filter(child_visibility(user, "child_id"))
        .filter(
            Q(status=Status.BREACHED)
            | Q(status=Status.OPEN, due_soon_at__lte=now)
            | Q(status=Status.OPEN, due_at__lte=now)
        )
    )
    if rule:
        deadlines = deadlines.filter(rule=rule)
    return (
        deadlines.annotate(looked_after_missing=looked_after & missing_over_24_hours)
        .select_related("child", "episode", "owner_team")
        .order_by("-looked_after_missing", "due_at", "pk")
    )


def escalation_queue(user, *, rule: str | None = None, team: int | None = None, now: dt.datetime):
    try:
        from protocol.selectors import escalation_queue as shared_queue
    except ImportError:
        return _escalation_queue(user, rule=rule, team=team, now=now)
    return shared_queue(user, rule=rule, team=team, now=now)


def action_for(deadline: Deadline) -> tuple[str, str] | None:
    """The page that meets this deadline, and its link text."""
    if deadline.rule == Rule.RISK_ASSESSMENT:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        return reverse("risk:assess", args=[deadline.child_id]) + suffix, "Rate risk"
    if deadline.rule == Rule.RETURN_INTERVIEW:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        return reverse("returns:record", args=[deadline.child_id]) + suffix, "Record interview"
    if deadline.rule in MEETING_RULES:
        url = reverse("panels:record_meeting", args=[deadline.child_id]) + f"?deadline={deadline.pk}"
        label = "Record discussion" if deadline.rule == Rule.STRATEGY_DISCUSSION else "Record meeting"
        return url, label
    if deadline.rule == Rule.PANEL_REFERRAL:
        return reverse("panels:refer", args=[deadline.child_id]), "Refer to panel"
    return None


def escalation_page_context(request: HttpRequest) -> dict:
    now = timezone.now()
    teams = list(managed_teams(request.user).order_by("agency__name", "name"))
    rule = request.GET.get("rule", "")
    if rule not in Rule.values:
        rule = ""
    team_param = request.GET.get("team", "")
    team = int(team_param) if team_param.isdigit() and int(team_param) in {t.pk for t in teams} else None
    rows = list(escalation_queue(request.user, rule=rule or None, team=team, now=now)[:QUEUE_LIMIT])
    for deadline in rows:
        deadline.action = action_for(deadline)
    return {
        "deadlines": rows,
        "teams": teams,
        "rules": Rule.choices,
        "selected_rule": rule,
        "selected_team": team,
        "limit": QUEUE_LIMIT,
        "manages_teams": bool(teams),
    }
