"""Writes to episodes: report, return, reclassify, correct, mark entered in error."""

from __future__ import annotations

import datetime as dt
from typing import Required, TypedDict, Unpack, overload

from django.db import transaction
from django.utils import timezone

from agencies.models import (
    Actor,
    Agency,
    AgencyKind,
    User,
    acting_person,
    person_of,
)
from agencies.selectors import police_force_of
from children.models import Child, LegalStatusKind
from children.permissions import Action, may_on_episode, require, require_on_episode
from children.selectors import current_legal_status, current_placement
from core.actors import is_engine
from core.clock import london_date, require_aware
from core.errors import Conflict, NotAllowed, Refused, translate_integrity_errors
from core.history import records
from episodes.models import (
    MINIMUM_AGE_FOR_ABSENT,
    Category,
    CheckStatus,
    Episode,
    EpisodeInformation,
    MissingFrom,
    MissingReason,
    PoliceRisk,
    PoliceRiskGrading,
    Reclassification,
    Reopening,
    ReturnConcern,
    SafeAndWellCheck,
    SafeguardingCheckRequest,
)
from episodes.selectors import may_request_checks, receiving_authority_ids
from protocol import reconcile
from protocol.conf import protocol_settings
from returns.models import ReturnInterview

# Clocks disagree: a report typed a minute after a police system stamped it must not be
# refused as "in the future". Anything later than this is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=5)


class EpisodeReport(TypedDict, total=False):
    """What a report says about an episode, whoever makes it (a form, the API, police by
    the child's identity): the one parameter list of every reporting service."""

    category: Required[str]
    last_seen_at: Required[dt.datetime]
    missing_from: str | None
    reported_at: dt.datetime | None
    last_seen_location: str
    circumstances: str
    reported_to_police_at: dt.datetime | None
    police_force: Agency | None
    police_reference: str
    police_risk: str
    returned_at: dt.datetime | None
    reason: str
    reason_other: str


@overload
def _aware(value: dt.datetime, field: str) -> dt.datetime: ...
@overload
def _aware(value: None, field: str) -> None: ...
def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return require_aware(value, field.replace("_", " "))
    except ValueError as error:
        raise Refused(str(error).capitalize() + ".", field=field) from error


def _not_in_future(value: dt.datetime | None, field: str, label: str) -> None:
    if value is not None and value > timezone.now() + CLOCK_SKEW:
        raise Refused(f"The {label} cannot be in the future.", field=field)


def _check_category(child: Child, category: str, last_seen_at: dt.datetime) -> None:
    if category not in Category.values:
        raise Refused("Choose missing, absent or away without authorisation.", field="category")
    if (
        category == Category.ABSENT
        and child.age_on(london_date(last_seen_at)) < MINIMUM_AGE_FOR_ABSENT
    ):
        raise Refused(
            f"{child.given_name} was {child.age_on(london_date(last_seen_at))} when last seen: a child "
            "aged 12 or under whose whereabouts are unknown is always missing, never absent.",
            field="category",
            code="absent_under_13",
        )
    if category == Category.AWAY_WITHOUT_AUTHORISATION:
        status = current_legal_status(child, on=london_date(last_seen_at))
        if status is None or status.status != LegalStatusKind.LOOKED_AFTER:
            raise Refused(
                "Away without authorisation applies only to a looked-after child.",
                field="category",
            )


def _check_reason(reason: str, reason_other: str) -> None:
    """The coded reason (issue 12): one of the committee reports' categories, with the
    words when it is "other"."""
    if reason and reason not in MissingReason.values:
        raise Refused(
            f"Unknown reason: {reason}. Choose one of {', '.join(MissingReason.values)}.",
            field="reason",
        )
    if reason == MissingReason.OTHER and not reason_other.strip():
        raise Refused("Say what the other reason is.", field="reason_other")
    if reason_other.strip() and reason != MissingReason.OTHER:
        raise Refused('Give the words of a reason only with "other".', field="reason_other")


def _check_return_concerns(concerns: list[str] | tuple[str, ...]) -> list[str]:
    unknown = sorted(set(concerns) - set(ReturnConcern.values))
    if unknown:
        raise Refused(f"Unknown return facts: {', '.join(unknown)}", field="return_concerns")
    return sorted(set(concerns))


