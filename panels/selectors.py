"""Reads of strategy meetings and exploitation panels, for the user who asks."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, Role, User
from children.models import Child
from children.permissions import Sight, sights_by_child
from children.selectors import child_visibility, visible_children_of
from contextual.models import AssociateLink
from contextual.selectors import missing_with_on_children, visible_place_links
from core.audit import note_record
from core.clock import start_of_london_day
from episodes.models import Episode
from panels.models import (
    MeetingAttendance,
    Panel,
    PanelAction,
    PanelCase,
    PanelIntelligence,
    PanelMeeting,
    PanelMember,
    StrategyItem,
    StrategyMeeting,
)
from protocol.conf import protocol_settings
from protocol.models import MEETING_RULES, Deadline
from risk.models import Indicator, Rag, RiskAssessment


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


# Who runs an authority's panels (sets them up, schedules, records attendance): the roles
# that act at a panel (children.permissions Action.PANEL), in one of its teams.
PANEL_RUNNING_ROLES = (
    Role.PANEL_MEMBER,
    Role.TEAM_MANAGER,
    Role.MISSING_COORDINATOR,
    Role.SENIOR_MANAGER,
)


def panel_run_authority_ids(user) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            user=user,
            is_active=True,
            role__in=PANEL_RUNNING_ROLES,
            team__agency__kind=AgencyKind.LOCAL_AUTHORITY,
        ).values_list("team__agency_id", flat=True)
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
        .select_related("authority", "panel")
        .first()
    )


def panel_cases(user: User, panel: PanelMeeting) -> QuerySet[PanelCase]:
    """The panel's agenda: the children on it the user may see, with their actions."""
    return (
        PanelCase.objects.filter(meeting=panel)
        .filter(child_visibility(user, "child_id"))
        .select_related("child", "referral__referring_agency", "referral__referred_by")
        .prefetch_related(
            Prefetch(
                "intelligence",
                queryset=PanelIntelligence.objects.select_related(
                    "episode_place__place",
                    "episode_place__episode",
                    "associate_link__associate",
                    "missing_with__episode",
                    "shared_by",
                ),
            ),
            Prefetch(
                "actions",
                queryset=PanelAction.objects.select_related(
                    "owner", "owner_agency", "carried_from__case__meeting"
                ).order_by("due_on", "pk"),
            ),
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
    """Children of the panel's authority who are rated Red (latest assessment), show
    exploitation indicators (latest assessment, issue 12), are missing repeatedly (3 or
    more episodes in 90 days) or missing now, not yet on the agenda."""
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
    # Red or with exploitation indicators, by the latest assessment: one lookup of it per
    # child in the filter (three before, one per test), and the rating and indicators
    # read only for the rows shown.
    flagged = latest_rag.annotate(
        flag=ExpressionWrapper(
            Q(rag=Rag.RED) | Q(indicators__len__gt=0), output_field=BooleanField()
        )
    ).values("flag")[:1]
    return (
        visible_children_of(user, [panel.authority_id])
        .annotate(
            latest_flagged=Subquery(flagged),
            recent_episodes=Subquery(recent),
            missing_now=Exists(missing_now),
        )
        .filter(
            Q(latest_flagged=True)
            | Q(recent_episodes__gte=rules.repeat_episode_count)
            | Q(missing_now=True)
        )
        .annotate(
            latest_rag=Subquery(latest_rag.values("rag")[:1]),
            latest_indicators=Subquery(latest_rag.values("indicators")[:1]),
        )
        .exclude(Exists(on_agenda))
        .order_by("family_name", "given_name", "pk")
    )


def candidate_reason(child: Any) -> str:
    """`child` carries the agenda annotations latest_rag, recent_episodes, missing_now."""
    reasons = []
    if child.latest_rag == Rag.RED:
        reasons.append("Rated Red")
    if child.latest_indicators:
        labels = dict(Indicator.choices)
        reasons.append(
            "Exploitation indicators: "
            + ", ".join(labels.get(code, code) for code in child.latest_indicators)
        )
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


# Haringey 2016 2.6.4: young people approaching 18 with ongoing exploitation risk move to
# adult safeguarding. Being on an exploitation panel's agenda is that ongoing risk;
# "approaching" is the 18th birthday within this many months of the meeting (issue 12).
TRANSITION_MONTHS = 12


def approaching_adulthood(child: Child, on: dt.date) -> bool:
    """Whether the child turns 18 within TRANSITION_MONTHS of `on` (and is not 18 yet)."""
    birthday = _add_years(child.date_of_birth, 18)
    horizon = _add_months(on, TRANSITION_MONTHS)
    return on < birthday <= horizon


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def intelligence_choices(user, children: list[Child]) -> dict[int, list[tuple[str, str]]]:
    """For each child, the records a panel may link (never retype): places in the
    episodes the user sees, associates (for those who see them) and children missing
    with. A constant number of queries, however many children are on the agenda."""
    ids = [child.pk for child in children]
    choices: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    for place_link in (
        visible_place_links(user)
        .filter(child_id__in=ids)
        .select_related("place", "episode")
        .order_by("-episode__last_seen_at", "pk")
    ):
        last_seen = timezone.localtime(place_link.episode.last_seen_at)
        choices[place_link.child_id].append(
            (
                f"place:{place_link.pk}",
                f"Place: {place_link.place} ({place_link.get_role_display().lower()}, "
                f"{last_seen:%d %B %Y})",
            )
        )
    sights = sights_by_child(user, ids)
    with_sight = [pk for pk in ids if Sight.PANELS in sights.get(pk, frozenset())]
    for associate_link in AssociateLink.objects.filter(child_id__in=with_sight).select_related(
        "associate"
    ):
        choices[associate_link.child_id].append(
            (
                f"associate:{associate_link.pk}",
                f"Associate: {associate_link.associate} ({associate_link.role}, "
                f"graded {associate_link.grade})",
            )
        )
    for child_id, link, other in missing_with_on_children(user, ids):
        other_name = other.full_name if other else "another child you cannot see"
        choices[child_id].append((f"with:{link.pk}", f"Missing with {other_name}"))
    return choices


def run_panels(user) -> list[Panel]:
    """The standing panels of the authorities whose panels the user runs, with members."""
    return list(
        Panel.objects.filter(authority_id__in=panel_run_authority_ids(user))
        .select_related("authority")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=PanelMember.objects.filter(left_on__isnull=True).select_related("agency"),
            )
        )
        .order_by("authority__name", "kind")
    )


def visible_standing_panel(user, pk: int) -> Panel | None:
    return (
        Panel.objects.filter(pk=pk, authority_id__in=panel_run_authority_ids(user))
        .select_related("authority")
        .first()
    )


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
        may_schedule=bool(panel_run_authority_ids(user)),
    )
