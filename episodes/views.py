"""Reporting an episode, and what follows: the return, the safe and well check,
reclassification, and marking an episode entered in error.

Thin views: each parses its form, checks the user may see the child (a 404 otherwise),
calls one service and redirects to the episode's page with a confirmation banner. A
service's refusal is shown as a GOV.UK error against the field it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import User
from agencies.views import SignedInRequest
from casework.deadlines import deadline_rows
from casework.services import report_episode
from children.models import Child, LegalStatusKind
from children.permissions import Action, allows, may, roles_for_child
from children.selectors import current_legal_status, visible_child_or_404
from core.audit import note_record
from core.errors import ServiceError
from core.forms import RecordVersionMixin
from episodes import services
from episodes.forms import (
    SERVICE_FIELDS,
    EnteredInErrorForm,
    EpisodeInformationForm,
    HomeOfficeNoticeForm,
    PhilomenaPartTwoForm,
    PoliceReportForm,
    ReclassifyForm,
    ReopenForm,
    ReportEpisodeForm,
    ReturnForm,
    SafeAndWellCheckForm,
    SafeguardingCheckAnswerForm,
    SafeguardingCheckRequestForm,
)
from episodes.models import CheckStatus, Episode
from episodes.selectors import (
    episode_check_requests,
    may_request_checks,
    received_check_requests,
    receiving_authority_ids,
    visible_check_request,
    visible_episode,
)
from protocol.selectors import episode_deadlines


def _visible_episode(user: Any, episode_id: int) -> Episode:
    episode = visible_episode(user, episode_id)
    if episode is None:
        raise Http404("No episode found")
    return episode


def _person(request: SignedInRequest) -> User:
    """The signed-in person (every view here is login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _require(user, action: Action, child: Child) -> None:
    if not may(user, action, child):
        raise PermissionDenied(f"You may not {action.value.replace('_', ' ')} for this child.")


def _show_refusal(form, error: ServiceError) -> None:
    field = SERVICE_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: SignedInRequest, child_id: int) -> HttpResponse:
    child = visible_child_or_404(request.user, child_id)
    _require(request.user, Action.REPORT_EPISODE, child)
    today = timezone.localdate()
    status = current_legal_status(child, on=today)
    form = ReportEpisodeForm(
        request.POST or None,
        child=child,
        age=child.age_on(today),
        is_looked_after=bool(status and status.status == LegalStatusKind.LOOKED_AFTER),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reported_to_police = data["reported_to_police"] == "yes"
        try:
            # The report and its Philomena Part 2 stand or fall together.
            with transaction.atomic():
                episode = report_episode(
                    acting_user=request.user,
                    child=child,
                    category=data["category"],
                    last_seen_at=data["last_seen_at"],
                    missing_from=data["missing_from"] or None,
                    last_seen_location=data["last_seen_location"].strip(),
                    circumstances=data["circumstances"].strip(),
                    reported_to_police_at=timezone.now() if reported_to_police else None,
                    police_force=data["police_force"] if reported_to_police else None,
                    police_reference=data["police_reference"] if reported_to_police else "",
                    police_risk=data["police_risk"],
                    reason=data["reason"],
                    reason_other=data["reason_other"],
                )
                if data["clothing_when_last_seen"].strip() or data["who_with"].strip():
                    services.record_philomena_part_two(
                        acting_user=_person(request),
                        episode=episode,
                        clothing_when_last_seen=data["clothing_when_last_seen"],
                        who_with=data["who_with"],
                        circumstances=data["circumstances"],
                    )
        except ServiceError as error:
            _show_refusal(form, error)
        else:
            opened = episode.deadlines.count()
            messages.success(
                request,
                f"{episode.get_category_display()} episode reported for {child.full_name}. "
                f"{opened} {'deadline' if opened == 1 else 'deadlines'} opened: see below.",
            )
            return redirect("episodes:detail", episode.pk)
    return render(request, "episodes/report.html", {"form": form, "child": child})


@login_required
def detail(request: SignedInRequest, episode_id: int) -> HttpResponse:
    episode = _visible_episode(request.user, episode_id)
    now = timezone.now()
    child = episode.child
    roles = roles_for_child(request.user, child)
    # The episode's deadlines are its child's: the roles just read serve their links too.
    deadlines = deadline_rows(
        request.user,
        episode_deadlines(episode),
        now,
        roles={child.pk: roles},
    )
    live = not episode.entered_in_error
    return render(
        request,
        "episodes/detail.html",
        {
            "episode": episode,
            "child": child,
            "deadlines": deadlines,
            "reclassifications": list(
                episode.reclassifications.select_related("reclassified_by").order_by(
                    "reclassified_at"
                )
            ),
            "checks": list(episode.safe_and_well_checks.order_by("checked_at")),
            "may_return": live
            and episode.returned_at is None
            and allows(roles, Action.RECORD_RETURN),
            "may_check": live
            and episode.returned_at is not None
            and allows(roles, Action.SAFE_AND_WELL_CHECK),
            "may_reclassify": live and allows(roles, Action.RECLASSIFY),
            "may_notify_home_office": live
            and child.is_uasc
            and episode.home_office_informed_at is None
            and allows(roles, Action.EDIT_CHILD),
            "may_record_police_report": live
            and episode.reported_to_police_at is None
            and allows(roles, Action.REPORT_EPISODE),
            "may_add_information": live and allows(roles, Action.ADD_INFORMATION),
            "may_request_checks": live and may_request_checks(request.user, episode),
            "check_requests": episode_check_requests(request.user, episode),
            "information": list(
                episode.information.select_related("recorded_by", "agency").order_by("recorded_at")
            ),
            "may_mark_error": live and allows(roles, Action.MARK_ENTERED_IN_ERROR),
            "may_confirm_match": episode.awaiting_match and allows(roles, Action.CONFIRM_MATCH),
            "may_correct_return": live
            and episode.returned_at is not None
            and allows(roles, Action.RECORD_RETURN),
            "may_reopen": live
            and episode.returned_at is not None
            and allows(roles, Action.REOPEN_EPISODE),
            "may_update_part_two": live and allows(roles, Action.RECORD_RETURN),
            "reopenings": list(
                episode.reopenings.select_related("reopened_by").order_by("reopened_at")
            ),
        },
    )


def _episode_form_view(
    request: SignedInRequest,
    episode_id: int,
    *,
    action: Action,
    form_class,
    template: str,
    perform,
    success: str,
    form_kwargs=None,
) -> HttpResponse:
    episode = _visible_episode(request.user, episode_id)
    if episode.entered_in_error:
        raise Http404("This episode was entered in error")
    _require(request.user, action, episode.child)
    kwargs = form_kwargs(episode) if form_kwargs else {}
    if issubclass(form_class, RecordVersionMixin):
        kwargs["record"] = episode  # the version this page is drawn at (core.forms)
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                # Checked under the row lock, so no change lands between check and write.
                current = Episode.objects.select_for_update().get(pk=episode.pk)
                if not (isinstance(form, RecordVersionMixin) and form.refuse_if_stale(current)):
                    perform(current, form.cleaned_data)
        except ServiceError as error:
            _show_refusal(form, error)
        else:
            if not getattr(form, "stale", False):
                messages.success(request, success)
                return redirect("episodes:detail", episode.pk)
            episode = _visible_episode(request.user, episode_id)  # as it is now
    return render(request, template, {"form": form, "episode": episode, "child": episode.child})


@login_required
@require_http_methods(["GET", "POST"])
def record_return(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.RECORD_RETURN,
        form_class=ReturnForm,
        template="episodes/return.html",
        perform=lambda episode, data: services.record_return(
            acting_user=request.user,
            episode=episode,
            returned_at=data["returned_at"],
            return_location=data["return_location"].strip(),
            how_found=data["how_found"],
            how_found_details=data["how_found_details"],
            found_with=data["found_with"],
            reason=data["reason"] or episode.reason,
            reason_other=data["reason_other"] if data["reason"] else episode.reason_other,
            return_concerns=data["return_concerns"],
        ),
        success="Return recorded. The safe and well check and the return interview are now due.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def safe_and_well_check(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.SAFE_AND_WELL_CHECK,
        form_class=SafeAndWellCheckForm,
        template="episodes/safe_and_well_check.html",
        perform=lambda episode, data: services.record_safe_and_well_check(
            acting_user=request.user,
            episode=episode,
            checked_at=data["checked_at"],
            officer_name=data["officer_name"].strip(),
            concerns=data["concerns"].strip(),
        ),
        success="Safe and well check recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def home_office_notice(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.EDIT_CHILD,
        form_class=HomeOfficeNoticeForm,
        template="episodes/home_office_notice.html",
        perform=lambda episode, data: services.record_home_office_notice(
            acting_user=request.user,
            episode=episode,
            informed_at=data["informed_at"],
            nrm_referral_considered=data["nrm_referral_considered"],
        ),
        success="Home Office notice recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def police_report(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.REPORT_EPISODE,
        form_class=PoliceReportForm,
        template="episodes/police_report.html",
        perform=lambda episode, data: services.record_police_report(
            acting_user=request.user,
            episode=episode,
            reported_to_police_at=data["reported_to_police_at"],
            police_reference=data["police_reference"].strip(),
        ),
        success="Report to police recorded.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_information(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.ADD_INFORMATION,
        form_class=EpisodeInformationForm,
        template="episodes/information.html",
        perform=lambda episode, data: services.add_episode_information(
            acting_user=request.user,
            episode=episode,
            kind=data["kind"],
            details=data["details"],
        ),
        success="Information added to the episode.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def reclassify(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.RECLASSIFY,
        form_class=ReclassifyForm,
        template="episodes/reclassify.html",
        perform=lambda episode, data: services.reclassify_episode(
            acting_user=request.user,
            episode=episode,
            category=data["category"],
            reason=data["reason"],
        ),
        success="Episode reclassified. The deadlines now follow the new category.",
        form_kwargs=lambda episode: {"current": episode.category},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entered_in_error(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.MARK_ENTERED_IN_ERROR,
        form_class=EnteredInErrorForm,
        template="episodes/entered_in_error.html",
        perform=lambda episode, data: services.mark_entered_in_error(
            acting_user=request.user, episode=episode, reason=data["reason"]
        ),
        success="Episode marked as entered in error. Its deadlines are cancelled.",
    )


def _return_initial(episode: Episode) -> dict[str, object]:
    if episode.returned_at is None:
        return {}
    local = timezone.localtime(episode.returned_at)
    return {
        "returned_day": str(local.day),
        "returned_month": str(local.month),
        "returned_year": str(local.year),
        "returned_time": f"{local:%H:%M}",
        "return_location": episode.return_location,
        "how_found": episode.how_found,
        "how_found_details": episode.how_found_details,
        "found_with": episode.found_with,
        "reason": episode.reason,
        "reason_other": episode.reason_other,
        "return_concerns": episode.return_concerns,
    }


@login_required
@require_http_methods(["GET", "POST"])
def correct_return(request: SignedInRequest, episode_id: int) -> HttpResponse:
    """Correct the return time and place, with the API's rules (services.update_episode)."""
    episode = _visible_episode(request.user, episode_id)
    if episode.returned_at is None:
        raise Http404("No return recorded")
    return _episode_form_view(
        request,
        episode_id,
        action=Action.RECORD_RETURN,
        form_class=ReturnForm,
        template="episodes/correct_return.html",
        perform=lambda episode, data: services.update_episode(
            acting_user=request.user,
            episode=episode,
            returned_at=data["returned_at"],
            return_location=data["return_location"].strip(),
            how_found=data["how_found"],
            how_found_details=data["how_found_details"].strip(),
            found_with=data["found_with"].strip(),
            reason=data["reason"],
            reason_other=data["reason_other"].strip(),
            return_concerns=data["return_concerns"],
        ),
        success="Return corrected. The deadlines follow the corrected time.",
        form_kwargs=lambda episode: {"initial": _return_initial(episode)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request: SignedInRequest, episode_id: int) -> HttpResponse:
    user = _person(request)
    episode = _visible_episode(user, episode_id)
    if episode.returned_at is None:
        raise Http404("No return recorded")
    return _episode_form_view(
        request,
        episode_id,
        action=Action.REOPEN_EPISODE,
        form_class=ReopenForm,
        template="episodes/reopen.html",
        perform=lambda episode, data: services.reopen_episode(
            acting_user=user, episode=episode, reason=data["reason"]
        ),
        success="Episode re-opened: the child is recorded as missing again.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def philomena_part_two(request: SignedInRequest, episode_id: int) -> HttpResponse:
    return _episode_form_view(
        request,
        episode_id,
        action=Action.RECORD_RETURN,
        form_class=PhilomenaPartTwoForm,
        template="episodes/philomena_part_two.html",
        perform=lambda episode, data: services.record_philomena_part_two(
            acting_user=_person(request), episode=episode, **data
        ),
        success="Philomena Part 2 saved.",
        form_kwargs=lambda episode: {
            "initial": {
                "clothing_when_last_seen": episode.clothing_when_last_seen,
                "who_with": episode.who_with,
                "circumstances": episode.circumstances,
            }
        },
    )


# Safeguarding checks asked of another authority (HAR 14.3; issue 15, decision 0018).


@login_required
@require_http_methods(["GET", "POST"])
def request_checks(request: SignedInRequest, episode_id: int) -> HttpResponse:
    episode = _visible_episode(request.user, episode_id)
    if episode.entered_in_error:
        raise Http404("This episode was entered in error")
    if not may_request_checks(request.user, episode):
        raise PermissionDenied("You may not request safeguarding checks for this child.")
    form = SafeguardingCheckRequestForm(request.POST or None, episode=episode)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_safeguarding_checks(
                acting_user=request.user,
                episode=episode,
                to_authority=form.cleaned_data["to_authority"],
                asked=form.cleaned_data["asked"],
            )
        except ServiceError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, "Safeguarding checks requested.")
            return redirect("episodes:detail", episode.pk)
    return render(
        request,
        "episodes/request_checks.html",
        {"form": form, "episode": episode, "child": episode.child},
    )


@login_required
@require_http_methods(["GET"])
def checks_received(request: SignedInRequest) -> HttpResponse:
    rows = list(received_check_requests(request.user).order_by("status", "-requested_at")[:200])
    for row in rows:
        note_record(row)
    return render(request, "episodes/checks_received.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def check_request(request: SignedInRequest, request_id: int) -> HttpResponse:
    found = visible_check_request(request.user, request_id)
    if found is None:
        raise Http404("No request found")
    may_answer = (
        found.status == CheckStatus.OPEN
        and found.to_authority_id in receiving_authority_ids(request.user)
    )
    form = SafeguardingCheckAnswerForm(request.POST or None) if may_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("You may not answer this request.")
        if form.is_valid():
            try:
                services.answer_safeguarding_checks(
                    acting_user=request.user,
                    check_request=found,
                    answer=form.cleaned_data["answer"],
                )
            except ServiceError as error:
                _show_refusal(form, error)
            else:
                messages.success(request, "Answer sent.")
                return redirect("episodes:check_request", found.pk)
    return render(
        request,
        "episodes/check_request.html",
        {"found": found, "form": form},
    )
