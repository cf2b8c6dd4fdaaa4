"""Strategy meetings and discussions; exploitation panel referrals, meetings and actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, Agency, acting_person
from children.models import Child, LegalStatusKind
from children.permissions import Action, require
from children.selectors import current_legal_status
from core.errors import Conflict, Refused
from core.history import records
from episodes.models import Episode
from panels.models import (
    STRATEGY_ACTION_KINDS,
    MeetingAttendance,
    MeetingKind,
    MeetingTrigger,
    PanelAction,
    PanelCase,
    PanelKind,
    PanelMeeting,
    PanelReferral,
    ParentalConsent,
    StrategyItem,
    StrategyItemKind,
    StrategyMeeting,
)
from protocol import reconcile


def _past(value: dt.datetime, field: str, label: str) -> None:
    if value.tzinfo is None:
        raise Refused("Times must carry a time zone.", field=field)
    if value > timezone.now():
        raise Refused(f"The {label} cannot be in the future.", field=field)


@records("Strategy meeting recorded")
@transaction.atomic
def record_strategy_meeting(
    *,
    acting_user: Actor,
    child: Child,
    held_at: dt.datetime,
    trigger: str = MeetingTrigger.OTHER,
    kind: str = MeetingKind.STRATEGY_MEETING,
    episode: Episode | None = None,
    attendees: Sequence[dict] = (),
    decisions: str = "",
    next_review_on: dt.date | None = None,
    chair=None,
    items: Sequence[dict] = (),
    concern_resolved: bool = False,
    concern_resolved_reason: str = "",
) -> StrategyMeeting:
    """A strategy meeting or discussion held; meets the deadline that required it.

    `attendees` are dicts with `name`, an `agency` (an Agency) or none for a parent or
    carer (then `role` says who they are), and optional `role`. `items` are what HAR 18.4
    lists (`add_strategy_item`'s arguments). `concern_resolved`, with its reason, records
    the meeting's confidence that the concern is resolved (HAR 18.3): it stops the
    strategy review clock, which otherwise runs whether or not the child is back.
    """
    require(acting_user, Action.STRATEGY_MEETING, child)
    _past(held_at, "held_at", "meeting time")
    if kind not in MeetingKind.values:
        raise Refused("Choose a strategy meeting or a strategy discussion.", field="kind")
    if trigger not in MeetingTrigger.values:
        raise Refused("Choose why the meeting was held.", field="trigger")
    if episode is not None and episode.child_id != child.pk:
        raise Refused("The episode is not this child's.", field="episode")
    if next_review_on is not None and next_review_on < timezone.localdate(held_at):
        raise Refused("The next review cannot be before the meeting.", field="next_review_on")
    if concern_resolved and not concern_resolved_reason.strip():
        raise Refused("Say why the concern is resolved.", field="concern_resolved_reason")
    if concern_resolved and kind != MeetingKind.STRATEGY_MEETING:
        raise Refused(
            "A strategy meeting records that the concern is resolved, not a discussion.",
            field="concern_resolved",
        )
    meeting = StrategyMeeting.objects.create(
        child=child,
        episode=episode,
        kind=kind,
        trigger=trigger,
        held_at=held_at,
        chair=chair,
        decisions=decisions,
        next_review_on=next_review_on,
        concern_resolved=concern_resolved,
        concern_resolved_reason=concern_resolved_reason.strip() if concern_resolved else "",
        recorded_by=acting_person(acting_user),
    )
    for attendee in attendees:
        agency = attendee.get("agency")
        name = (attendee.get("name") or "").strip()
        role = (attendee.get("role") or "").strip()
        if not name:
            raise Refused("Each attendee needs a name.", field="attendees")
        if agency is not None and not isinstance(agency, Agency):
            raise Refused("An attendee's agency must be an agency.", field="attendees")
        if agency is None and not role:
            raise Refused(
                "Say who an attendee without an agency is (a parent or carer, say).",
                field="attendees",
            )
        MeetingAttendance.objects.create(meeting=meeting, agency=agency, name=name, role=role)
    for item in items:
        _create_item(meeting, **item)
    reconcile(child)
    return meeting


def _create_item(
    meeting: StrategyMeeting,
    *,
    kind: str,
    decision: str,
    owner_name: str = "",
    owner_agency: Agency | None = None,
    due_on: dt.date | None = None,
    parental_consent: str = "",
    photo_publication_consent: bool | None = None,
) -> StrategyItem:
    if kind not in StrategyItemKind.values:
        raise Refused("Choose what the item is.", field="kind")
    if not decision.strip():
        raise Refused("Say what was considered or agreed.", field="decision")
    if kind in STRATEGY_ACTION_KINDS:
        if not owner_name.strip():
            raise Refused("An action needs an owner.", field="owner_name")
        if due_on is None:
            raise Refused("An action needs a due date.", field="due_on")
    if due_on is not None and due_on < timezone.localdate(meeting.held_at):
        raise Refused("The due date cannot be before the meeting.", field="due_on")
    if parental_consent and parental_consent not in ParentalConsent.values:
        raise Refused("Parental consent is given, refused or not needed.", field="parental_consent")
    if kind == StrategyItemKind.MISSING_PERSONS_DESK:
        status = current_legal_status(meeting.child, on=timezone.localdate(meeting.held_at))
        looked_after = status is not None and status.status == LegalStatusKind.LOOKED_AFTER
        # HAR 18.4: "parental consent required where child is not CLA".
        if not looked_after and parental_consent not in (
            ParentalConsent.GIVEN,
            ParentalConsent.REFUSED,
        ):
            raise Refused(
                "The child is not looked after: record whether the parents consented to "
                "alerting the national missing persons desk.",
                field="parental_consent",
            )
        if looked_after and not parental_consent:
            parental_consent = ParentalConsent.NOT_NEEDED
    elif parental_consent:
        raise Refused(
            "Parental consent is recorded only for the missing persons desk.",
            field="parental_consent",
        )
    if photo_publication_consent is not None and kind != StrategyItemKind.MEDIA_STRATEGY:
        raise Refused(
            "Consent to publish the photograph belongs to the media strategy.",
            field="photo_publication_consent",
        )
    return StrategyItem.objects.create(
        meeting=meeting,
        kind=kind,
        decision=decision.strip(),
        owner_name=owner_name.strip(),
        owner_agency=owner_agency,
        due_on=due_on,
        parental_consent=parental_consent,
        photo_publication_consent=photo_publication_consent,
    )


@records("Strategy item added")
@transaction.atomic
def add_strategy_item(*, acting_user: Actor, meeting: StrategyMeeting, **item: Any) -> StrategyItem:
    """Record one thing HAR 18.4 lists as considered or agreed at a strategy meeting or
    discussion: an action (health alert, missing persons desk, NRM, locating the child,
    updating the risk assessment) with its owner and due date; the media strategy with
    whether the local authority consents to police publishing the photograph (HAR 7.4);
    communication agreements."""
    meeting = StrategyMeeting.objects.select_for_update().get(pk=meeting.pk)
    require(acting_user, Action.STRATEGY_MEETING, meeting.child)
    return _create_item(meeting, **item)


@records("Strategy action done")
@transaction.atomic
def complete_strategy_item(
    *, acting_user: Actor, item: StrategyItem, done_at: dt.datetime | None = None
) -> StrategyItem:
    item = StrategyItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    require(acting_user, Action.STRATEGY_MEETING, item.meeting.child)
    if item.done_at is not None:
        raise Conflict("This action is already recorded as done.", code="already_done")
    done_at = done_at or timezone.now()
    _past(done_at, "done_at", "time done")
    if done_at < item.meeting.held_at:
        raise Refused("An action cannot be done before the meeting agreed it.", field="done_at")
    item.done_at = done_at
    item.save(update_fields=["done_at"])
    return item


@records("Referred to panel")
@transaction.atomic
def refer_to_panel(
    *, acting_user: Actor, child: Child, reason: str, referred_at: dt.datetime | None = None
) -> PanelReferral:
    """Refer the child to the exploitation panel (meets panel_referral; Haringey protocol 18.5)."""
    require(acting_user, Action.STRATEGY_MEETING, child)
    if not reason.strip():
        raise Refused("Say why the child is referred to the panel.", field="reason")
    referred_at = referred_at or timezone.now()
    _past(referred_at, "referred_at", "referral time")
    referral = PanelReferral.objects.create(
        child=child,
        referred_at=referred_at,
        reason=reason.strip(),
        referred_by=acting_person(acting_user),
    )
    reconcile(child)
    return referral


@records("Panel meeting scheduled")
@transaction.atomic
def schedule_panel_meeting(
    *,
    acting_user: Actor,
    authority: Agency,
    meets_at: dt.datetime,
    kind: str = PanelKind.MACE,
    notes: str = "",
) -> PanelMeeting:
    if meets_at.tzinfo is None:
        raise Refused("Times must carry a time zone.", field="meets_at")
    if kind not in PanelKind.values:
        raise Refused("Choose the kind of panel.", field="kind")
    return PanelMeeting.objects.create(
        authority=authority,
        kind=kind,
        meets_at=meets_at,
        notes=notes,
        created_by=acting_person(acting_user),
    )


@records("Child added to panel agenda")
@transaction.atomic
def add_panel_case(
    *, acting_user: Actor, meeting: PanelMeeting, child: Child, reason: str
) -> PanelCase:
    """Put a child on the agenda; open actions from earlier meetings are carried to it."""
    require(acting_user, Action.PANEL, child)
    if PanelCase.objects.filter(meeting=meeting, child=child).exists():
        raise Conflict(f"{child} is already on this meeting's agenda.", field="child")
    case = PanelCase.objects.create(meeting=meeting, child=child, reason=reason)
    earlier_open = PanelAction.objects.filter(
        case__child=child,
        case__meeting__meets_at__lt=meeting.meets_at,
        done_at__isnull=True,
        carried_to=None,
    )
    for action in earlier_open:
        PanelAction.objects.create(
            case=case,
            description=action.description,
            owner=action.owner,
            owner_agency=action.owner_agency,
            due_on=action.due_on,
            carried_from=action,
        )
    return case


@records("Panel action added")
@transaction.atomic
def add_panel_action(
    *,
    acting_user: Actor,
    case: PanelCase,
    description: str,
    due_on: dt.date,
    owner=None,
    owner_agency: Agency | None = None,
) -> PanelAction:
    require(acting_user, Action.PANEL, case.child)
    if not description.strip():
        raise Refused("Describe the action.", field="description")
    if owner is None and owner_agency is None:
        raise Refused("Every action needs an owner: a person or an agency.", field="owner")
    return PanelAction.objects.create(
        case=case,
        description=description.strip(),
        due_on=due_on,
        owner=owner,
        owner_agency=owner_agency,
    )


@records("Panel action completed")
@transaction.atomic
def complete_panel_action(*, acting_user: Actor, action: PanelAction) -> PanelAction:
    action = PanelAction.objects.select_for_update().select_related("case__child").get(pk=action.pk)
    require(acting_user, Action.PANEL, action.case.child)
    if action.done_at is not None:
        raise Conflict("This action is already done.", code="already_done")
    action.done_at = timezone.now()
    action.save(update_fields=["done_at"])
    return action
