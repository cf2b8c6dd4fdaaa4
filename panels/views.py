"""Strategy meetings (from the deadline that requires one) and the exploitation panel."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.models import Agency
from agencies.views import SignedInRequest
from children.permissions import Action, may, sights_for
from children.selectors import visible_child_or_404
from contextual.models import AssociateLink, EpisodePlace, MissingWith
from core.audit import note_record
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from core.numbers import page_number, whole_number
from episodes.selectors import child_episodes
from panels.forms import (
    AttendanceForm,
    DiscussionForm,
    IntelligenceForm,
    PanelActionForm,
    PanelCaseForm,
    PanelMeetingForm,
    PanelMemberForm,
    PanelReferralForm,
    PanelSetUpForm,
    StrategyItemForm,
    StrategyMeetingForm,
)
from panels.models import (
    MeetingKind,
    MeetingTrigger,
    PanelCase,
    PanelMeeting,
)
from panels.selectors import (
    agenda_candidates,
    all_agencies,
    approaching_adulthood,
    candidate_reason,
    intelligence_choices,
    meeting_deadline,
    meetings_overview,
    panel_cases,
    panel_run_authority_ids,
    run_panels,
    strategy_items,
    visible_action,
    visible_case,
    visible_meeting,
    visible_panel,
    visible_standing_panel,
    visible_strategy_item,
)
from panels.services import (
    add_panel_action,
    add_panel_case,
    add_panel_member,
    add_strategy_item,
    complete_panel_action,
    complete_strategy_item,
    link_panel_intelligence,
    record_panel_attendance,
    record_panel_discussion,
    record_strategy_meeting,
    refer_to_panel,
    schedule_next_panel_meeting,
    schedule_panel_meeting,
    set_up_panel,
)
from protocol.models import MEETING_RULES, Deadline, Rule

# The children to consider, a page at a time: an authority's panel can have hundreds
# (432 for one of the national bench's), and each shown is an access event (issue 13).
CANDIDATE_PAGE_SIZE = 25


def _meeting_prefill(deadline: Deadline | None) -> dict:
    if deadline is None:
        return {"kind": MeetingKind.STRATEGY_MEETING}
    kind, trigger = MEETING_RULES[deadline.rule]
    if deadline.rule == Rule.STRATEGY_MEETING and deadline.key.endswith(":repeat"):
        trigger = MeetingTrigger.REPEAT_EPISODES
    return {"kind": kind, "trigger": trigger, "episode": deadline.episode_id}


# Strategy meetings ---------------------------------------------------------------------


@login_required
def record_meeting(request: SignedInRequest, child_id: int) -> HttpResponse:
    """Record a strategy meeting or discussion; from a deadline (?deadline=) it is pre-filled."""
    child = visible_child_or_404(request.user, child_id)
    if not may(request.user, Action.STRATEGY_MEETING, child):
        raise PermissionDenied("You may not record strategy meetings for this child.")
    deadline = None
    deadline_id = request.GET.get("deadline", "")
    if deadline_id:
        number = whole_number(deadline_id)
        deadline = meeting_deadline(child, number) if number is not None else None
        if deadline is None:
            raise Http404("No such deadline")
    episodes = child_episodes(child)
    form = StrategyMeetingForm(
        request.POST or None,
        episodes=episodes,
        agencies=all_agencies(),
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
                concern_resolved=data["concern_resolved"],
                concern_resolved_reason=data["concern_resolved_reason"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(
                form,
                error,
                {"attendees": "attendee_1_name", "concern_resolved": "concern_resolved_reason"},
            )
        else:
            messages.success(
                request, f"{meeting.get_kind_display()} recorded for {child.full_name}."
            )
            return redirect("panels:meeting", meeting.pk)
    return render(
        request, "panels/record_meeting.html", {"child": child, "form": form, "deadline": deadline}
    )


@login_required
def meeting(request: SignedInRequest, pk: int) -> HttpResponse:
    """A strategy meeting's record; those who may record meetings add HAR 18.4 items to
    it (POST) and mark actions done."""
    strategy_meeting = visible_meeting(request.user, pk)
    if strategy_meeting is None:
        raise Http404("No such meeting")
    may_record = may(request.user, Action.STRATEGY_MEETING, strategy_meeting.child)
    sights = sights_for(request.user, strategy_meeting.child)
    item_form = StrategyItemForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if item_form is None:
            raise PermissionDenied("You may not record strategy meetings for this child.")
        if item_form.is_valid():
            data = item_form.cleaned_data
            try:
                add_strategy_item(
                    acting_user=request.user,
                    meeting=strategy_meeting,
                    kind=data["kind"],
                    decision=data["decision"],
                    owner_name=data["owner_name"],
                    due_on=data["due_on"],
                    parental_consent=data["parental_consent"],
                    photo_publication_consent=data["photo_publication_consent"],
                )
            except NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except ServiceError as error:
                add_service_error(item_form, error)
            else:
                messages.success(request, "Item added to the meeting's record.")
                return redirect("panels:meeting", strategy_meeting.pk)
    return render(
        request,
        "panels/meeting.html",
        {
            "meeting": strategy_meeting,
            "child": strategy_meeting.child,
            "sights": sights,
            "items": strategy_items(strategy_meeting) if "meeting_content" in sights else [],
            "item_form": item_form,
            "may_record": may_record,
        },
        status=400 if item_form is not None and item_form.errors else 200,
    )


@login_required
@require_POST
def complete_item(request: SignedInRequest, item_pk: int) -> HttpResponse:
    item = visible_strategy_item(request.user, item_pk)
    if item is None:
        raise Http404("No such item")
    try:
        complete_strategy_item(acting_user=request.user, item=item)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Action recorded as done.")
    return redirect("panels:meeting", item.meeting_id)


@login_required
def refer(request: SignedInRequest, child_id: int) -> HttpResponse:
    """Refer a child to a panel (MACE, MASE, SEARCH, the Exploitation Panel), from any
    agency that knows the child, police included (issue 12; Haringey protocol 18.5)."""
    child = visible_child_or_404(request.user, child_id)
    if not may(request.user, Action.REFER_TO_PANEL, child):
        raise PermissionDenied("You may not refer this child to a panel.")
    form = PanelReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = refer_to_panel(
                acting_user=request.user,
                child=child,
                reason=data["reason"],
                panel_kind=data["panel_kind"],
                indicators=data["indicators"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"{child.full_name} has been referred to the {referral.get_panel_kind_display()}.",
            )
            return redirect("casework:child_record", child.pk)
    return render(
        request,
        "panels/refer.html",
        {"child": child, "form": form},
        status=400 if form.errors else 200,
    )


# The exploitation panel ----------------------------------------------------------------


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    """Meetings: the exploitation panels of the user's authorities (the next first, then
    the most recent), and the strategy meetings held for the children they see."""
    overview = meetings_overview(request.user, now=timezone.now())
    return render(request, "panels/index.html", dataclasses.asdict(overview))


@login_required
def schedule(request: SignedInRequest) -> HttpResponse:
    authorities = Agency.objects.filter(pk__in=panel_run_authority_ids(request.user))
    if not authorities.exists():
        raise PermissionDenied("Only those who run an authority's panels schedule them.")
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
    panel = visible_panel(user, pk)
    if panel is None:
        raise Http404("No such panel meeting")
    return panel


def _panel_page(request, panel: PanelMeeting, *, failed_form=None, failed_case_id=None, status=200):
    agencies = all_agencies()
    cases = list(panel_cases(request.user, panel))
    for case in cases:
        if failed_form is not None and case.pk == failed_case_id:
            case.action_form = failed_form  # type: ignore[attr-defined]
        else:
            case.action_form = PanelActionForm(agencies=agencies, prefix=f"case-{case.pk}")  # type: ignore[attr-defined]
    page = page_number(request.GET.get("candidates"))
    start = (page - 1) * CANDIDATE_PAGE_SIZE
    # One more than the page, to know whether there is a next page without a count.
    candidates = list(
        agenda_candidates(request.user, panel, now=timezone.now())[
            start : start + CANDIDATE_PAGE_SIZE + 1
        ]
    )
    has_next = len(candidates) > CANDIDATE_PAGE_SIZE
    candidates = candidates[:CANDIDATE_PAGE_SIZE]
    for child in candidates:
        child.reason = candidate_reason(child)
    # The panel page's access events: each child on the agenda and each candidate shown.
    for case in cases:
        note_record(case)
    for child in candidates:
        note_record(child)
    meeting_day = timezone.localdate(panel.meets_at)
    choices = intelligence_choices(request.user, [case.child for case in cases])
    for case in cases:
        case.transition = approaching_adulthood(case.child, meeting_day)  # type: ignore[attr-defined]
        case.discussion_form = DiscussionForm(  # type: ignore[attr-defined]
            initial={"discussion": case.discussion}, prefix=f"discuss-{case.pk}"
        )
        case.intelligence_form = IntelligenceForm(  # type: ignore[attr-defined]
            choices=choices[case.child_id], prefix=f"intel-{case.pk}"
        )
    members = list(panel.panel.members.select_related("agency")) if panel.panel else []
    attendance = {row.member_id: row for row in panel.attendance.select_related("member__agency")}
    attendance_form = AttendanceForm(
        members=members,
        initial={f"member_{pk}": row.status for pk, row in attendance.items()},
        prefix="attendance",
    )
    runs = panel.authority_id in panel_run_authority_ids(request.user)
    context = {
        "panel": panel,
        "cases": cases,
        "candidates": candidates,
        "candidate_page": page,
        "candidates_from": start + 1,
        "candidates_to": start + len(candidates),
        "previous_candidates_url": _candidates_url(request, panel, page - 1) if page > 1 else "",
        "next_candidates_url": _candidates_url(request, panel, page + 1) if has_next else "",
        "form": failed_form,
        "today": timezone.localdate(),
        "attendance_form": attendance_form if members and runs else None,
        "attendance": [attendance[m.pk] for m in members if m.pk in attendance],
        "may_schedule_next": runs and panel.panel_id is not None,
    }
    return render(request, "panels/panel.html", context, status=status)


def _candidates_url(request, panel: PanelMeeting, page: int) -> str:
    """The panel page at another page of children to consider, at that list (from a
    refused form too, whose own URL is the form's action)."""
    query = request.GET.copy()
    query["candidates"] = str(page)
    path = reverse("panels:panel", args=[panel.pk])
    return f"{path}?{query.urlencode()}#candidates-heading"


@login_required
def panel(request: SignedInRequest, pk: int) -> HttpResponse:
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
def add_case(request: SignedInRequest, pk: int) -> HttpResponse:
    panel = _panel_or_404(request.user, pk)
    form = PanelCaseForm(request.POST)
    if not form.is_valid():
        raise Http404("No such child")
    child = visible_child_or_404(request.user, form.cleaned_data["child"])
    case, error = _service_call(
        request, add_panel_case, meeting=panel, child=child, reason=form.cleaned_data["reason"]
    )
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{child.full_name} added to the agenda.")
    return redirect("panels:panel", panel.pk)


def _case_or_404(user, case_pk: int) -> PanelCase:
    case = visible_case(user, case_pk)
    if case is None:
        raise Http404("No such agenda item")
    return case


@login_required
@require_POST
def add_action(request: SignedInRequest, case_pk: int) -> HttpResponse:
    case = _case_or_404(request.user, case_pk)
    form = PanelActionForm(request.POST, agencies=all_agencies(), prefix=f"case-{case.pk}")
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
def complete_action(request: SignedInRequest, action_pk: int) -> HttpResponse:
    action = visible_action(request.user, action_pk)
    if action is None:
        raise Http404("No such action")
    _done, error = _service_call(request, complete_panel_action, action=action)
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, "Action marked as done.")
    return redirect("panels:panel", action.case.meeting_id)