def _refuse_late_absence(
    category: str, last_seen_at: dt.datetime, returned_at: dt.datetime | None = None
) -> None:
    """Absent becomes missing with no contact within 24 hours at most (Haringey protocol
    6.2): an episode cannot be recorded as absent once that time has passed without a
    return (for an open episode, by now; for a past one, by its return)."""
    window = protocol_settings().hours("absent_review_hours")
    ended = returned_at or timezone.now()
    if category == Category.ABSENT and ended - last_seen_at >= window:
        raise Refused(
            f"The child has not been seen for {window.total_seconds() / 3600:g} hours or more, so "
            "they are missing, not absent (Haringey protocol 6.2). Record the episode as missing.",
            field="category",
            code="absent_too_long",
        )


def _refuse_overlap(
    child: Child, last_seen_at: dt.datetime, returned_at: dt.datetime | None, exclude=None
) -> None:
    """The clear message before the database's exclusion constraint would say it."""
    episodes = Episode.objects.filter(child=child, entered_in_error=False)
    if exclude is not None:
        episodes = episodes.exclude(pk=exclude.pk)
    open_episode = episodes.filter(returned_at__isnull=True).first()
    # A second open episode, or a past one reaching into the open one, is refused; a past
    # episode that ended before the open one began is fine.
    if (
        open_episode is not None
        and (returned_at is None or open_episode.last_seen_at < returned_at)
        and (exclude is None or open_episode.last_seen_at <= last_seen_at)
    ):
        raise Conflict(
            f"{child.given_name} already has an open episode (last seen "
            f"{timezone.localtime(open_episode.last_seen_at):%d %B %Y at %H:%M}). "
            "Record the return before reporting a new episode.",
            field="last_seen_at",
            code="open_episode_exists",
        )
    overlapping = (
        episodes.filter(last_seen_at__lt=returned_at or dt.datetime.max.replace(tzinfo=dt.UTC))
        .exclude(returned_at__lte=last_seen_at)
        .order_by("-last_seen_at")
        .first()
    )
    if overlapping is not None:
        ended = overlapping.returned_at
        raise Conflict(
            "An episode cannot start before the child's previous episode ended"
            + (f" ({timezone.localtime(ended):%d %B %Y at %H:%M})." if ended else ".")
            + " A new episode may start on the day the last one ended.",
            field="last_seen_at",
            code="episodes_overlap",
        )


def record_episode(*, acting_user: Actor, child: Child, **report: Unpack[EpisodeReport]) -> Episode:
    """Write a new episode: the part of reporting that is the episode's own.

    The reporting services (`casework.services.report_episode` and
    `report_missing_child`) decide whether the actor may report for this child, open the
    MASH referral every report opens, and reconcile the protocol once both are written;
    they call this inside their transaction. Every refusal about the episode itself
    (absent under 13, overlap, times in the future) is raised here, before any write.
    """
    category = report["category"]
    missing_from = report.get("missing_from")
    last_seen_location = report.get("last_seen_location", "")
    circumstances = report.get("circumstances", "")
    police_force = report.get("police_force")
    police_reference = report.get("police_reference", "")
    police_risk = report.get("police_risk", "")
    reason = report.get("reason", "")
    reason_other = report.get("reason_other", "")
    _check_reason(reason, reason_other)
    # Lock the child: two reports for one child at once queue here, and the second sees
    # the first's open episode instead of hitting the constraint.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    last_seen_at = _aware(report["last_seen_at"], "last_seen_at")
    reported_at = _aware(report.get("reported_at"), "reported_at") or timezone.now()
    reported_to_police_at = _aware(report.get("reported_to_police_at"), "reported_to_police_at")
    _not_in_future(last_seen_at, "last_seen_at", "time last seen")
    _not_in_future(reported_at, "reported_at", "time reported")
    _not_in_future(reported_to_police_at, "reported_to_police_at", "time reported to police")
    if reported_at < last_seen_at:
        if last_seen_at > timezone.now():
            raise Refused("The time last seen cannot be in the future.", field="last_seen_at")
        raise Refused("The report cannot be before the child was last seen.", field="reported_at")
    _check_category(child, category, last_seen_at)
    returned_at = _aware(report.get("returned_at"), "returned_at")
    _not_in_future(returned_at, "returned_at", "return time")
    if returned_at is not None and returned_at < last_seen_at:
        raise Refused("The return cannot be before the child was last seen.", field="returned_at")
    _refuse_late_absence(category, last_seen_at, returned_at)
    placement = current_placement(child, on=london_date(last_seen_at))
    if missing_from is None:
        missing_from = (
            MissingFrom.PLACEMENT
            if placement is not None and placement.kind != "home"
            else MissingFrom.HOME
        )
    if missing_from not in MissingFrom.values:
        raise Refused(
            "Say whether the child is missing from home or from a placement.", field="missing_from"
        )
    if police_risk and police_risk not in PoliceRisk.values:
        raise Refused(
            "The police risk grading is very low, low, medium or high.", field="police_risk"
        )
    acting_force = police_force_of(acting_user)
    if acting_force is not None:
        # A force's liaison officer reports for their own force.
        police_force = acting_force
        reported_to_police_at = reported_to_police_at or reported_at
    if police_force is not None and police_force.kind != AgencyKind.POLICE_FORCE:
        raise Refused("The police force must be a police force.", field="police_force")
    _refuse_overlap(child, last_seen_at, returned_at)
    with translate_integrity_errors():
        episode = Episode.objects.create(
            child=child,
            category=category,
            missing_from=missing_from,
            placement=placement if missing_from == MissingFrom.PLACEMENT else None,
            last_seen_at=last_seen_at,
            last_seen_location=last_seen_location,
            circumstances=circumstances,
            reported_at=reported_at,
            reported_by=acting_person(acting_user),
            reported_to_police_at=reported_to_police_at,
            police_report_recorded_at=timezone.now() if reported_to_police_at else None,
            police_force=police_force,
            police_reference=police_reference.strip(),
            police_risk=police_risk,
            returned_at=returned_at,
            reason=reason,
            reason_other=reason_other.strip(),
        )
    if police_risk:
        PoliceRiskGrading.objects.create(
            episode=episode,
            grading=police_risk,
            graded_at=reported_at,
            recorded_by=acting_person(acting_user),
        )
    return episode


