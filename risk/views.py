"""MASH triage: the queue of open referrals, soonest assessment first, and the RAG rating."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from children.models import Child
from children.permissions import Action, allows, may, roles_by_child
from children.selectors import child_visibility, get_visible_child
from core.errors import NotAllowed, ServiceError
from core.forms import add_service_error
from episodes.models import Episode
from protocol.conf import protocol_settings
from protocol.models import Deadline, Rule, Status
from risk.forms import RiskAssessmentForm
from risk.models import MashReferral, ReferralStatus
from risk.services import minimum_threshold_level, record_risk_assessment

QUEUE_LIMIT = 200


def triage_queue(user):
    """Open referrals the user may see, the one whose risk assessment is due soonest first."""
    assessment_due = Deadline.objects.filter(
        rule=Rule.RISK_ASSESSMENT,
        episode_id=OuterRef("episode_id"),
        status__in=[Status.OPEN, Status.SCHEDULED, Status.BREACHED],
    ).order_by("due_at")
    return (
        MashReferral.objects.filter(status=ReferralStatus.OPEN)
        .filter(child_visibility(user, "child_id"))
        .select_related("child", "episode", "mash_authority")
        .annotate(assessment_due_at=Subquery(assessment_due.values("due_at")[:1]))
        .order_by(F("assessment_due_at").asc(nulls_last=True), "received_at", "pk")
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    referrals = list(triage_queue(request.user)[:QUEUE_LIMIT])
    roles = roles_by_child(request.user, {referral.child_id for referral in referrals})
    for referral in referrals:
        referral.may_assess = allows(roles.get(referral.child_id, frozenset()), Action.ASSESS_RISK)  # type: ignore[attr-defined]
    return render(request, "risk/index.html", {"referrals": referrals, "limit": QUEUE_LIMIT})


def _child_or_404(user, child_id: int) -> Child:
    try:
        return get_visible_child(user, child_id)
    except Child.DoesNotExist:
        raise Http404("No such child") from None


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def assess(request: HttpRequest, child_id: int) -> HttpResponse:
    """RAG-rate a child's risk: for a MASH referral (?referral=) or an episode (?episode=)."""
    child = _child_or_404(request.user, child_id)
    referral = episode = None
    referral_id = _number(request.GET.get("referral"))
    episode_id = _number(request.GET.get("episode"))
    if referral_id is not None:
        referral = (
            MashReferral.objects.filter(pk=referral_id, child=child)
            .select_related("episode")
            .first()
        )
        if referral is None:
            raise Http404("No such referral")
        episode = referral.episode
    elif episode_id is not None:
        episode = Episode.objects.filter(pk=episode_id, child=child, entered_in_error=False).first()
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
