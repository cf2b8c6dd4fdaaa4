"""Read models of the pages that read across apps: the home page, the child's record,
the escalation queue.

Every function takes the user and reads only what that user may see (through
`children.selectors.child_visibility`). Each runs a fixed number of queries whatever
the number of episodes, deadlines or children, so the pages stay fast at national
scale (the view tests assert the counts).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Role, User
from children.models import Child, RecordAccess
from children.permissions import Action, allows, roles_by_child
from children.selectors import child_visibility
from core.clock import add_months, start_of_london_day
from episodes.models import Episode
from protocol.catalogue import source_of
from protocol.models import MEETING_RULES, Deadline, Rule, Status
from protocol.selectors import escalation_queue, managed_teams

# A deadline within this long of its due time is on the home page as "due soon" even
# before its own due-soon warning (three quarters of its window) has been sent.
HOME_DUE_SOON = dt.timedelta(hours=24)
HOME_LIST_LIMIT = 25
RECORD_LIST_LIMIT = 50

# --- Deadline status, as the pages show it ------------------------------------------

DEADLINE_TAGS = {
    "scheduled": ("Scheduled", "govuk-tag--grey"),
    "open": ("Open", "govuk-tag--blue"),
    "due_soon": ("Due soon", "govuk-tag--yellow"),
    "overdue": ("Overdue", "govuk-tag--red"),
    "met": ("Met", "govuk-tag--green"),
    "met_late": ("Met late", "govuk-tag--orange"),
    "breached": ("Breached", "govuk-tag--red"),
    "cancelled": ("Cancelled", "govuk-tag--grey"),
}


def deadline_state(deadline: Deadline, now: dt.datetime) -> str:
    """One of DEADLINE_TAGS: the ledger status, refined by the clock for open deadlines.

    An open deadline past its due time is "overdue" until the sweep records the breach
    (the sweep runs every minute; the page must not say "open" in between).
    """
    if deadline.status == Status.MET:
        return "met_late" if deadline.is_met_late else "met"
    if deadline.status in (Status.BREACHED, Status.CANCELLED):
        return deadline.status
    if deadline.due_at <= now:
        return "overdue"
    if deadline.status == Status.SCHEDULED and deadline.opens_at > now:
        return "scheduled"
    if deadline.due_soon_at <= now:
        return "due_soon"
    return "open"


def tag_for(deadline: Deadline, now: dt.datetime) -> tuple[str, str]:
    return DEADLINE_TAGS[deadline_state(deadline, now)]


@dataclasses.dataclass(frozen=True)
class DeadlineRow:
    """A deadline as a page lists it: with its status tag and its protocol source."""

    deadline: Deadline
    tag_text: str
    tag_class: str
    source: str
    # The page that meets it (url, link text), while it is still to be met.
    action: tuple[str, str] | None = None


def _meeting_page(deadline: Deadline) -> tuple[str, str, Action | None] | None:
    """The page that meets this deadline, its link text, and the action it takes."""
    if deadline.rule == Rule.RISK_ASSESSMENT:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        url = reverse("risk:assess", args=[deadline.child_id]) + suffix
        return url, "Rate risk", Action.ASSESS_RISK
    if deadline.rule == Rule.RETURN_INTERVIEW:
        suffix = f"?episode={deadline.episode_id}" if deadline.episode_id else ""
        url = reverse("returns:record", args=[deadline.child_id]) + suffix
        return url, "Record interview", Action.RETURN_INTERVIEW
    if deadline.rule in MEETING_RULES:
        url = (
            reverse("panels:record_meeting", args=[deadline.child_id]) + f"?deadline={deadline.pk}"
        )
        label = (
            "Record discussion" if deadline.rule == Rule.STRATEGY_DISCUSSION else "Record meeting"
        )
        return url, label, Action.STRATEGY_MEETING
    if deadline.rule == Rule.PANEL_REFERRAL:
        url = reverse("panels:refer", args=[deadline.child_id])
        return url, "Refer to panel", Action.STRATEGY_MEETING
    if deadline.rule == Rule.SAFE_AND_WELL_CHECK and deadline.episode_id:
        url = reverse("episodes:safe_and_well_check", args=[deadline.episode_id])
        return url, "Record safe and well check", Action.SAFE_AND_WELL_CHECK
    if deadline.rule == Rule.HOME_OFFICE_NOTICE and deadline.episode_id:
        url = reverse("episodes:home_office_notice", args=[deadline.episode_id])
        return url, "Record Home Office notice", Action.EDIT_CHILD
    if deadline.rule == Rule.ABSENT_REVIEW and deadline.episode_id:
        # Reading the episode needs only sight of the child.
        return reverse("episodes:detail", args=[deadline.episode_id]), "Open episode", None
    return None


def action_for(deadline: Deadline, roles: frozenset[str]) -> tuple[str, str] | None:
    """The page that meets this deadline and its link text, for someone reaching the child
    through `roles` (`children.permissions.roles_by_child`); None when they may not take
    that action, so no one is shown a link that answers 403 (issue 11)."""
    page = _meeting_page(deadline)
    if page is None:
        return None
    url, label, action = page
    if action is not None and not allows(roles, action):
        return None
    return url, label


LIVE_STATUSES = (Status.SCHEDULED, Status.OPEN, Status.BREACHED)


def deadline_rows(user, deadlines: Iterable[Deadline], now: dt.datetime) -> list[DeadlineRow]:
    """Deadlines as a page lists them, each still to be met with the page that meets it,
    when `user` may use that page. Two queries for the permissions, whatever the rows."""
    deadlines = list(deadlines)
    roles = roles_by_child(
        user, {deadline.child_id for deadline in deadlines if deadline.status in LIVE_STATUSES}
    )
    rows = []
    for deadline in deadlines:
        text, css = tag_for(deadline, now)
        action = None
        if deadline.status in LIVE_STATUSES:
            action = action_for(deadline, roles.get(deadline.child_id, frozenset()))
        rows.append(DeadlineRow(deadline, text, css, source_of(deadline.rule), action))
    return rows


@dataclasses.dataclass(frozen=True)
class ChildRow:
    """A child as a list shows them: with their age today and open episode, if any."""

    child: Child
    age: int | None = None
    open_episode: Episode | None = None
    # The category of the open episode ("Missing", "Absent"...), or "" when none is open.
    away_now: str = ""


# --- A child's record ------------------------------------------------------------------


@dataclasses.dataclass
class TimelineEntry:
    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    episode_id: int | None = None


@dataclasses.dataclass
class ChildRecord:
    child: Child
    legal_status: Any
    placement: Any
    allocations: list
    episodes: list
    open_episode: Episode | None
    deadlines: list[DeadlineRow]
    timeline: list[TimelineEntry]
    history: list[Change]
    accesses: list
    episodes_last_90_days: int
    episodes_last_6_months: int


def episode_counts(child: Child, today: dt.date) -> tuple[int, int]:
    """Episodes starting in the last 90 days and in the last 6 months (Europe/London dates,
    inclusive of the first day, as PROTOCOL.md "Time" counts them)."""
    since_90 = start_of_london_day(today - dt.timedelta(days=90))
    since_6m = start_of_london_day(add_months(today, -6))
    counts = Episode.objects.filter(child=child, entered_in_error=False).aggregate(
        days_90=Count("pk", filter=Q(last_seen_at__gte=since_90)),
        months_6=Count("pk", filter=Q(last_seen_at__gte=since_6m)),
    )
    return counts["days_90"], counts["months_6"]


@dataclasses.dataclass(frozen=True)
class Change:
    """One pghistory event on the child's record, in words."""

    at: dt.datetime
    what: str
    action: str
    changed_fields: str
    changed_by: User | None
    via: str