@login_required
@require_POST
def discuss(request: SignedInRequest, case_pk: int) -> HttpResponse:
    """The panel's discussion of one child (meets the panel_referral deadline)."""
    case = _case_or_404(request.user, case_pk)
    form = DiscussionForm(request.POST, prefix=f"discuss-{case.pk}")
    if not form.is_valid():
        messages.error(request, "Record what the panel discussed.")
        return redirect("panels:panel", case.meeting_id)
    _case, error = _service_call(
        request, record_panel_discussion, case=case, discussion=form.cleaned_data["discussion"]
    )
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Discussion of {case.child.full_name} recorded.")
    return redirect("panels:panel", case.meeting_id)


INTELLIGENCE_KINDS: dict[str, tuple[str, Any]] = {
    "place": ("episode_place", EpisodePlace),
    "associate": ("associate_link", AssociateLink),
    "with": ("missing_with", MissingWith),
}


@login_required
@require_POST
def link_intelligence(request: SignedInRequest, case_pk: int) -> HttpResponse:
    """Link a place, associate or missing-with record to the child's discussion."""
    case = _case_or_404(request.user, case_pk)
    choices = intelligence_choices(request.user, [case.child])[case.child_id]
    form = IntelligenceForm(request.POST, choices=choices, prefix=f"intel-{case.pk}")
    if not form.is_valid():
        messages.error(request, "Choose a record to link.")
        return redirect("panels:panel", case.meeting_id)
    kind, _, pk = form.cleaned_data["record"].partition(":")
    argument, model = INTELLIGENCE_KINDS[kind]
    record = model.objects.get(pk=int(pk))  # offered by intelligence_choices: the user sees it
    _link, error = _service_call(
        request,
        link_panel_intelligence,
        case=case,
        note=form.cleaned_data["note"],
        **{argument: record},
    )
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, "Intelligence linked.")
    return redirect("panels:panel", case.meeting_id)