@records("Return recorded")
@transaction.atomic
def record_return(
    *,
    acting_user: Actor,
    episode: Episode,
    returned_at: dt.datetime,
    return_location: str = "",
    how_found: str = "",
    how_found_details: str = "",
    found_with: str = "",
    reason: str | None = None,
    reason_other: str = "",
    return_concerns: list[str] | tuple[str, ...] = (),
) -> Episode:
    """The child is back: close the episode; safe and well check and interview fall due.

    The return form also records where and how the child was found and who with, the
    reason for going missing (if not given at the report, or now known better), and what
    is known of the time away that the HERTS return interview criteria read."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    require_on_episode(acting_user, Action.RECORD_RETURN, episode.child, episode.police_force_id)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    if episode.returned_at is not None:
        raise Conflict(
            "The return is already recorded. Correct the return time instead.",
            field="returned_at",
            code="already_returned",
        )
    returned_at = _aware(returned_at, "returned_at")
    _not_in_future(returned_at, "returned_at", "return time")
    if returned_at < episode.last_seen_at:
        raise Refused("The return cannot be before the child was last seen.", field="returned_at")
    if reason is not None:
        _check_reason(reason, reason_other)
        episode.reason = reason
        episode.reason_other = reason_other.strip()
    episode.return_concerns = _check_return_concerns(return_concerns)
    episode.returned_at = returned_at
    episode.return_location = return_location
    episode.how_found = how_found
    episode.how_found_details = how_found_details.strip()
    episode.found_with = found_with.strip()
    with translate_integrity_errors():
        episode.save(
            update_fields=[
                "returned_at",
                "return_location",
                "how_found",
                "how_found_details",
                "found_with",
                "reason",
                "reason_other",
                "return_concerns",
                "updated_at",
            ]
        )
    reconcile(episode.child)
    return episode


EDITABLE_FIELDS = frozenset(
    {
        "last_seen_at",
        "reported_at",
        "returned_at",
        "last_seen_location",
        "circumstances",
        "reported_to_police_at",
        "police_reference",
        "return_location",
        "how_found",
        "missing_from",
        # Philomena profile, Part 2: known at the time of the report.
        "clothing_when_last_seen",
        "who_with",
        # Issue 12: the reason, where and how found and who with, the HERTS return facts.
        "reason",
        "reason_other",
        "how_found_details",
        "found_with",
        "return_concerns",
    }
)


def _first_follow_up(episode: Episode) -> dt.datetime | None:
    """The earliest safe and well check or return interview recorded against the episode's
    return: the return cannot move after it, nor be cleared while it stands."""
    times = list(episode.safe_and_well_checks.values_list("checked_at", flat=True))
    for offered_at, held_at in ReturnInterview.objects.filter(episodes=episode).values_list(
        "offered_at", "held_at"
    ):
        times += [time for time in (offered_at, held_at) if time is not None]
    return min(times, default=None)


def _check_return_correction(episode: Episode, returned_at: dt.datetime | None) -> None:
    if returned_at is None:
        if episode.returned_at is not None:
            raise Conflict(
                "A return is not cleared by a correction: re-open the episode, with the reason.",
                field="returned_at",
                code="reopen_required",
            )
        return
    follow_up = _first_follow_up(episode)
    if follow_up is not None and returned_at > follow_up:
        raise Refused(
            "The return cannot be after the safe and well check or return interview already "
            f"recorded against it ({timezone.localtime(follow_up):%d %B %Y, %H:%M}).",
            field="returned_at",
        )


@records("Episode corrected")
@transaction.atomic
def update_episode(*, acting_user: Actor, episode: Episode, **changes) -> Episode:
    """Correct an episode's facts (a return time, a police reference); deadlines follow."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    require_on_episode(acting_user, Action.RECORD_RETURN, episode.child, episode.police_force_id)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    unknown = set(changes) - EDITABLE_FIELDS - {"police_risk", "category"}
    if unknown:
        raise Refused(f"These fields cannot be changed: {', '.join(sorted(unknown))}")
    if "category" in changes and changes["category"] != episode.category:
        raise Refused("Use reclassify to change the category, with the reason.", field="category")
    changes.pop("category", None)
    grading = changes.pop("police_risk", None)
    if "returned_at" in changes:
        _check_return_correction(episode, _aware(changes["returned_at"], "returned_at"))
    for field in ("last_seen_at", "reported_at", "returned_at", "reported_to_police_at"):
        if field in changes:
            if changes[field] is None and field in ("last_seen_at", "reported_at"):
                raise Refused("This time is required.", field=field)
            changes[field] = _aware(changes[field], field)
            _not_in_future(changes[field], field, field.replace("_at", " time").replace("_", " "))
    if "return_concerns" in changes:
        changes["return_concerns"] = _check_return_concerns(changes["return_concerns"])
    for name, value in changes.items():
        setattr(episode, name, value)
    if "reason" in changes or "reason_other" in changes:
        _check_reason(episode.reason, episode.reason_other)
    # police_report_check: a time reported to police recorded now is the record that the
    # child was reported; clearing it withdraws that record.
    if episode.reported_to_police_at is None:
        episode.police_report_recorded_at = None
    elif episode.police_report_recorded_at is None:
        episode.police_report_recorded_at = timezone.now()
    if episode.returned_at is not None and episode.returned_at < episode.last_seen_at:
        raise Refused("The return cannot be before the child was last seen.", field="returned_at")
    if episode.reported_at < episode.last_seen_at:
        raise Refused("The report cannot be before the child was last seen.", field="reported_at")
    if "last_seen_at" in changes or "returned_at" in changes:
        _check_category(episode.child, episode.category, episode.last_seen_at)
        _refuse_overlap(episode.child, episode.last_seen_at, episode.returned_at, exclude=episode)
    with translate_integrity_errors():
        episode.save()
    if grading is not None and grading != episode.police_risk:
        record_police_risk(acting_user=acting_user, episode=episode, grading=grading)
    reconcile(episode.child)
    return episode