def _history(child: Child) -> list[Change]:
    """Change history: the pghistory events of the child and every row that points at it
    (deadlines left out: the record lists those, and the engine rewrites them often)."""
    from pghistory.models import Events

    events = list(
        Events.objects.references(child)
        .exclude(pgh_model="protocol.DeadlineEvent")
        .order_by("-pgh_created_at")[:RECORD_LIST_LIMIT]
    )
    contexts = [
        event.pgh_context if isinstance(event.pgh_context, dict) else {} for event in events
    ]
    user_ids = [context["user"] for context in contexts if isinstance(context.get("user"), int)]
    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids)}
    changes = []
    for event, context in zip(events, contexts, strict=True):
        diff = event.pgh_diff or {}
        changes.append(
            Change(
                at=event.pgh_created_at,
                what=event.pgh_model.split(".")[-1].removesuffix("Event"),
                action=event.pgh_label.replace("_", " "),
                changed_fields=", ".join(
                    sorted(name for name in diff if name not in ("updated_at", "created_at", "id"))
                ),
                changed_by=users.get(context["user"])
                if isinstance(context.get("user"), int)
                else None,
                via=str(context.get("url", "")),
            )
        )
    return changes


def child_record(user, child: Child, *, now: dt.datetime | None = None) -> ChildRecord:
    """Everything the child's record page shows, for a child `user` may see."""
    from panels.models import StrategyMeeting
    from returns.models import ReturnInterview
    from risk.models import RiskAssessment

    now = now or timezone.now()
    today = timezone.localdate(now)
    legal_status = (
        child.legal_statuses.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .first()
    )
    placement = (
        child.placements.filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("placing_authority", "host_authority")
        .first()
    )
    allocations = list(
        child.allocations.filter(ended_at__isnull=True).select_related("team__agency", "worker")
    )
    episodes = list(
        Episode.objects.filter(child=child)
        .select_related("police_force", "reported_by")
        .order_by("-last_seen_at")[:RECORD_LIST_LIMIT]
    )
    open_episode = next((e for e in episodes if e.is_open), None)
    # Soonest first (the most overdue on top), then what is met, breached or cancelled,
    # the most recent first.
    child_deadlines = Deadline.objects.filter(child=child).select_related("owner_team", "episode")
    deadlines = deadline_rows(
        user,
        [
            *child_deadlines.filter(status__in=[Status.SCHEDULED, Status.OPEN]).order_by(
                "due_at", "pk"
            )[:RECORD_LIST_LIMIT],
            *child_deadlines.exclude(status__in=[Status.SCHEDULED, Status.OPEN]).order_by(
                "-due_at", "-pk"
            )[:RECORD_LIST_LIMIT],
        ],
        now,
    )

    timeline: list[TimelineEntry] = []
    for episode in episodes:
        error = " (entered in error)" if episode.entered_in_error else ""
        timeline.append(
            TimelineEntry(
                at=episode.last_seen_at,
                kind="episode",
                title=f"{episode.get_category_display()} from {episode.get_missing_from_display().lower()}: "
                f"last seen{error}",
                detail=episode.last_seen_location,
                episode_id=episode.pk,
            )
        )
        if episode.returned_at:
            timeline.append(
                TimelineEntry(
                    at=episode.returned_at,
                    kind="return",
                    title="Returned",
                    detail=episode.get_how_found_display() or episode.return_location,
                    episode_id=episode.pk,
                )
            )
    for assessment in RiskAssessment.objects.filter(child=child).order_by("-assessed_at")[
        :RECORD_LIST_LIMIT
    ]:
        timeline.append(
            TimelineEntry(
                at=assessment.assessed_at,
                kind="assessment",
                title=f"Risk assessment: {assessment.get_rag_display()}, threshold level "
                f"{assessment.threshold_level}",
                detail=assessment.rationale,
                episode_id=assessment.episode_id,
            )
        )
    for interview in ReturnInterview.objects.filter(child=child).order_by("-offered_at")[
        :RECORD_LIST_LIMIT
    ]:
        timeline.append(
            TimelineEntry(
                at=interview.held_at or interview.offered_at,
                kind="interview",
                title="Return interview "
                + (interview.get_outcome_display().lower() if interview.outcome else "offered"),
                detail=interview.interviewer_name,
            )
        )
    for meeting in StrategyMeeting.objects.filter(child=child).order_by("-held_at")[
        :RECORD_LIST_LIMIT
    ]:
        timeline.append(
            TimelineEntry(
                at=meeting.held_at,
                kind="meeting",
                title=f"{meeting.get_kind_display()}: {meeting.get_trigger_display()}",
                detail=meeting.decisions,
                episode_id=meeting.episode_id,
            )
        )
    timeline.sort(key=lambda entry: entry.at, reverse=True)

    accesses = list(
        RecordAccess.objects.filter(child=child)
        .select_related("user")
        .order_by("-accessed_at")[:RECORD_LIST_LIMIT]
    )
    days_90, months_6 = episode_counts(child, today)
    return ChildRecord(
        child=child,
        legal_status=legal_status,
        placement=placement,
        allocations=allocations,
        episodes=episodes,
        open_episode=open_episode,
        deadlines=deadlines,
        timeline=timeline[:RECORD_LIST_LIMIT],
        history=_history(child),
        accesses=accesses,
        episodes_last_90_days=days_90,
        episodes_last_6_months=months_6,
    )