@login_required
@require_POST
def attendance(request: SignedInRequest, pk: int) -> HttpResponse:
    panel = _panel_or_404(request.user, pk)
    members = list(panel.panel.members.select_related("agency")) if panel.panel else []
    form = AttendanceForm(request.POST, members=members, prefix="attendance")
    if form.is_valid():
        _rows, error = _service_call(
            request, record_panel_attendance, meeting=panel, statuses=form.statuses()
        )
        if error is None:
            messages.success(request, "Attendance recorded.")
        else:
            messages.error(request, error.message)
    else:
        messages.error(request, "Choose attended, apologies or did not attend.")
    return redirect("panels:panel", panel.pk)


@login_required
def standing_panels(request: SignedInRequest) -> HttpResponse:
    """The authority's standing panels: set one up, its members, how often it meets."""
    authority_ids = panel_run_authority_ids(request.user)
    if not authority_ids:
        raise PermissionDenied("Only those who run an authority's panels set them up.")
    authorities = Agency.objects.filter(pk__in=authority_ids).order_by("name")
    form = PanelSetUpForm(request.POST or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        try:
            set_up_panel(acting_user=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Panel set up.")
            return redirect("panels:standing")
    agencies = all_agencies()
    panels = run_panels(request.user)
    for standing in panels:
        standing.member_form = PanelMemberForm(agencies=agencies, prefix=f"member-{standing.pk}")  # type: ignore[attr-defined]
    return render(
        request,
        "panels/standing.html",
        {"form": form, "panels": panels},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def add_member(request: SignedInRequest, pk: int) -> HttpResponse:
    standing = visible_standing_panel(request.user, pk)
    if standing is None:
        raise Http404("No such panel")
    form = PanelMemberForm(request.POST, agencies=all_agencies(), prefix=f"member-{standing.pk}")
    if form.is_valid():
        _member, error = _service_call(
            request, add_panel_member, panel=standing, **form.cleaned_data
        )
        if error is None:
            messages.success(request, f"{form.cleaned_data['name']} added to the panel.")
        else:
            messages.error(request, error.message)
    else:
        messages.error(request, "Enter the member's name and agency.")
    return redirect("panels:standing")


@login_required
@require_POST
def schedule_next(request: SignedInRequest, pk: int) -> HttpResponse:
    """The next meeting of this meeting's panel, one cadence on."""
    panel = _panel_or_404(request.user, pk)
    if panel.panel is None:
        raise Http404("This meeting belongs to no standing panel")
    meeting, error = _service_call(request, schedule_next_panel_meeting, panel=panel.panel)
    if error is not None:
        messages.error(request, error.message)
        return redirect("panels:panel", panel.pk)
    messages.success(request, "Next meeting scheduled.")
    return redirect("panels:panel", meeting.pk)