PART_TWO_FIELDS = ("clothing_when_last_seen", "who_with", "circumstances")


@records("Philomena profile Part 2 recorded")
@transaction.atomic
def record_philomena_part_two(
    *,
    acting_user: Actor,
    episode: Episode,
    clothing_when_last_seen: str,
    who_with: str,
    circumstances: str,
) -> Episode:
    """Philomena profile, Part 2: what is known at the time of the report (clothing when
    last seen, who the child may be with, the circumstances). Whoever may report the
    episode or record its return may describe it; called with the report, or later."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if not is_engine(acting_user) and not (
        may_on_episode(acting_user, Action.REPORT_EPISODE, episode.child, episode.police_force_id)
        or may_on_episode(acting_user, Action.RECORD_RETURN, episode.child, episode.police_force_id)
    ):
        raise NotAllowed("You may not describe this episode.")
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    episode.clothing_when_last_seen = clothing_when_last_seen.strip()
    episode.who_with = who_with.strip()
    episode.circumstances = circumstances.strip()
    episode.save(update_fields=[*PART_TWO_FIELDS, "updated_at"])
    return episode


@records("Episode re-opened")
@transaction.atomic
def reopen_episode(*, acting_user: User, episode: Episode, reason: str) -> Episode:
    """Clear a recorded return: the child is missing again within the same episode (a
    return recorded in error). Explicit, with a reason, by children's social care staff;
    the cleared return is kept in a Reopening row and the deadlines follow."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    require(acting_user, Action.REOPEN_EPISODE, episode.child)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    if episode.returned_at is None:
        raise Conflict("This episode is still open: there is no return to clear.", code="open")
    if not reason.strip():
        raise Refused("Say why the return is cleared.", field="reason")
    if _first_follow_up(episode) is not None:
        raise Conflict(
            "A safe and well check or return interview is recorded against this return: "
            "correct the return time instead, or report a new episode.",
            code="followed_up",
        )
    now = timezone.now()
    Reopening.objects.create(
        episode=episode,
        cleared_returned_at=episode.returned_at,
        cleared_return_location=episode.return_location,
        cleared_how_found=episode.how_found,
        reason=reason.strip(),
        reopened_at=now,
        reopened_by=acting_user,
    )
    episode.returned_at = None
    episode.return_location = ""
    episode.how_found = ""
    with translate_integrity_errors():
        episode.save(update_fields=["returned_at", "return_location", "how_found", "updated_at"])
    reconcile(episode.child)
    return episode


