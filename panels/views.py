"""Strategy meetings (from the deadline that requires one) and the exploitation panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import Agency, AgencyKind, Membership
from children.models import Child
from children.permissions import Action, may
from children.selectors import child_visibility, get_visible_child, visible_children
from core.clock import start_of_london_day
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from episodes.models import Episode
from panels.forms import (
    PanelActionForm,
    PanelCaseForm,
    PanelMeetingForm,
    PanelReferralForm,
    StrategyMeetingForm,
)
from panels.models import (
    MeetingAttendance,
    MeetingKind,
    MeetingTrigger,
    PanelAction,
    PanelCase,
    PanelMeeting,
    StrategyMeeting,
)
from panels.services import (
    add_panel_action,
    add_panel_case,
    complete_panel_action,
    record_strategy_meeting,
    refer_to_panel,
    schedule_panel_meeting,
)
from protocol.conf import protocol_settings
from protocol.models import MEETING_RULES, Deadline, Rule
from risk.models import Rag, RiskAssessment

AGENDA_CANDIDATE_LIMIT = 100


def _child_or_404(user, child_id: int) -> Child:
    try:
        return get_visible_child(user, child_id)
    except Child.DoesNotExist:
        raise Http404("No such child") from None


def _all_agencies() -> dict[int, Agency]:
    return {agency.pk: agency for agency in Agency.objects.order_by("name")}


def _user_authorities(user):
    """The local authorities whose panels the user works with (through any membership)."""
    agency_ids = Membership.objects.filter(user=user, is_active=True).values("team__agency_id")
    return Agency.objects.filter(pk__in=agency_ids, kind=AgencyKind.LOCAL_AUTHORITY).order_by(
        "name"
    )


def _meeting_prefill(deadline: Deadline | None) -> dict:
    if deadline is None:
        return {"kind": MeetingKind.STRATEGY_MEETING}
    kind, trigger = MEETING_RULES[deadline.rule]
    if deadline.rule == Rule.STRATEGY_MEETING and deadline.key.endswith(":repeat"):
        trigger = MeetingTrigger.REPEAT_EPISODES
    return {"kind": kind, "trigger": trigger, "episode": deadline.episode_id}


# Strategy meetings ---------------------------------------------------------------------


@login_required
def record_meeting(request: HttpRequest, child_id: int) -> HttpResponse:
    """Record a strategy meeting or discussion; from a deadline (?deadline=) it is pre-filled."""
    child = _child_or_404(request.user, child_id)
    if not may(request.user, Action.STRATEGY_MEETING, child):
        raise PermissionDenied("You may not record strategy meetings for this child.")
    deadline = None
    deadline_id = request.GET.get("deadline", "")
    if deadline_id.isdigit():
        deadline = Deadline.objects.filter(
            pk=int(deadline_id), child=child, rule__in=list(MEETING_RULES)
        ).first()
        if deadline is None:
            raise Http404("No such deadline")
    episodes = Episode.objects.filter(child=child, entered_in_error=False).order_by("-last_seen_at")
    form = StrategyMeetingForm(
        request.POST or None,
        episodes=episodes,
        agencies=_all_agencies(),
        initial=_meeting_prefill(deadline),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = record_strategy_meeting(
                acting_user=request.user,
                child=child,
                held_at=data["held_at"],
                kind=data["kind"],
                trigger=data["trigger"],
                episode=data["episode"],
                attendees=form.attendees(),
                decisions=data["decisions"],
                next_review_on=data["next_review_on"],
                chair=request.user,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error, {"attendees": "attendee_1_name"})
        else:
            messages.success(
                request, f"{meeting.get_kind_display()} recorded for {child.full_name}."
            )
            return redirect("panels:meeting", meeting.pk)
    return render(
        request, "panels/record_meeting.html", {"child": child, "form": form, "deadline": deadline}
    )


@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    strategy_meeting = (
        StrategyMeeting.objects.filter(child_visibility(request.user, "child_id"), pk=pk)
        .select_related("child", "episode", "chair")
        .prefetch_related(
            Prefetch("attendees", queryset=MeetingAttendance.objects.select_related("agency")),
            Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at")),
        )
        .first()
    )
    if strategy_meeting is None:
        raise Http404("No such meeting")
    return render(
        request,
        "panels/meeting.html",
        {"meeting": strategy_meeting, "child": strategy_meeting.child},
    )


@login_required
def refer(request: HttpRequest, child_id: int) -> HttpResponse:
    """Refer a child to the exploitation panel (meets panel_referral; Haringey protocol 18.5)."""
    child = _child_or_404(request.user, child_id)
    if not may(request.user, Action.STRATEGY_MEETING, child):
        raise PermissionDenied("You may not refer this child to the panel.")
    form = PanelReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            refer_to_panel(
                acting_user=request.user, child=child, reason=form.cleaned_data["reason"]
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"{child.full_name} has been referred to the exploitation panel."
            )
            return redirect("panels:index")
    return render(request, "panels/refer.html", {"child": child, "form": form})


# The exploitation panel ----------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Meetings: the exploitation panels of the user's authorities (the next first, then
    the most recent), and the strategy meetings held for the children they see."""
    authorities = _user_authorities(request.user)
    now = timezone.now()
    panels = PanelMeeting.objects.filter(authority__in=authorities).select_related("authority")
    visible_cases = PanelCase.objects.filter(child_visibility(request.user, "child_id"))
    panels = panels.annotate(case_count=Count("cases", filter=Q(cases__in=visible_cases)))
    upcoming = list(
        panels.filter(meets_at__gte=start_of_london_day(timezone.localdate(now))).order_by(
            "meets_at"
        )[:50]
    )
    past = list(
        panels.filter(meets_at__lt=start_of_london_day(timezone.localdate(now))).order_by(
            "-meets_at"
        )[:50]
    )
    strategy_meetings = list(
        StrategyMeeting.objects.filter(child_visibility(request.user, "child_id"))
        .select_related("child")
        .order_by("-held_at", "-pk")[:50]
    )
    return render(
        request,
        "panels/index.html",
        {
            "upcoming": upcoming,
            "past": past,
            "strategy_meetings": strategy_meetings,
            "may_schedule": authorities.exists(),
        },
    )


