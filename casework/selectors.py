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

from django.contrib.postgres.expressions import ArraySubquery
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, JSONObject
from django.utils import timezone

from agencies.models import Agency, Membership, Role, Team, User
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
    access_grants: list
    episodes_last_90_days: int
    episodes_last_6_months: int
    # The restricted parts this user sees (children.permissions.SIGHT_ROLES): the record
    # links to the change history and the access log only for those with their sight
    # (`child_history`, `child_accesses`: pages of their own, decision 0025).
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


def child_history(child: Child) -> list[Change]:
    """Change history: the latest RECORD_LIST_LIMIT pghistory events of the child and
    every row that points at it (deadlines left out: the record lists those, and the
    engine rewrites them often). For those with Sight.HISTORY."""
    from pghistory.models import Events

    # The person each event's context names (`user`: their id), read with the events.
    named = User.objects.filter(pk=OuterRef("context_user_id")).values(
        row=JSONObject(id="id", username="username", first_name="first_name", last_name="last_name")
    )[:1]
    events = list(
        Events.objects.references(child)
        .exclude(pgh_model="protocol.DeadlineEvent")
        .annotate(context_user=KT("pgh_context__user"))
        .annotate(
            context_user_id=Case(
                When(
                    context_user__regex=r"^[0-9]{1,18}$",
                    then=Cast("context_user", BigIntegerField()),
                ),
                default=None,
                output_field=BigIntegerField(),
            )
        )
        .annotate(context_person=Subquery(named))
        .order_by("-pgh_created_at")[:RECORD_LIST_LIMIT]
    )
    contexts = [
        event.pgh_context if isinstance(event.pgh_context, dict) else {} for event in events
    ]
    users = {data["id"]: User(**data) for event in events if (data := event.context_person)}
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


def child_accesses(child: Child) -> list[RecordAccess]:
    """The access log: who opened the child's record, the latest RECORD_LIST_LIMIT,
    newest first. For those with Sight.ACCESS_LOG."""
    return list(
        RecordAccess.objects.filter(child=child)
        .select_related("user")
        .order_by("-accessed_at")[:RECORD_LIST_LIMIT]
    )