@records("Episode reclassified")
@transaction.atomic
def reclassify_episode(
    *,
    acting_user: Actor,
    episode: Episode,
    category: str,
    reason: str,
    at: dt.datetime | None = None,
) -> Episode:
    """Change the category (absent to missing, say), keeping the history and the reason.

    `acting_user` is ENGINE when the protocol engine reclassifies automatically
    (an absent episode with no contact in 24 hours: Haringey protocol 6.2).
    """
    episode = Episode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require(acting_user, Action.RECLASSIFY, episode.child)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    if not reason or not reason.strip():
        raise Refused("Give the reason for the reclassification.", field="reason")
    if category == episode.category:
        raise Refused(
            f"The episode is already recorded as {episode.get_category_display().lower()}.",
            field="category",
        )
    _check_category(episode.child, category, episode.last_seen_at)
    if episode.returned_at is None:
        _refuse_late_absence(category, episode.last_seen_at)
    elif category == Category.ABSENT:
        _refuse_late_absence(category, episode.last_seen_at, episode.returned_at)
    Reclassification.objects.create(
        episode=episode,
        from_category=episode.category,
        to_category=category,
        reason=reason.strip(),
        reclassified_at=at or timezone.now(),
        reclassified_by=person_of(acting_user),
    )
    episode.category = category
    if category == Category.AWAY_WITHOUT_AUTHORISATION:
        episode.missing_from = MissingFrom.PLACEMENT
    with translate_integrity_errors():
        episode.save(update_fields=["category", "missing_from", "updated_at"])
    reconcile(episode.child)
    return episode


@records("Episode marked entered in error")
@transaction.atomic
def mark_entered_in_error(*, acting_user: Actor, episode: Episode, reason: str) -> Episode:
    """The episode should never have been recorded: its deadlines are cancelled."""
    episode = Episode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require(acting_user, Action.MARK_ENTERED_IN_ERROR, episode.child)
    if episode.entered_in_error:
        raise Conflict(
            "This episode is already marked as entered in error.", code="entered_in_error"
        )
    if not reason or not reason.strip():
        raise Refused("Say why the episode was entered in error.", field="reason")
    episode.entered_in_error = True
    episode.entered_in_error_reason = reason.strip()
    episode.save(update_fields=["entered_in_error", "entered_in_error_reason", "updated_at"])
    episode.mash_referrals.filter(status="open").update(status="closed", closed_at=timezone.now())
    reconcile(episode.child)
    return episode