@login_required
def schedule(request: HttpRequest) -> HttpResponse:
    authorities = _user_authorities(request.user)
    if not authorities.exists():
        raise PermissionDenied("Only local authority staff schedule exploitation panels.")
    form = PanelMeetingForm(request.POST or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        try:
            panel = schedule_panel_meeting(acting_user=request.user, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{panel.get_kind_display()} scheduled.")
            return redirect("panels:panel", panel.pk)
    return render(request, "panels/schedule.html", {"form": form})


def _panel_or_404(user, pk: int) -> PanelMeeting:
    panel = (
        PanelMeeting.objects.filter(pk=pk, authority__in=_user_authorities(user))
        .select_related("authority")
        .first()
    )
    if panel is None:
        raise Http404("No such panel meeting")
    return panel


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


def _panel_page(request, panel: PanelMeeting, *, failed_form=None, failed_case_id=None, status=200):
    agencies = _all_agencies()
    cases = list(
        PanelCase.objects.filter(meeting=panel)
        .filter(child_visibility(request.user, "child_id"))
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
    for case in cases:
        if failed_form is not None and case.pk == failed_case_id:
            case.action_form = failed_form  # type: ignore[attr-defined]
        else:
            case.action_form = PanelActionForm(agencies=agencies, prefix=f"case-{case.pk}")  # type: ignore[attr-defined]
    candidates = list(
        agenda_candidates(request.user, panel, now=timezone.now())[:AGENDA_CANDIDATE_LIMIT]
    )
    for child in candidates:
        child.reason = candidate_reason(child)
    context = {
        "panel": panel,
        "cases": cases,
        "candidates": candidates,
        "form": failed_form,
        "today": timezone.localdate(),
    }
    return render(request, "panels/panel.html", context, status=status)


@login_required
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel_page(request, _panel_or_404(request.user, pk))


def _service_call(request, call, **kwargs):
    try:
        return call(acting_user=request.user, **kwargs), None
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        return None, error


@login_required
@require_POST
def add_case(request: HttpRequest, pk: int) -> HttpResponse:
    panel = _panel_or_404(request.user, pk)
    form = PanelCaseForm(request.POST)
    if not form.is_valid():
        raise Http404("No such child")
    child = _child_or_404(request.user, form.cleaned_data["child"])
    case, error = _service_call(
        request, add_panel_case, meeting=panel, child=child, reason=form.cleaned_data["reason"]
    )
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{child.full_name} added to the agenda.")
    return redirect("panels:panel", panel.pk)


def _case_or_404(user, case_pk: int) -> PanelCase:
    case = (
        PanelCase.objects.filter(child_visibility(user, "child_id"), pk=case_pk)
        .filter(meeting__authority__in=_user_authorities(user))
        .select_related("child", "meeting")
        .first()
    )
    if case is None:
        raise Http404("No such agenda item")
    return case


@login_required
@require_POST
def add_action(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_or_404(request.user, case_pk)
    form = PanelActionForm(request.POST, agencies=_all_agencies(), prefix=f"case-{case.pk}")
    if form.is_valid():
        _action, error = _service_call(
            request,
            add_panel_action,
            case=case,
            description=form.cleaned_data["description"],
            due_on=form.cleaned_data["due_on"],
            owner_agency=form.cleaned_data["owner_agency"],
        )
        if error is None:
            messages.success(request, f"Action added for {case.child.full_name}.")
            return redirect("panels:panel", case.meeting_id)
        add_service_error(form, error, {"owner": "owner_agency"})
    return _panel_page(request, case.meeting, failed_form=form, failed_case_id=case.pk, status=400)


@login_required
@require_POST
def complete_action(request: HttpRequest, action_pk: int) -> HttpResponse:
    action = (
        PanelAction.objects.filter(child_visibility(request.user, "case__child_id"), pk=action_pk)
        .filter(case__meeting__authority__in=_user_authorities(request.user))
        .select_related("case")
        .first()
    )
    if action is None:
        raise Http404("No such action")
    _done, error = _service_call(request, complete_panel_action, action=action)
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, "Action marked as done.")
    return redirect("panels:panel", action.case.meeting_id)
