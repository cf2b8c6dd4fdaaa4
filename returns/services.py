"""Independent return interviews: offer, attempts, outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, acting_person, person_of
from children.models import Child
from children.permissions import Action, require
from children.selectors import current_allocations, current_placement
from core.errors import Conflict, Refused
from core.history import records
from episodes.models import Episode
from protocol import reconcile
from returns.models import (
    Outcome,
    PullFactor,
    PushFactor,
    ReturnInterview,
    ReturnInterviewAttempt,
    ReturnInterviewEpisode,
)


def interviewer_independence_concern(child: Child, interviewer) -> str | None:
    """Why `interviewer` is not independent of the child's care, or None (DfE 2014)."""
    if interviewer is None:
        return None
    if current_allocations(child).filter(worker=interviewer).exists():
        return f"{interviewer} is {child.given_name}'s allocated social worker."
    placement = current_placement(child)
    if placement is not None and placement.carer_id == interviewer.pk:
        return f"{interviewer} is {child.given_name}'s carer."
    return None


def _check_codes(values: Sequence[str], allowed: list[str], field: str) -> list[str]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise Refused(f"Unknown {field.replace('_', ' ')}: {', '.join(unknown)}", field=field)
    return sorted(set(values))


def _validate_outcome(interview: ReturnInterview, attempts_recorded: int) -> None:
    if interview.outcome and interview.outcome not in Outcome.values:
        raise Refused("The outcome is held, declined or no engagement.", field="outcome")
    if interview.outcome == Outcome.HELD and interview.held_at is None:
        raise Refused("Give the date and time the interview was held.", field="held_at")
    if interview.outcome != Outcome.HELD and interview.held_at is not None:
        raise Refused("A time held applies only to an interview that was held.", field="held_at")
    if interview.held_at is not None:
        if interview.held_at > timezone.now():
            raise Refused("The interview cannot be held in the future.", field="held_at")
        if interview.held_at < interview.offered_at:
            raise Refused("The interview cannot be held before it was offered.", field="held_at")
    if interview.outcome == Outcome.NO_ENGAGEMENT and attempts_recorded == 0:
        raise Refused(
            "Record the attempts made to engage the child before recording no engagement.",
            field="outcome",
        )


@records("Return interview recorded")
@transaction.atomic
def record_return_interview(
    *,
    acting_user: Actor,
    child: Child,
    episodes: Sequence[Episode],
    offered_at: dt.datetime,
    interviewer=None,
    interviewer_name: str = "",
    outcome: str = "",
    held_at: dt.datetime | None = None,
    seen_alone: bool | None = None,
    push_factors: Sequence[str] = (),
    pull_factors: Sequence[str] = (),
    disclosures: str = "",
    follow_ups: str = "",
    attempts: Sequence[dict] = (),
) -> ReturnInterview:
    """Record an interview offered (and its outcome, if known) covering one or more episodes.

    One interview may cover several episodes: a child who went missing again before the
    first interview was held (PROTOCOL.md, return_interview).
    """
    require(acting_user, Action.RETURN_INTERVIEW, child)
    episodes = list(episodes)
    if not episodes:
        raise Refused("Choose the episode or episodes the interview covers.", field="episodes")
    for episode in episodes:
        if episode.child_id != child.pk:
            raise Refused("Every episode must be this child's.", field="episodes")
        if episode.entered_in_error:
            raise Refused("An episode entered in error needs no interview.", field="episodes")
        if episode.returned_at is None:
            raise Conflict(
                "The child has not returned from one of these episodes yet.", field="episodes"
            )
    if offered_at.tzinfo is None or (held_at is not None and held_at.tzinfo is None):
        raise Refused("Times must carry a time zone.", field="offered_at")
    if offered_at > timezone.now():
        raise Refused("The interview cannot be offered in the future.", field="offered_at")
    if any(episode.returned_at and offered_at < episode.returned_at for episode in episodes):
        raise Refused("The interview is offered after the child returns.", field="offered_at")
    interview = ReturnInterview(
        child=child,
        interviewer=interviewer,
        interviewer_name=interviewer_name or (str(interviewer) if interviewer else ""),
        is_independent=interviewer_independence_concern(child, interviewer) is None,
        offered_at=offered_at,
        outcome=outcome,
        held_at=held_at,
        outcome_recorded_at=timezone.now() if outcome else None,
        seen_alone=seen_alone,
        push_factors=_check_codes(push_factors, PushFactor.values, "push_factors"),
        pull_factors=_check_codes(pull_factors, PullFactor.values, "pull_factors"),
        disclosures=disclosures,
        follow_ups=follow_ups,
        recorded_by=person_of(acting_user),
    )
    _validate_outcome(interview, len(attempts))
    interview.save()
    ReturnInterviewEpisode.objects.bulk_create(
        [ReturnInterviewEpisode(interview=interview, episode=episode) for episode in episodes]
    )
    for attempt in attempts:
        _add_attempt(acting_user=acting_user, interview=interview, **attempt)
    reconcile(child)
    return interview


def _add_attempt(
    *,
    acting_user: Actor,
    interview: ReturnInterview,
    attempted_at: dt.datetime,
    method: str,
    notes: str = "",
):
    if attempted_at.tzinfo is None:
        raise Refused("Times must carry a time zone.", field="attempted_at")
    if attempted_at > timezone.now():
        raise Refused("An attempt cannot be in the future.", field="attempted_at")
    if method not in {"visit", "phone", "message", "letter"}:
        raise Refused("The method is visit, phone, message or letter.", field="method")
    return ReturnInterviewAttempt.objects.create(
        interview=interview,
        attempted_at=attempted_at,
        method=method,
        notes=notes,
        recorded_by=acting_person(acting_user),
    )


@records("Return interview attempt recorded")
@transaction.atomic
def record_interview_attempt(
    *,
    acting_user: Actor,
    interview: ReturnInterview,
    attempted_at: dt.datetime,
    method: str,
    notes: str = "",
) -> ReturnInterviewAttempt:
    require(acting_user, Action.RETURN_INTERVIEW, interview.child)
    return _add_attempt(
        acting_user=acting_user,
        interview=interview,
        attempted_at=attempted_at,
        method=method,
        notes=notes,
    )


@records("Return interview outcome recorded")
@transaction.atomic
def complete_return_interview(
    *,
    acting_user: Actor,
    interview: ReturnInterview,
    outcome: str,
    held_at: dt.datetime | None = None,
    seen_alone: bool | None = None,
    push_factors: Sequence[str] = (),
    pull_factors: Sequence[str] = (),
    disclosures: str = "",
    follow_ups: str = "",
) -> ReturnInterview:
    """Record the outcome: held, declined, or no engagement after recorded attempts."""
    interview = ReturnInterview.objects.select_for_update().get(pk=interview.pk)
    require(acting_user, Action.RETURN_INTERVIEW, interview.child)
    if interview.outcome:
        raise Conflict(
            "This interview's outcome is already recorded.",
            field="outcome",
            code="already_complete",
        )
    if not outcome:
        raise Refused("Choose the outcome.", field="outcome")
    interview.outcome = outcome
    interview.held_at = held_at
    interview.seen_alone = seen_alone
    interview.push_factors = _check_codes(push_factors, PushFactor.values, "push_factors")
    interview.pull_factors = _check_codes(pull_factors, PullFactor.values, "pull_factors")
    interview.disclosures = disclosures
    interview.follow_ups = follow_ups
    interview.outcome_recorded_at = timezone.now()
    _validate_outcome(interview, interview.attempts.count())
    interview.save()
    reconcile(interview.child)
    return interview