@records("Police risk grading recorded")
@transaction.atomic
def record_police_risk(
    *, acting_user: Actor, episode: Episode, grading: str, graded_at: dt.datetime | None = None
) -> PoliceRiskGrading:
    """Police's APP grading changed; keep every grading in order. Recorded by those who
    may report episodes for the child (police liaison, MASH, social care)."""
    require_on_episode(acting_user, Action.REPORT_EPISODE, episode.child, episode.police_force_id)
    if grading not in PoliceRisk.values:
        raise Refused(
            "The police risk grading is very low, low, medium or high.", field="police_risk"
        )
    record = PoliceRiskGrading.objects.create(
        episode=episode,
        grading=grading,
        graded_at=_aware(graded_at, "graded_at") or timezone.now(),
        recorded_by=acting_person(acting_user),
    )
    Episode.objects.filter(pk=episode.pk).update(police_risk=grading, updated_at=timezone.now())
    episode.police_risk = grading
    reconcile(episode.child)
    return record


@records("Safe and well check recorded")
@transaction.atomic
def record_safe_and_well_check(
    *,
    acting_user: Actor,
    episode: Episode,
    checked_at: dt.datetime,
    officer_name: str = "",
    concerns: str = "",
) -> SafeAndWellCheck:
    episode = Episode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require_on_episode(
        acting_user, Action.SAFE_AND_WELL_CHECK, episode.child, episode.police_force_id
    )
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    checked_at = _aware(checked_at, "checked_at")
    _not_in_future(checked_at, "checked_at", "time of the check")
    if episode.returned_at is None:
        raise Conflict(
            "Record the child's return before the safe and well check.",
            field="checked_at",
            code="not_returned",
        )
    if checked_at < episode.returned_at:
        raise Refused("The safe and well check cannot be before the return.", field="checked_at")
    check = SafeAndWellCheck.objects.create(
        episode=episode,
        checked_at=checked_at,
        officer_name=officer_name,
        police_force=police_force_of(acting_user) or episode.police_force,
        concerns=concerns,
        recorded_by=acting_person(acting_user),
        recorded_at=timezone.now(),
    )
    reconcile(episode.child)
    return check


@records("Report to police recorded")
@transaction.atomic
def record_police_report(
    *,
    acting_user: Actor,
    episode: Episode,
    reported_to_police_at: dt.datetime,
    police_reference: str = "",
) -> Episode:
    """The child was reported to police: when, and the incident number where the worker
    has it (Haringey protocol 12.4, 12.6, 19.1). Meets police_report_check; the same as
    correcting the episode's police fields, as its own page."""
    episode = Episode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require_on_episode(acting_user, Action.REPORT_EPISODE, episode.child, episode.police_force_id)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    reported_to_police_at = _aware(reported_to_police_at, "reported_to_police_at")
    _not_in_future(reported_to_police_at, "reported_to_police_at", "time reported to police")
    if reported_to_police_at < episode.last_seen_at:
        raise Refused(
            "The child cannot be reported to police before they were last seen.",
            field="reported_to_police_at",
        )
    if len(police_reference.strip()) > 60:
        raise Refused("The incident number is at most 60 characters.", field="police_reference")
    episode.reported_to_police_at = reported_to_police_at
    if police_reference.strip():
        episode.police_reference = police_reference.strip()
    if episode.police_report_recorded_at is None:
        episode.police_report_recorded_at = timezone.now()
    episode.save(
        update_fields=[
            "reported_to_police_at",
            "police_reference",
            "police_report_recorded_at",
            "updated_at",
        ]
    )
    reconcile(episode.child)
    return episode


INFORMATION_KINDS = ("sighting", "information", "safe_and_well_arranged")


@records("Information added to the episode")
@transaction.atomic
def add_episode_information(
    *, acting_user: Actor, episode: Episode, kind: str, details: str
) -> EpisodeInformation:
    """A sighting, information or a safe and well check arranged, from anyone who may add
    it: the child's social care, or the host authority's Missing Co-ordinator (HAR 17)."""
    episode = Episode.objects.select_related("child").get(pk=episode.pk)
    require(acting_user, Action.ADD_INFORMATION, episode.child)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    if kind not in INFORMATION_KINDS:
        raise Refused("Say what kind of information this is.", field="kind")
    if not details.strip():
        raise Refused("Say what was learnt.", field="details")
    if len(details) > 10000:
        raise Refused("Write at most 10,000 characters.", field="details")
    person = acting_person(acting_user)
    membership = person.memberships.filter(is_active=True).select_related("team").first()
    return EpisodeInformation.objects.create(
        episode=episode,
        kind=kind,
        details=details.strip(),
        recorded_by=person,
        agency=membership.team.agency if membership else None,
        recorded_at=timezone.now(),
    )


