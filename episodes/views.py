"""Reporting an episode, and what follows: the return, the safe and well check,
reclassification, and marking an episode entered in error.

Thin views: each parses its form, checks the user may see the child (a 404 otherwise),
calls one service and redirects to the episode's page with a confirmation banner. A
service's refusal is shown as a GOV.UK error against the field it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework.selectors import deadline_rows
from children.models import Child, LegalStatusKind
from children.permissions import Action, allows, may, roles_for_child
from children.selectors import child_visibility, current_legal_status, get_visible_child
from core.errors import ServiceError
from episodes import services
from episodes.forms import (
    SERVICE_FIELDS,
    EnteredInErrorForm,
    HomeOfficeNoticeForm,
    ReclassifyForm,
    ReportEpisodeForm,
    ReturnForm,
    SafeAndWellCheckForm,
)
from episodes.models import Episode
from protocol.models import Deadline


def _visible_child(user, child_id: int) -> Child:
    try:
        return get_visible_child(user, child_id)
    except Child.DoesNotExist as error:
        raise Http404("No child found") from error


def _visible_episode(user, episode_id: int) -> Episode:
    try:
        return (
            Episode.objects.filter(child_visibility(user, "child_id"))
            .select_related("child", "police_force", "reported_by", "placement")
            .get(pk=episode_id)
        )
    except Episode.DoesNotExist as error:
        raise Http404("No episode found") from error


def _require(user, action: Action, child: Child) -> None:
    if not may(user, action, child):
        raise PermissionDenied(f"You may not {action.value.replace('_', ' ')} for this child.")


def _show_refusal(form, error: ServiceError) -> None:
    field = SERVICE_FIELDS.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, child_id: int) -> HttpResponse:
    child = _visible_child(request.user, child_id)
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
            episode = services.report_episode(
                acting_user=request.user,
                child=child,
                category=data["category"],
                last_seen_at=data["last_seen_at"],
                missing_from=data["missing_from"],
                last_seen_location=data["last_seen_location"].strip(),
                circumstances=data["circumstances"].strip(),
                reported_to_police_at=timezone.now() if reported_to_police else None,
                police_force=data["police_force"] if reported_to_police else None,
                police_reference=data["police_reference"] if reported_to_police else "",
                police_risk=data["police_risk"],
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
def detail(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = _visible_episode(request.user, episode_id)
    now = timezone.now()
    deadlines = deadline_rows(
        request.user,
        Deadline.objects.filter(episode=episode).select_related("owner_team").order_by("due_at"),
        now,
    )
    child = episode.child
    live = not episode.entered_in_error
    roles = roles_for_child(request.user, child)
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
            "may_mark_error": live and allows(roles, Action.MARK_ENTERED_IN_ERROR),
        },
    )


def _episode_form_view(
    request: HttpRequest,
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
    form = form_class(request.POST or None, **(form_kwargs(episode) if form_kwargs else {}))
    if request.method == "POST" and form.is_valid():
        try:
            perform(episode, form.cleaned_data)
        except ServiceError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, success)
            return redirect("episodes:detail", episode.pk)
    return render(request, template, {"form": form, "episode": episode, "child": episode.child})


@login_required
@require_http_methods(["GET", "POST"])
def record_return(request: HttpRequest, episode_id: int) -> HttpResponse:
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
        ),
        success="Return recorded. The safe and well check and the return interview are now due.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def safe_and_well_check(request: HttpRequest, episode_id: int) -> HttpResponse:
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
def home_office_notice(request: HttpRequest, episode_id: int) -> HttpResponse:
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
def reclassify(request: HttpRequest, episode_id: int) -> HttpResponse:
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
def entered_in_error(request: HttpRequest, episode_id: int) -> HttpResponse:
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