# --- The home page -----------------------------------------------------------------------


def my_children(user) -> QuerySet[Child]:
    """Children allocated to `user` as their worker, with their open episode if any."""
    return (
        Child.objects.filter(child_visibility(user))
        .filter(allocations__worker=user, allocations__ended_at__isnull=True)
        .distinct()
        .order_by("family_name", "given_name")
    )


def my_children_rows(user) -> list[ChildRow]:
    """The user's children (at most HOME_LIST_LIMIT) with their open episodes: two queries."""
    children = list(my_children(user)[:HOME_LIST_LIMIT])
    if not children:
        return []
    episodes = Episode.objects.filter(
        child__in=children, returned_at__isnull=True, entered_in_error=False
    )
    by_child = {episode.child_id: episode for episode in episodes}
    return [ChildRow(child, open_episode=by_child.get(child.pk)) for child in children]


@dataclasses.dataclass
class MyDeadlines:
    overdue: list[DeadlineRow]
    due_soon: list[DeadlineRow]

    def __bool__(self) -> bool:
        return bool(self.overdue or self.due_soon)


def my_deadlines(user, *, now: dt.datetime | None = None) -> MyDeadlines:
    """The user's deadlines (protocol.selectors.my_deadlines) that are overdue or breached
    and not yet met (the most overdue first), and those due soon (soonest first).

    Due soon: within HOME_DUE_SOON, or past the deadline's own due-soon point. The
    manager escalation is left out: it is a notification Homeward sends itself.
    """
    from protocol.selectors import my_deadlines as all_my_deadlines

    now = now or timezone.now()
    live = Q(status__in=[Status.OPEN, Status.SCHEDULED])
    mine = all_my_deadlines(user, include_closed=True).exclude(rule=Rule.MANAGER_ESCALATION)
    overdue = deadline_rows(
        user,
        mine.filter(
            (live & Q(due_at__lte=now)) | Q(status=Status.BREACHED, met_at__isnull=True)
        ).order_by("due_at", "pk")[:HOME_LIST_LIMIT],
        now,
    )
    due_soon = deadline_rows(
        user,
        mine.filter(live, due_at__gt=now)
        .filter(Q(due_at__lte=now + HOME_DUE_SOON) | Q(due_soon_at__lte=now))
        .order_by("due_at", "pk")[:HOME_LIST_LIMIT],
        now,
    )
    return MyDeadlines(overdue=overdue, due_soon=due_soon)


