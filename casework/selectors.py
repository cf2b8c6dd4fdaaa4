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
import re
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from agencies.models import Membership, Role, User
from casework.deadlines import DeadlineRow, deadline_rows
from children.models import Child, RecordAccess
from children.selectors import child_visibility, find_children
from core.clock import add_months, start_of_london_day
from episodes.models import Category, Episode
from protocol.models import Deadline, Rule, Status

# A deadline within this long of its due time is on the home page as "due soon" even
# before its own due-soon warning (three quarters of its window) has been sent.
HOME_DUE_SOON = dt.timedelta(hours=24)
HOME_LIST_LIMIT = 25
RECORD_LIST_LIMIT = 50


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
    access_grants: list
    episodes_last_90_days: int
    episodes_last_6_months: int
    # The restricted parts this user sees (children.permissions.SIGHT_ROLES): the history
    # and access log above are empty without their sight, not merely hidden by the page.
    sights: frozenset = frozenset()


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
    # What the page shows: the service's label where one was recorded ("Return
    # recorded"), otherwise what the trigger saw ("Episode update: returned_at").
    description: str = ""
    # Who: the person, or "Homeward" for the engine.
    who: str = "Homeward"


def _description(event: Any, context: dict, changed_fields: str) -> str:
    what = event.pgh_model.split(".")[-1].removesuffix("Event")
    action = context.get("action")
    if isinstance(action, str) and action:
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", what).lower()
        return f"{action} ({words}{': ' + changed_fields if changed_fields else ''})"
    label = event.pgh_label.replace("_", " ")
    return f"{what} {label}" + (
        f": {changed_fields}" if changed_fields and label == "update" else ""
    )


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
        changed_fields = ", ".join(
            sorted(name for name in diff if name not in ("updated_at", "created_at", "id"))
        )
        person = users.get(context["user"]) if isinstance(context.get("user"), int) else None
        changes.append(
            Change(
                at=event.pgh_created_at,
                what=event.pgh_model.split(".")[-1].removesuffix("Event"),
                action=event.pgh_label.replace("_", " "),
                changed_fields=changed_fields,
                changed_by=person,
                via=str(context.get("url", "")),
                description=_description(event, context, changed_fields),
                who=str(person) if person else str(context.get("actor") or "Homeward"),
            )
        )
    return changes


def child_record(user, child: Child, *, now: dt.datetime | None = None) -> ChildRecord:
    """Everything the child's record page shows, for a child `user` may see: its
    social-care-only parts only to those who see them (children.permissions.Sight), and
    to police the episodes of their force (episodes.selectors.visible_episodes)."""
    from children.permissions import Sight, sights_for
    from episodes.selectors import visible_episodes
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
    sights = sights_for(user, child)
    episodes = list(
        visible_episodes(user)
        .filter(child=child)
        .select_related("police_force", "reported_by")
        .order_by("-last_seen_at")[:RECORD_LIST_LIMIT]
    )
    open_episode = next((e for e in episodes if e.is_open), None)
    # Soonest first (the most overdue on top), then what is met, breached or cancelled,
    # the most recent first.
    child_deadlines = (
        Deadline.objects.filter(child=child)
        .filter(Q(episode__isnull=True) | Q(episode__in=visible_episodes(user)))
        .select_related("owner_team", "episode")
    )
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
                detail=meeting.decisions if Sight.MEETING_CONTENT in sights else "",
                episode_id=meeting.episode_id,
            )
        )
    # A link only to an episode this user may open (police: their force's).
    linked = (
        {episode.pk for episode in episodes}
        if len(episodes) < RECORD_LIST_LIMIT
        else set(visible_episodes(user).filter(child=child).values_list("pk", flat=True))
    )
    for entry in timeline:
        if entry.episode_id not in linked:
            entry.episode_id = None
    timeline.sort(key=lambda entry: entry.at, reverse=True)

    accesses = (
        list(
            RecordAccess.objects.filter(child=child)
            .select_related("user")
            .order_by("-accessed_at")[:RECORD_LIST_LIMIT]
        )
        if Sight.ACCESS_LOG in sights
        else []
    )
    days_90, months_6 = episode_counts(child, today)
    # Who holds an ad-hoc grant to this record now (ARCHITECTURE.md "Access").
    access_grants = list(
        child.access_grants.filter(expires_at__gt=now)
        .select_related("user", "granted_by")
        .order_by("expires_at")
    )
    return ChildRecord(
        child=child,
        legal_status=legal_status,
        placement=placement,
        allocations=allocations,
        episodes=episodes,
        open_episode=open_episode,
        deadlines=deadlines,
        timeline=timeline[:RECORD_LIST_LIMIT],
        history=_history(child) if Sight.HISTORY in sights else [],
        accesses=accesses,
        access_grants=access_grants,
        episodes_last_90_days=days_90,
        episodes_last_6_months=months_6,
        sights=sights,
    )


# --- The home page -----------------------------------------------------------------------


def child_search_rows(user: User, query: str, *, limit: int) -> list[ChildRow]:
    """ "Find a child": visible children matching `query` (children.selectors.find_children),
    each with their age today and the category of their open episode, if any."""
    open_episode = Episode.objects.filter(
        child_id=OuterRef("pk"), returned_at__isnull=True, entered_in_error=False
    )
    labels = dict(Category.choices)
    today = timezone.localdate()
    return [
        ChildRow(
            child,
            age=child.age_on(today),
            away_now=labels.get(child.open_category or "", ""),  # type: ignore[attr-defined]
        )
        for child in find_children(user, query)
        .annotate(open_category=Subquery(open_episode.values("category")[:1]))
        .order_by("family_name", "given_name", "pk")[:limit]
    ]


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
    from protocol.selectors import still_owed, still_to_meet

    now = now or timezone.now()
    live = Q(status__in=[Status.OPEN, Status.SCHEDULED])
    mine = (
        all_my_deadlines(user, include_closed=True)
        .filter(still_to_meet())
        .exclude(rule=Rule.MANAGER_ESCALATION)
    )
    # Overdue: past due and not met, while it can still be met (protocol.selectors.STILL_OWED).
    overdue = deadline_rows(
        user,
        mine.filter(still_owed(now))
        .filter((live & Q(due_at__lte=now)) | Q(status=Status.BREACHED))
        .order_by("due_at", "pk")[:HOME_LIST_LIMIT],
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
