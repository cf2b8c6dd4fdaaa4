"""Return interviews: the officer's list of returns awaiting interview, and the interview record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.views import SignedInRequest
from children.permissions import Action, allows, may, roles_by_child, sights_for
from children.selectors import visible_child_or_404
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from core.numbers import whole_number
from protocol.selectors import still_owed, still_to_meet
from returns.forms import AttemptForm, OutcomeFields, ReturnInterviewForm
from returns.models import (
    PullFactor,
    PushFactor,
    ReturnInterview,
)
from returns.selectors import awaiting_interview, uninterviewed_episodes, visible_interview
from returns.services import (
    complete_return_interview,
    interviewer_independence_concern,
    record_interview_attempt,
    record_return_interview,
)

LIST_LIMIT = 200


def _interview_or_404(user: Any, pk: int) -> ReturnInterview:
    interview = visible_interview(user, pk)
    if interview is None:
        raise Http404("No such interview")
    return interview


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    # Still owed (decision 0014): a breach whose episode returned more than 28 days ago
    # and which fell due more than 28 days ago leaves the work list (it stays on the
    # record and in the compliance reports), so the list starts from the live deadlines
    # of the officer's children (the partial index), not every breach of three years.
    deadlines = list(
        awaiting_interview(request.user).filter(still_to_meet(), still_owed(timezone.now()))[
            :LIST_LIMIT
        ]
    )
    roles = roles_by_child(request.user, {deadline.child_id for deadline in deadlines})
    for deadline in deadlines:
        deadline.may_record = allows(  # type: ignore[attr-defined]
            roles.get(deadline.child_id, frozenset()), Action.RETURN_INTERVIEW
        )
    return render(request, "returns/index.html", {"deadlines": deadlines, "limit": LIST_LIMIT})


@login_required
def record(request: SignedInRequest, child_id: int) -> HttpResponse:
    """Record an interview offered (and its outcome, if known), covering one or more episodes."""
    child = visible_child_or_404(request.user, child_id)
    if not may(request.user, Action.RETURN_INTERVIEW, child):
        raise PermissionDenied("You may not record return interviews for this child.")
    episodes = uninterviewed_episodes(child)
    initial = {}
    chosen = whole_number(request.GET.get("episode"))
    if chosen is not None:
        initial["episodes"] = [chosen]
    form = ReturnInterviewForm(request.POST or None, episodes=episodes, initial=initial)
    concern = interviewer_independence_concern(child, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            interview = record_return_interview(
                acting_user=request.user,
                child=child,
                episodes=list(form.cleaned_data["episodes"]),
                offered_at=form.cleaned_data["offered_at"],
                interviewer=request.user,
                attempts=form.attempts(),
                **form.outcome_arguments(),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(
                form, error, {"attempted_at": "attempt_1_at", "method": "attempt_1_method"}
            )
        else:
            messages.success(request, f"Return interview recorded for {child.full_name}.")
            return redirect("returns:interview", interview.pk)
    return render(
        request,
        "returns/record.html",
        {"child": child, "form": form, "concern": concern, "has_episodes": episodes.exists()},
    )


def _interview_page(
    request, interview, *, attempt_form=None, outcome_form=None, status=200
) -> HttpResponse:
    failed = attempt_form if attempt_form is not None else outcome_form
    context = {
        "interview": interview,
        "child": interview.child,
        "attempt_form": attempt_form or AttemptForm(),
        "outcome_form": outcome_form or OutcomeFields(),
        "form": failed,
        "may_record": may(request.user, Action.RETURN_INTERVIEW, interview.child),
        "sights": sights_for(request.user, interview.child),
        "push_labels": [PushFactor(code).label for code in interview.push_factors],
        "pull_labels": [PullFactor(code).label for code in interview.pull_factors],
    }
    return render(request, "returns/interview.html", context, status=status)


@login_required
def interview(request: SignedInRequest, pk: int) -> HttpResponse:
    return _interview_page(request, _interview_or_404(request.user, pk))


@login_required
@require_POST
def add_attempt(request: SignedInRequest, pk: int) -> HttpResponse:
    interview = _interview_or_404(request.user, pk)
    form = AttemptForm(request.POST)
    if form.is_valid():
        try:
            record_interview_attempt(
                acting_user=request.user, interview=interview, **form.cleaned_data
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Attempt recorded.")
            return redirect("returns:interview", interview.pk)
    return _interview_page(request, interview, attempt_form=form, status=400)


@login_required
@require_POST
def record_outcome(request: SignedInRequest, pk: int) -> HttpResponse:
    interview = _interview_or_404(request.user, pk)
    form = OutcomeFields(request.POST)
    if form.is_valid():
        try:
            complete_return_interview(
                acting_user=request.user, interview=interview, **form.outcome_arguments()
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"Outcome recorded for {interview.child.full_name}'s return interview."
            )
            return redirect("returns:interview", interview.pk)
    return _interview_page(request, interview, outcome_form=form, status=400)