def child_record(user, child: Child, *, now: dt.datetime | None = None) -> ChildRecord:
    """Everything the child's record page shows, for a child `user` may see: its
    social-care-only parts only to those who see them (children.permissions.Sight), and
    to police the episodes of their force (episodes.selectors.visible_episodes)."""
    from children.permissions import Sight, roles_for_child, sights_for
    from episodes.selectors import visible_episodes

    now = now or timezone.now()
    today = timezone.localdate(now)
    sights = sights_for(user, child)
    summary = _summary(user, child, today, now)
    episodes = summary.episodes
    open_episode = next((e for e in episodes if e.is_open), None)
    # Soonest first (the most overdue on top), then what is met, breached or cancelled,
    # the most recent first.
    child_deadlines = (
        Deadline.objects.filter(child=child)
        .filter(Q(episode__isnull=True) | Q(episode__in=visible_episodes(user)))
        .select_related("owner_team", "episode")
    )
    # Both halves in one statement (UNION ALL of the two limited lists), put in order here.
    waiting = [Status.SCHEDULED, Status.OPEN]
    both = list(
        child_deadlines.filter(status__in=waiting)
        .order_by("due_at", "pk")[:RECORD_LIST_LIMIT]
        .union(
            child_deadlines.exclude(status__in=waiting).order_by("-due_at", "-pk")[
                :RECORD_LIST_LIMIT
            ],
            all=True,
        )
    )
    deadlines = deadline_rows(
        user,
        [
            *sorted((d for d in both if d.status in waiting), key=lambda d: (d.due_at, d.pk)),
            *sorted(
                (d for d in both if d.status not in waiting),
                key=lambda d: (d.due_at, d.pk),
                reverse=True,
            ),
        ],
        now,
        roles={child.pk: roles_for_child(user, child)},  # read with the child
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
    # Fewer than the limit: these are all the episodes the user may open, so the timeline
    # links by this set rather than asking the visibility rules again in SQL.
    openable = {episode.pk for episode in episodes} if len(episodes) < RECORD_LIST_LIMIT else None
    timeline.extend(
        _assessments_interviews_meetings(
            user, child, Sight.MEETING_CONTENT in sights, openable=openable
        )
    )
    timeline.sort(key=lambda entry: entry.at, reverse=True)

    return ChildRecord(
        child=child,
        legal_status=summary.legal_status,
        placement=summary.placement,
        allocations=summary.allocations,
        episodes=episodes,
        open_episode=open_episode,
        deadlines=deadlines,
        timeline=timeline[:RECORD_LIST_LIMIT],
        access_grants=summary.access_grants,
        episodes_last_90_days=summary.episodes_last_90_days,
        episodes_last_6_months=summary.episodes_last_6_months,
        sights=sights,
    )


# Related rows read with the record's summary, as {relation: (model, its own relations)}.
Related = dict[str, tuple[type[Model], dict[str, Any]]]
_PLACEMENT: Related = {"placing_authority": (Agency, {}), "host_authority": (Agency, {})}
_ALLOCATION: Related = {"team": (Team, {"agency": (Agency, {})}), "worker": (User, {})}
_GRANT: Related = {"user": (User, {}), "granted_by": (User, {})}
# The record shows no episode's force or reporter: read neither (a reporter's row is a
# user's, password hash and all, and 45 episodes built 90 more instances; issue 13).
_EPISODE: Related = {}


def _row_sql(model: type[Model], related: Related, key: str, depth: int = 0) -> str:
    """SQL for the row of `model` whose primary key is `key`, as one JSON object of its
    columns (`to_jsonb`, keyed by column name), with the `related` rows it points at
    nested under their field names (NULL when there is no such row)."""
    quote = connection.ops.quote_name
    alias = f"row_{depth}"
    nested = [
        f"'{name}', "
        + _row_sql(other, further, f"{alias}.{quote(_column(model, name))}", depth + 1)
        for name, (other, further) in related.items()
    ]
    body = f"to_jsonb({alias})"
    if nested:
        body += f" || jsonb_build_object({', '.join(nested)})"
    return (
        # Only names from the models' own metadata, quoted: no input reaches this text.
        f"(SELECT {body} FROM {quote(model._meta.db_table)} {alias} "  # noqa: S608
        f"WHERE {alias}.{quote(_column(model, 'pk'))} = {key})"
    )


def _column(model: type[Model], name: str) -> str:
    """The column of one of `model`'s concrete fields ("pk": its primary key's)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    column = getattr(field, "column", None)
    if not isinstance(column, str):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return column


class _Row(Func):
    """The row an outer query reads, and the rows it points at, as one JSON object for
    `_instance`. One expression of one column (the primary key), where a JSONObject of
    every column would be dozens of expressions for Django to resolve and compile on each
    request (tens of milliseconds for the record's summary)."""

    output_field = JSONField()

    def __init__(self, model: type[Model], related: Related) -> None:
        super().__init__(F("pk"), template=_row_sql(model, related, "%(expressions)s"))


def _instance(model: type[Model], data: dict | None, related: Related) -> Any:
    """The model instance `_Row` read (None for a row that is not there), as the ORM
    would have built it with select_related."""
    if not data or data.get(model._meta.pk.column) is None:
        return None
    instance = model(
        **{
            field.attname: field.to_python(data[field.column])
            for field in model._meta.concrete_fields
        }
    )
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    for name, (other, further) in related.items():
        setattr(instance, name, _instance(other, data.get(name), further))
    return instance


@dataclasses.dataclass(frozen=True)
class _Summary:
    episodes: list[Episode]
    legal_status: Any
    placement: Any
    allocations: list
    access_grants: list
    episodes_last_90_days: int
    episodes_last_6_months: int


def _summary(user, child: Child, today: dt.date, now: dt.datetime) -> _Summary:
    """The record's parts in one statement: the latest episodes the user may see, the
    legal status and placement on `today`, the current allocations, the grants in force,
    and the episode counts of episode_counts(),
    each a subquery of the child's row returned as JSON."""
    from children.models import Allocation, ChildAccessGrant, LegalStatus, Placement
    from episodes.selectors import visible_episodes

    episodes = (
        visible_episodes(user)
        .filter(child=OuterRef("pk"))
        .order_by("-last_seen_at")
        .values(row=_Row(Episode, _EPISODE))[:RECORD_LIST_LIMIT]
    )

    current = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    legal_status = (
        LegalStatus.objects.filter(current, child=OuterRef("pk"))
        .order_by("child", "-start_date")
        .values(row=_Row(LegalStatus, {}))[:1]
    )
    placement = (
        Placement.objects.filter(current, child=OuterRef("pk"))
        .order_by("child", "-start_date")
        .values(row=_Row(Placement, _PLACEMENT))[:1]
    )
    allocations = (
        Allocation.objects.filter(child=OuterRef("pk"), ended_at__isnull=True)
        .order_by("child", "-started_at")
        .values(row=_Row(Allocation, _ALLOCATION))
    )
    grants = (
        ChildAccessGrant.objects.filter(content_object=OuterRef("pk"), expires_at__gt=now)
        .order_by("expires_at")
        .values(row=_Row(ChildAccessGrant, _GRANT))
    )
    since_90 = start_of_london_day(today - dt.timedelta(days=90))
    since_6m = start_of_london_day(add_months(today, -6))

    def episodes_since(since: dt.datetime) -> Coalesce:
        counted = (
            Episode.objects.filter(
                child=OuterRef("pk"), entered_in_error=False, last_seen_at__gte=since
            )
            .order_by()
            .values("child")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted), 0)

    row = (
        Child.objects.filter(pk=child.pk)
        .annotate(
            episode_rows=ArraySubquery(episodes),
            legal_status_row=Subquery(legal_status),
            placement_row=Subquery(placement),
            allocation_rows=ArraySubquery(allocations),
            grant_rows=ArraySubquery(grants),
            days_90=episodes_since(since_90),
            months_6=episodes_since(since_6m),
        )
        .values(
            "episode_rows",
            "legal_status_row",
            "placement_row",
            "allocation_rows",
            "grant_rows",
            "days_90",
            "months_6",
        )
        .get()
    )
    return _Summary(
        episodes=[_instance(Episode, data, _EPISODE) for data in row["episode_rows"]],
        legal_status=_instance(LegalStatus, row["legal_status_row"], {}),
        placement=_instance(Placement, row["placement_row"], _PLACEMENT),
        allocations=[_instance(Allocation, data, _ALLOCATION) for data in row["allocation_rows"]],
        access_grants=[_instance(ChildAccessGrant, data, _GRANT) for data in row["grant_rows"]],
        episodes_last_90_days=row["days_90"],
        episodes_last_6_months=row["months_6"],
    )


def _assessments_interviews_meetings(
    user, child: Child, meeting_content: bool, *, openable: set[int] | None = None
) -> list[TimelineEntry]:
    """The latest RECORD_LIST_LIMIT of each of the child's risk assessments, return
    interviews and strategy meetings, as timeline entries: one statement (UNION ALL of
    the three limited lists, in the same columns). Each links to its episode only if the
    user may open it (police: their force's)."""
    from episodes.selectors import visible_episodes
    from panels.models import StrategyMeeting
    from returns.models import ReturnInterview
    from risk.models import RiskAssessment

    text = CharField()
    # `openable`: the ids of the episodes the user may open, when the caller knows them all.
    openable_episode = (
        F("episode_id")
        if openable is not None
        else Case(
            When(
                Exists(visible_episodes(user).filter(pk=OuterRef("episode_id"))),
                then=F("episode_id"),
            ),
            default=None,
            output_field=IntegerField(),
        )
    )
    columns = ("t_part", "t_at", "t_first", "t_second", "t_detail", "t_episode")
    assessments = (
        RiskAssessment.objects.filter(child=child)
        .order_by("-assessed_at")
        .annotate(
            t_part=Value("assessment", output_field=text),
            t_at=F("assessed_at"),
            t_first=F("rag"),
            t_second=Cast("threshold_level", output_field=text),
            t_detail=F("rationale"),
            t_episode=openable_episode,
        )
        .values_list(*columns)[:RECORD_LIST_LIMIT]
    )
    interviews = (
        ReturnInterview.objects.filter(child=child)
        .order_by("-offered_at")
        .annotate(
            t_part=Value("interview", output_field=text),
            t_at=Coalesce("held_at", "offered_at"),
            t_first=F("outcome"),
            t_second=Value("", output_field=text),
            t_detail=F("interviewer_name"),
            t_episode=Value(None, output_field=IntegerField()),
        )
        .values_list(*columns)[:RECORD_LIST_LIMIT]
    )
    meetings = (
        StrategyMeeting.objects.filter(child=child)
        .order_by("-held_at")
        .annotate(
            t_part=Value("meeting", output_field=text),
            t_at=F("held_at"),
            t_first=F("kind"),
            t_second=F("trigger"),
            t_detail=F("decisions"),
            t_episode=openable_episode,
        )
        .values_list(*columns)[:RECORD_LIST_LIMIT]
    )
    rags = dict(RiskAssessment._meta.get_field("rag").choices or [])
    outcomes = dict(ReturnInterview._meta.get_field("outcome").choices or [])
    kinds = dict(StrategyMeeting._meta.get_field("kind").choices or [])
    triggers = dict(StrategyMeeting._meta.get_field("trigger").choices or [])
    entries = []
    for part, at, first, second, detail, episode_id in assessments.union(
        interviews, meetings, all=True
    ):
        if part == "assessment":
            title = f"Risk assessment: {rags.get(first, first)}, threshold level {second}"
        elif part == "interview":
            title = "Return interview " + (
                str(outcomes.get(first, first)).lower() if first else "offered"
            )
        else:
            title = f"{kinds.get(first, first)}: {triggers.get(second, second)}"
            detail = detail if meeting_content else ""
        if openable is not None and episode_id not in openable:
            episode_id = None
        entries.append(
            TimelineEntry(at=at, kind=part, title=title, detail=detail, episode_id=episode_id)
        )
    return entries


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