def escalation_summary(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """For a manager: how much of the escalation queue (protocol.selectors) is breached,
    and how much is due soon."""
    from protocol.selectors import escalation_queue

    return escalation_queue(user, now=now).aggregate(
        breached=Count("pk", filter=Q(status=Status.BREACHED)),
        due_soon=Count("pk", filter=Q(status=Status.OPEN)),
    )


def triage_queue_count(user) -> int | None:
    """For MASH triage staff: referrals awaiting triage at their authorities (None if not MASH)."""
    from risk.models import MashReferral, ReferralStatus

    authority_ids = list(
        Membership.objects.filter(user=user, is_active=True, role=Role.MASH_TRIAGE).values_list(
            "team__agency_id", flat=True
        )
    )
    if not authority_ids:
        return None
    return MashReferral.objects.filter(
        status=ReferralStatus.OPEN, mash_authority_id__in=authority_ids
    ).count()


def unread_notification_count(user) -> int:
    from notifications.inbox import unread_count

    return unread_count(user)


# --- The escalation queue -----------------------------------------------------------

QUEUE_LIMIT = 200


@dataclasses.dataclass(frozen=True)
class EscalationQueue:
    """The manager's queue: breached and due-soon deadlines for the teams they manage,
    looked-after children missing over 24 hours first, then by due time, each with the
    page that meets it."""

    deadlines: list[Deadline]
    teams: list
    selected_rule: str
    selected_team: int | None
    limit: int = QUEUE_LIMIT


def escalations(
    user, *, rule: str = "", team: str = "", now: dt.datetime | None = None
) -> EscalationQueue:
    """The queue for `user`, filtered by a rule id and a team id as the page's GET gives
    them; a filter the user cannot use (an unknown rule, a team they do not manage) is
    ignored rather than refused."""
    now = now or timezone.now()
    teams = list(managed_teams(user).select_related("agency").order_by("agency__name", "name"))
    rule = rule if rule in Rule.values else ""
    team_id = int(team) if team.isdigit() and int(team) in {t.pk for t in teams} else None
    rows = list(escalation_queue(user, rule=rule or None, team=team_id, now=now)[:QUEUE_LIMIT])
    roles = roles_by_child(user, {deadline.child_id for deadline in rows})
    for deadline in rows:
        deadline.action = action_for(deadline, roles.get(deadline.child_id, frozenset()))  # type: ignore[attr-defined]
    return EscalationQueue(rows, teams, rule, team_id)
