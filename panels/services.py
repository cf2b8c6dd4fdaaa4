"""Strategy meetings and discussions; exploitation panel referrals, meetings and actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, Agency, acting_person
from children.models import Child
from children.permissions import Action, require
from core.errors import Conflict, Refused
from core.history import records
from episodes.models import Episode
from panels.models import (
    MeetingAttendance,
    MeetingKind,
    MeetingTrigger,
    PanelAction,
    PanelCase,
    PanelKind,
    PanelMeeting,
    PanelReferral,
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
) -> StrategyMeeting:
    """A strategy meeting or discussion held; meets the deadline that required it.

    `attendees` are dicts with `agency` (an Agency), `name` and optional `role`.
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
    meeting = StrategyMeeting.objects.create(
        child=child,
        episode=episode,
        kind=kind,
        trigger=trigger,
        held_at=held_at,
        chair=chair,
        decisions=decisions,
        next_review_on=next_review_on,
        recorded_by=acting_person(acting_user),
    )
    for attendee in attendees:
        agency = attendee.get("agency")
        name = (attendee.get("name") or "").strip()
        if not isinstance(agency, Agency) or not name:
            raise Refused("Each attendee needs a name and an agency.", field="attendees")
        MeetingAttendance.objects.create(
            meeting=meeting, agency=agency, name=name, role=attendee.get("role", "")
        )
    reconcile(child)
    return meeting


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
