"""MASH triage: the queue of open referrals, soonest assessment first, and the RAG rating."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.views import SignedInRequest
from children.permissions import Action, allows, may, roles_by_child
from children.selectors import visible_child_or_404
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from episodes.selectors import child_episodes
from protocol.conf import protocol_settings
from risk.forms import RiskAssessmentForm
from risk.selectors import (
    child_referral,
    rated_referrals,
    triage_queue,
    visible_assessment,
    visible_referral,
)
from risk.services import (
    amend_risk_assessment,
    close_mash_referral,
    minimum_threshold_level,
    record_risk_assessment,
)

QUEUE_LIMIT = 200


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    referrals = list(triage_queue(request.user)[:QUEUE_LIMIT])
    rated = list(rated_referrals(request.user)[:QUEUE_LIMIT])
    roles = roles_by_child(request.user, {r.child_id for r in [*referrals, *rated]})
    for referral in [*referrals, *rated]:
        referral.may_assess = allows(  # type: ignore[attr-defined]
            roles.get(referral.child_id, frozenset()), Action.ASSESS_RISK
        )
    return render(
        request,
        "risk/index.html",
        {"referrals": referrals, "rated": rated, "limit": QUEUE_LIMIT},
    )


@login_required
def amend(request: SignedInRequest, pk: int) -> HttpResponse:
    """Amend a rating its assessor made, while its referral is not closed."""
    assessment = visible_assessment(request.user, pk)
    if assessment is None:
        raise Http404("No such rating")
    if assessment.assessed_by_id != request.user.pk or not may(
        request.user, Action.ASSESS_RISK, assessment.child
    ):
        raise PermissionDenied("Only the person who made a rating may amend it.")
    initial = {
        "rag": assessment.rag,
        "threshold_level": assessment.threshold_level,
        "indicators": assessment.indicators,
        "rationale": assessment.rationale,
    }
    form = RiskAssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            amend_risk_assessment(
                acting_user=request.user,
                assessment=assessment,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                indicators=form.cleaned_data["indicators"],
                rationale=form.cleaned_data["rationale"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Risk rating amended for {assessment.child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/assess.html",
        {
            "child": assessment.child,
            "referral": assessment.referral,
            "episode": assessment.episode,
            "form": form,
            "amending": assessment,
        },
    )


@login_required
@require_POST
def close(request: SignedInRequest, pk: int) -> HttpResponse:
    """Close a rated referral: MASH has done its part."""
    referral = visible_referral(request.user, pk)
    if referral is None:
        raise Http404("No such referral")
    try:
        # Signed in (login_required): a person, never the anonymous user.
        close_mash_referral(acting_user=request.user, referral=referral)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Referral for {referral.child.full_name} closed.")
    return redirect("risk:index")


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def assess(request: SignedInRequest, child_id: int) -> HttpResponse:
    """RAG-rate a child's risk: for a MASH referral (?referral=) or an episode (?episode=)."""
    child = visible_child_or_404(request.user, child_id)
    referral = episode = None
    referral_id = _number(request.GET.get("referral"))
    episode_id = _number(request.GET.get("episode"))
    if referral_id is not None:
        referral = child_referral(child, referral_id)
        if referral is None:
            raise Http404("No such referral")
        episode = referral.episode
    elif episode_id is not None:
        episode = child_episodes(child).filter(pk=episode_id).first()
        if episode is None:
            raise Http404("No such episode")
    if not may(request.user, Action.ASSESS_RISK, child):
        raise PermissionDenied("You may not rate this child's risk.")
    minimum = minimum_threshold_level(child, at=timezone.now())
    hint = ""
    if minimum is not None:
        rules = protocol_settings()
        hint = (
            f"{child.given_name} has gone missing {rules.mash_threshold_episode_count} or more times in "
            f"the last {rules.mash_threshold_window_months} months, so the level must be {minimum} or "
            "above (Haringey protocol 14.5)."
        )
    form = RiskAssessmentForm(request.POST or None, threshold_hint=hint)
    if request.method == "POST" and form.is_valid():
        try:
            record_risk_assessment(
                acting_user=request.user,
                child=child,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                indicators=form.cleaned_data["indicators"],
                rationale=form.cleaned_data["rationale"],
                episode=episode,
                referral=referral,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Risk rating recorded for {child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/assess.html",
        {
            "child": child,
            "referral": referral,
            "episode": episode,
            "form": form,
            "minimum_level": minimum,
        },
    )
