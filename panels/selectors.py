"""Reads of strategy meetings and exploitation panels, for the user who asks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, User
from children.models import Child
from children.selectors import child_visibility, visible_children
from core.audit import note_record
from core.clock import start_of_london_day
from episodes.models import Episode
from panels.models import (
    MeetingAttendance,
    PanelAction,
    PanelCase,
    PanelMeeting,
    StrategyItem,
    StrategyMeeting,
)
from protocol.conf import protocol_settings
from protocol.models import MEETING_RULES, Deadline
from risk.models import Rag, RiskAssessment


def all_agencies() -> dict[int, Agency]:
    return {agency.pk: agency for agency in Agency.objects.order_by("name")}


def user_authorities(user: User) -> QuerySet[Agency]:
    """The local authorities whose panels the user works with (through any membership)."""
    agency_ids = Membership.objects.filter(user=user, is_active=True).values("team__agency_id")
    return Agency.objects.filter(pk__in=agency_ids, kind=AgencyKind.LOCAL_AUTHORITY).order_by(
        "name"
    )


def strategy_items(meeting: StrategyMeeting):
    """The HAR 18.4 items of a meeting the caller has shown the user may see."""
    return StrategyItem.objects.filter(meeting=meeting).select_related("owner_agency")


def visible_strategy_item(user: User, pk: int) -> StrategyItem | None:
    return (
        StrategyItem.objects.filter(child_visibility(user, "meeting__child_id"), pk=pk)
        .select_related("meeting__child")
        .first()
    )


def visible_meeting(user: User, pk: int) -> StrategyMeeting | None:
    """A strategy meeting about a child the user may see, with attendees and deadlines."""
    meeting = (
        StrategyMeeting.objects.filter(child_visibility(user, "child_id"), pk=pk)
        .select_related("child", "episode", "chair")
        .prefetch_related(
            Prefetch("attendees", queryset=MeetingAttendance.objects.select_related("agency")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at")),
        )
        .first()
    )
    note_record(meeting)  # the request's access event (core.audit)
    return meeting


def meeting_deadline(child: Child, deadline_id: int) -> Deadline | None:
    """A deadline of the child's that a meeting meets (the meeting form is pre-filled from it)."""
    return Deadline.objects.filter(
        pk=deadline_id, child=child, rule__in=list(MEETING_RULES)
    ).first()


def panel_meetings(authorities: QuerySet[Agency]) -> QuerySet[PanelMeeting]:
    """The panels of these authorities, newest first, with how many cases each has."""
    return (
        PanelMeeting.objects.filter(authority__in=authorities)
        .select_related("authority")
        .annotate(case_count=Count("cases"))
        .order_by("-meets_at")
    )


def visible_panel(user: User, pk: int) -> PanelMeeting | None:
    return (
        PanelMeeting.objects.filter(pk=pk, authority__in=user_authorities(user))
        .select_related("authority")
        .first()
    )


def panel_cases(user: User, panel: PanelMeeting) -> QuerySet[PanelCase]:
    """The panel's agenda: the children on it the user may see, with their actions."""
    return (
        PanelCase.objects.filter(meeting=panel)
        .filter(child_visibility(user, "child_id"))
        .select_related("child")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=PanelAction.objects.select_related(
                    "owner", "owner_agency", "carried_from__case__meeting"
                ).order_by("due_on", "pk"),
            )
        )
        .order_by("child__family_name", "child__given_name")
    )


def visible_case(user: User, case_pk: int) -> PanelCase | None:
    return (
        PanelCase.objects.filter(child_visibility(user, "child_id"), pk=case_pk)
        .filter(meeting__authority__in=user_authorities(user))
        .select_related("child", "meeting")
        .first()
    )


def visible_action(user: User, action_pk: int) -> PanelAction | None:
    return (
        PanelAction.objects.filter(child_visibility(user, "case__child_id"), pk=action_pk)
        .filter(case__meeting__authority__in=user_authorities(user))
        .select_related("case")
        .first()
    )


def agenda_candidates(user, panel: PanelMeeting, *, now: dt.datetime):
    """Children of the panel's authority who are rated Red (latest assessment), missing
    repeatedly (3 or more episodes in 90 days) or missing now, not yet on the agenda."""
    rules = protocol_settings()
    since = start_of_london_day(
        timezone.localdate(now) - dt.timedelta(days=rules.repeat_window_days)
    )
    latest_rag = RiskAssessment.objects.filter(child_id=OuterRef("pk")).order_by(
        "-assessed_at", "-pk"
    )
    recent = (
        Episode.objects.filter(
            child_id=OuterRef("pk"), entered_in_error=False, last_seen_at__gte=since
        )
        .order_by()
        .values("child_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    missing_now = Episode.objects.filter(
        child_id=OuterRef("pk"), returned_at__isnull=True, entered_in_error=False
    )
    on_agenda = PanelCase.objects.filter(meeting=panel, child_id=OuterRef("pk"))
    return (
        visible_children(user)
        .filter(responsible_authority=panel.authority)
        .annotate(
            latest_rag=Subquery(latest_rag.values("rag")[:1]),
            recent_episodes=Subquery(recent),
            missing_now=Exists(missing_now),
        )
        .filter(
            Q(latest_rag=Rag.RED)
            | Q(recent_episodes__gte=rules.repeat_episode_count)
            | Q(missing_now=True)
        )
        .exclude(Exists(on_agenda))
        .order_by("family_name", "given_name", "pk")
    )


def candidate_reason(child: Any) -> str:
    """`child` carries the agenda annotations latest_rag, recent_episodes, missing_now."""
    reasons = []
    if child.latest_rag == Rag.RED:
        reasons.append("Rated Red")
    if (child.recent_episodes or 0) >= protocol_settings().repeat_episode_count:
        reasons.append(
            f"{child.recent_episodes} episodes in {protocol_settings().repeat_window_days} days"
        )
    if child.missing_now:
        reasons.append("Missing now")
    return "; ".join(reasons)


@dataclasses.dataclass
class MeetingsOverview:
    upcoming: list[PanelMeeting]
    past: list[PanelMeeting]
    strategy_meetings: list[StrategyMeeting]
    may_schedule: bool


def meetings_overview(user: User, *, now: dt.datetime, limit: int = 50) -> MeetingsOverview:
    """The Meetings page: the exploitation panels of the user's authorities (the next
    first, then the most recent), each with the number of its children the user may see,
    and the strategy meetings held for the children they see."""
    authorities = user_authorities(user)
    today = start_of_london_day(timezone.localdate(now))
    visible_cases = PanelCase.objects.filter(child_visibility(user, "child_id"))
    panels = (
        PanelMeeting.objects.filter(authority__in=authorities)
        .select_related("authority")
        .annotate(case_count=Count("cases", filter=Q(cases__in=visible_cases)))
    )
    return MeetingsOverview(
        upcoming=list(panels.filter(meets_at__gte=today).order_by("meets_at")[:limit]),
        past=list(panels.filter(meets_at__lt=today).order_by("-meets_at")[:limit]),
        strategy_meetings=list(
            StrategyMeeting.objects.filter(child_visibility(user, "child_id"))
            .select_related("child")
            .order_by("-held_at", "-pk")[:limit]
        ),
        may_schedule=authorities.exists(),
    )