@records("Home Office notice recorded")
@transaction.atomic
def record_home_office_notice(
    *,
    acting_user: Actor,
    episode: Episode,
    informed_at: dt.datetime,
    nrm_referral_considered: bool = False,
) -> Episode:
    """The Home Office was told of an unaccompanied asylum-seeking child's missing episode
    (Haringey protocol 16.1-16.4); meets the home_office_notice deadline."""
    episode = Episode.objects.select_for_update().select_related("child").get(pk=episode.pk)
    require(acting_user, Action.EDIT_CHILD, episode.child)
    if episode.entered_in_error:
        raise Conflict("This episode was marked as entered in error.", code="entered_in_error")
    if not episode.child.is_uasc:
        raise Refused(
            "The Home Office is told of episodes of unaccompanied asylum-seeking children only.",
            field="informed_at",
        )
    informed_at = _aware(informed_at, "informed_at")
    _not_in_future(informed_at, "informed_at", "time the Home Office was informed")
    if informed_at < episode.last_seen_at:
        raise Refused(
            "The Home Office cannot be informed before the child was last seen.",
            field="informed_at",
        )
    episode.home_office_informed_at = informed_at
    episode.nrm_referral_considered = nrm_referral_considered
    episode.save(update_fields=["home_office_informed_at", "nrm_referral_considered", "updated_at"])
    reconcile(episode.child)
    return episode


@records("Safeguarding checks requested of another authority")
@transaction.atomic
def request_safeguarding_checks(
    *, acting_user: Actor, episode: Episode, to_authority: Agency, asked: str
) -> SafeguardingCheckRequest:
    """Ask another local authority for safeguarding checks on a missing child (HAR 14.3):
    by the child's social worker, team manager or Missing Co-ordinator of the child's
    responsible authority, never of the same authority."""
    episode = Episode.objects.select_related("child").get(pk=episode.pk)
    person = acting_person(acting_user)
    if not may_request_checks(person, episode):
        raise NotAllowed("You may not request safeguarding checks for this child.")
    if to_authority is None or to_authority.kind != AgencyKind.LOCAL_AUTHORITY:
        raise Refused("Choose the local authority to ask.", field="to_authority")
    if to_authority.pk == episode.child.responsible_authority_id:
        raise Refused(
            "Ask another authority: this is the child's own authority.", field="to_authority"
        )
    if not asked.strip():
        raise Refused("Say what you are asking the authority to check.", field="asked")
    if len(asked) > 10000:
        raise Refused("Write at most 10,000 characters.", field="asked")
    return SafeguardingCheckRequest.objects.create(
        episode=episode,
        child=episode.child,
        from_authority_id=episode.child.responsible_authority_id,
        to_authority=to_authority,
        asked=asked.strip(),
        requested_by=person,
        requested_at=timezone.now(),
    )


@records("Safeguarding checks answered")
@transaction.atomic
def answer_safeguarding_checks(
    *, acting_user: Actor, check_request: SafeguardingCheckRequest, answer: str
) -> SafeguardingCheckRequest:
    """The receiving authority's Missing Co-ordinator answers a request, once."""
    person = acting_person(acting_user)
    check_request = SafeguardingCheckRequest.objects.select_for_update().get(pk=check_request.pk)
    if check_request.to_authority_id not in receiving_authority_ids(person):
        raise NotAllowed("Only the Missing Co-ordinator of the authority asked may answer.")
    if check_request.status != CheckStatus.OPEN:
        raise Conflict("This request has already been answered or withdrawn.", code="not_open")
    if not answer.strip():
        raise Refused("Say what the checks found.", field="answer")
    if len(answer) > 10000:
        raise Refused("Write at most 10,000 characters.", field="answer")
    check_request.answer = answer.strip()
    check_request.answered_by = person
    check_request.answered_at = timezone.now()
    check_request.status = CheckStatus.ANSWERED
    check_request.save(update_fields=["answer", "answered_by", "answered_at", "status"])
    return check_request
