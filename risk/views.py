"""MASH triage, then the risk assessment (decision 0012): the queue of referrals awaiting
triage, soonest assessment first; the triage (RAG rating, threshold level, reason); the
missing child risk assessment record that the triage's clock is set for."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies.views import SignedInRequest
from children.models import Child
from children.permissions import Action, allows, may, roles_by_child
from children.selectors import visible_child_or_404
from core.errors import NotAllowed, ServiceError
from core.forms import StaleForm, add_service_error
from core.numbers import whole_number
from episodes.selectors import child_episodes
from protocol.conf import protocol_settings
from risk.forms import MashTriageForm, RiskAssessmentForm
from risk.models import MashTriage, RiskAssessment
from risk.selectors import (
    child_referral,
    rated_referrals,
    triage_for,
    triage_queue,
    visible_assessment,
    visible_referral,
    visible_triage,
)
from risk.services import (
    amend_risk_assessment,
    close_mash_referral,
    correct_mash_triage,
    minimum_threshold_level,
    record_mash_triage,
    record_risk_assessment,
)

QUEUE_LIMIT = 200


@login_required
def index(request: SignedInRequest) -> HttpResponse:
    referrals = list(triage_queue(request.user)[:QUEUE_LIMIT])
    rated = list(rated_referrals(request.user)[:QUEUE_LIMIT])
    roles = roles_by_child(request.user, {r.child_id for r in [*referrals, *rated]})
    for referral in [*referrals, *rated]:
        child_roles = roles.get(referral.child_id, frozenset())
        referral.may_triage = allows(child_roles, Action.TRIAGE_REFERRAL)  # type: ignore[attr-defined]
        referral.may_assess = allows(child_roles, Action.ASSESS_RISK)  # type: ignore[attr-defined]
    return render(
        request,
        "risk/index.html",
        {"referrals": referrals, "rated": rated, "limit": QUEUE_LIMIT},
    )


def _threshold_hint(child: Child) -> tuple[int | None, str]:
    minimum = minimum_threshold_level(child, at=timezone.now())
    if minimum is None:
        return None, ""
    rules = protocol_settings()
    return minimum, (
        f"{child.given_name} has gone missing {rules.mash_threshold_episode_count} or more times in "
        f"the last {rules.mash_threshold_window_months} months, so the level must be {minimum} or "
        "above (Haringey protocol 14.5)."
    )


@login_required
def triage(request: SignedInRequest, pk: int) -> HttpResponse:
    """MASH triages a referral: the rating that sets the risk assessment's clock."""
    referral = visible_referral(request.user, pk)
    if referral is None:
        raise Http404("No such referral")
    if not may(request.user, Action.TRIAGE_REFERRAL, referral.child):
        raise PermissionDenied("Only MASH triages a referral.")
    minimum, hint = _threshold_hint(referral.child)
    form = MashTriageForm(request.POST or None, threshold_hint=hint)
    if request.method == "POST" and form.is_valid():
        try:
            record_mash_triage(
                acting_user=request.user,
                referral=referral,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                reason=form.cleaned_data["reason"],
                triaged_at=form.cleaned_data["triaged_at"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Triage recorded for {referral.child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/triage.html",
        {
            "child": referral.child,
            "referral": referral,
            "episode": referral.episode,
            "form": form,
            "minimum_level": minimum,
        },
    )


@login_required
def correct_triage(request: SignedInRequest, pk: int) -> HttpResponse:
    """Correct a triage its maker made, while the referral is open."""
    found: MashTriage | None = visible_triage(request.user, pk)
    if found is None:
        raise Http404("No such triage")
    if found.triaged_by_id != request.user.pk or not may(
        request.user, Action.TRIAGE_REFERRAL, found.child
    ):
        raise PermissionDenied("Only the person who made a triage may correct it.")
    minimum, hint = _threshold_hint(found.child)
    initial = {
        "rag": found.rag,
        "threshold_level": found.threshold_level,
        "reason": found.reason,
        "triaged_at": found.triaged_at,
    }
    form = MashTriageForm(request.POST or None, initial=initial, threshold_hint=hint, record=found)
    if request.method == "POST" and form.is_valid():
        try:
            if form.refuse_if_stale(MashTriage.objects.get(pk=found.pk)):
                raise StaleForm
            correct_mash_triage(
                acting_user=request.user,
                triage=found,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                reason=form.cleaned_data["reason"],
                triaged_at=form.cleaned_data["triaged_at"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        except StaleForm:
            pass  # the form says who changed it, and when
        else:
            messages.success(request, f"Triage corrected for {found.child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/triage.html",
        {
            "child": found.child,
            "referral": found.referral,
            "episode": found.episode,
            "form": form,
            "correcting": found,
            "minimum_level": minimum,
        },
    )


@login_required
def amend(request: SignedInRequest, pk: int) -> HttpResponse:
    """Amend (or correct the time of) an assessment its assessor made."""
    assessment = visible_assessment(request.user, pk)
    if assessment is None:
        raise Http404("No such assessment")
    if assessment.assessed_by_id != request.user.pk or not may(
        request.user, Action.ASSESS_RISK, assessment.child
    ):
        raise PermissionDenied("Only the person who made an assessment may amend it.")
    initial = {
        "rag": assessment.rag,
        "threshold_level": assessment.threshold_level,
        "indicators": assessment.indicators,
        "rationale": assessment.rationale,
        "plan": assessment.plan,
        "assessed_at": assessment.assessed_at,
    }
    form = RiskAssessmentForm(request.POST or None, initial=initial, record=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            if form.refuse_if_stale(RiskAssessment.objects.get(pk=assessment.pk)):
                raise StaleForm
            amend_risk_assessment(
                acting_user=request.user,
                assessment=assessment,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                indicators=form.cleaned_data["indicators"],
                rationale=form.cleaned_data["rationale"],
                plan=form.cleaned_data["plan"],
                assessed_at=form.cleaned_data["assessed_at"],
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        except StaleForm:
            pass  # the form says who changed it, and when
        else:
            messages.success(request, f"Risk assessment amended for {assessment.child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/assess.html",
        {
            "child": assessment.child,
            "referral": assessment.referral,
            "episode": assessment.episode,
            "triage": getattr(assessment.referral, "triage", None) if assessment.referral else None,
            "form": form,
            "amending": assessment,
        },
    )


@login_required
@require_POST
def close(request: SignedInRequest, pk: int) -> HttpResponse:
    """Close a triaged referral: MASH has done its part."""
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


@login_required
def assess(request: SignedInRequest, child_id: int) -> HttpResponse:
    """Record the missing child risk assessment: for a triaged referral (?referral=) or an
    episode (?episode=). The rating starts as the triage's."""
    child = visible_child_or_404(request.user, child_id)
    referral = episode = None
    referral_id = whole_number(request.GET.get("referral"))
    episode_id = whole_number(request.GET.get("episode"))
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
        raise PermissionDenied("You may not assess this child's risk.")
    triage = triage_for(referral, episode)
    minimum, hint = _threshold_hint(child)
    initial = {"rag": triage.rag, "threshold_level": triage.threshold_level} if triage else {}
    form = RiskAssessmentForm(request.POST or None, initial=initial, threshold_hint=hint)
    if request.method == "POST" and form.is_valid():
        try:
            record_risk_assessment(
                acting_user=request.user,
                child=child,
                rag=form.cleaned_data["rag"],
                threshold_level=form.cleaned_data["threshold_level"],
                indicators=form.cleaned_data["indicators"],
                rationale=form.cleaned_data["rationale"],
                plan=form.cleaned_data["plan"],
                assessed_at=form.cleaned_data["assessed_at"],
                episode=episode,
                referral=referral,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Risk assessment recorded for {child.full_name}.")
            return redirect("risk:index")
    return render(
        request,
        "risk/assess.html",
        {
            "child": child,
            "referral": referral,
            "episode": episode,
            "triage": triage,
            "form": form,
            "minimum_level": minimum,
        },
    )
