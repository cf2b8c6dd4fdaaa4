"""Strategy meetings and discussions; exploitation panel referrals, meetings and actions."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, Agency, AgencyKind, Membership, User, acting_person
from children.models import Child, LegalStatusKind
from children.permissions import Action, require
from children.selectors import current_legal_status
from contextual.models import AssociateLink, EpisodePlace, MissingWith
from core.clock import LONDON, london_wall_time
from core.errors import Conflict, NotAllowed, Refused
from core.history import records
from episodes.models import Episode
from panels.models import (
    CADENCE_DAYS,
    STRATEGY_ACTION_KINDS,
    Attendance,
    Cadence,
    MeetingAttendance,
    MeetingKind,
    MeetingTrigger,
    Panel,
    PanelAction,
    PanelAttendance,
    PanelCase,
    PanelIntelligence,
    PanelKind,
    PanelMeeting,
    PanelMember,
    PanelReferral,
    ParentalConsent,
    StrategyItem,
    StrategyItemKind,
    StrategyMeeting,
)
from panels.selectors import panel_run_authority_ids
from protocol import reconcile
from risk.models import Indicator


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


def _next_meeting(authority_id: int, kind: str, after: dt.datetime) -> PanelMeeting | None:
    return (
        PanelMeeting.objects.filter(authority_id=authority_id, kind=kind, meets_at__gte=after)
        .order_by("meets_at", "pk")
        .first()
    )


def _put_on_agenda(meeting: PanelMeeting, child: Child, reason: str, referral=None) -> PanelCase:
    """The child on the meeting's agenda (once), with the open actions of earlier meetings
    carried to it: a safety plan's actions follow the child until done."""
    case = PanelCase.objects.filter(meeting=meeting, child=child).first()
    if case is not None:
        if referral is not None and case.referral_id is None:
            case.referral = referral
            case.save(update_fields=["referral"])
        return case
    case = PanelCase.objects.create(
        meeting=meeting, child=child, reason=reason[:300], referral=referral
    )
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


@records("Referred to panel")
@transaction.atomic
def refer_to_panel(
    *,
    acting_user: Actor,
    child: Child,
    reason: str,
    panel_kind: str = PanelKind.MACE,
    indicators: Sequence[str] = (),
    referred_at: dt.datetime | None = None,
) -> PanelReferral:
    """Refer the child to a panel of their responsible authority (Haringey protocol 18.5,
    11.2). Anyone who knows the child may refer, police included (issue 12). The
    referral goes on that panel's next agenda, or the next one scheduled; the
    panel_referral deadline is met when the panel discusses the child."""
    require(acting_user, Action.REFER_TO_PANEL, child)
    person = acting_person(acting_user)
    if not reason.strip():
        raise Refused("Say why the child is referred to the panel.", field="reason")
    if len(reason) > 10_000:
        raise Refused("The reason must be 10,000 characters or fewer.", field="reason")
    if panel_kind not in PanelKind.values:
        raise Refused("Choose the panel.", field="panel_kind")
    unknown = sorted(set(indicators) - set(Indicator.values))
    if unknown:
        raise Refused("Choose exploitation indicators from the list.", field="indicators")
    referred_at = referred_at or timezone.now()
    _past(referred_at, "referred_at", "referral time")
    referral = PanelReferral.objects.create(
        child=child,
        panel_kind=panel_kind,
        referred_at=referred_at,
        reason=reason.strip(),
        indicators=sorted(set(indicators)),
        referred_by=person,
        referring_agency=_agency_of(person, child),
    )
    meeting = _next_meeting(child.responsible_authority_id, panel_kind, timezone.now())
    if meeting is not None:
        _put_on_agenda(meeting, child, _referral_reason(referral), referral)
    reconcile(child)
    return referral


def _agency_of(person, child: Child) -> Agency | None:
    """The agency the referrer speaks for: their police force if they reach the child as
    police, else the first agency of their memberships."""
    memberships = Membership.objects.filter(user=person, is_active=True).select_related(
        "team__agency"
    )
    agencies = [m.team.agency for m in memberships]
    for agency in agencies:
        if agency.kind == AgencyKind.POLICE_FORCE:
            return agency
    return agencies[0] if agencies else None


def _referral_reason(referral: PanelReferral) -> str:
    by = referral.referring_agency.name if referral.referring_agency else "a referrer"
    return f"Referred by {by}: {referral.reason}"


def _require_runs_panels(acting_user: Actor, authority: Agency) -> User:
    person = acting_person(acting_user)
    if authority.pk not in panel_run_authority_ids(person):
        raise NotAllowed("You do not run this authority's panels.")
    return person


@records("Panel set up")
@transaction.atomic
def set_up_panel(
    *, acting_user: Actor, authority: Agency, kind: str, cadence: str = Cadence.MONTHLY
) -> Panel:
    person = _require_runs_panels(acting_user, authority)
    if kind not in PanelKind.values:
        raise Refused("Choose the panel.", field="kind")
    if cadence not in Cadence.values:
        raise Refused("Choose how often the panel meets.", field="cadence")
    panel, created = Panel.objects.get_or_create(
        authority=authority, kind=kind, defaults={"cadence": cadence, "created_by": person}
    )
    if not created and panel.cadence != cadence:
        panel.cadence = cadence
        panel.save(update_fields=["cadence"])
    PanelMeeting.objects.filter(authority=authority, kind=kind, panel__isnull=True).update(
        panel=panel
    )
    return panel


@records("Panel member added")
@transaction.atomic
def add_panel_member(
    *, acting_user: Actor, panel: Panel, name: str, agency: Agency, role: str = "", user=None
) -> PanelMember:
    _require_runs_panels(acting_user, panel.authority)
    name = " ".join(name.split())
    if not name:
        raise Refused("Enter the member's name.", field="name")
    if len(name) > 200 or len(role) > 200:
        raise Refused("Names and roles must be 200 characters or fewer.", field="name")
    return PanelMember.objects.create(
        panel=panel, name=name, agency=agency, role=role.strip(), user=user
    )


@records("Panel member left")
@transaction.atomic
def remove_panel_member(*, acting_user: Actor, member: PanelMember) -> PanelMember:
    _require_runs_panels(acting_user, member.panel.authority)
    if member.left_on is not None:
        raise Conflict("This member has already left the panel.")
    member.left_on = timezone.localdate()
    member.save(update_fields=["left_on"])
    return member


def next_meeting_time(panel: Panel, last: dt.datetime) -> dt.datetime:
    """The next meeting at the same Europe/London wall-clock time: a calendar month on
    (the same day of the month, or the month's last day), or 7, 14 or 21 days on."""
    local = last.astimezone(LONDON)
    if panel.cadence == Cadence.MONTHLY:
        year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
        day = dt.date(year, month, min(local.day, calendar.monthrange(year, month)[1]))
    else:
        day = local.date() + dt.timedelta(days=CADENCE_DAYS[Cadence(panel.cadence)])
    return london_wall_time(dt.datetime.combine(day, local.time().replace(tzinfo=None)))


@records("Panel meeting scheduled")
@transaction.atomic
def schedule_next_panel_meeting(*, acting_user: Actor, panel: Panel) -> PanelMeeting:
    """The panel's next meeting, one cadence after its latest."""
    last = panel.meetings.order_by("-meets_at").first()
    if last is None:
        raise Refused("Schedule the panel's first meeting by date.", field="meets_at")
    return schedule_panel_meeting(
        acting_user=acting_user,
        authority=panel.authority,
        kind=panel.kind,
        meets_at=next_meeting_time(panel, last.meets_at),
    )


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
    """A panel meeting; the referrals waiting for this panel, and the children whose
    safety plan actions at its earlier meetings are not yet done, go on its agenda."""
    person = _require_runs_panels(acting_user, authority)
    if meets_at.tzinfo is None:
        raise Refused("Times must carry a time zone.", field="meets_at")
    if kind not in PanelKind.values:
        raise Refused("Choose the kind of panel.", field="kind")
    meeting = PanelMeeting.objects.create(
        authority=authority,
        panel=Panel.objects.filter(authority=authority, kind=kind).first(),
        kind=kind,
        meets_at=meets_at,
        notes=notes,
        created_by=person,
    )
    waiting = (
        PanelReferral.objects.filter(
            child__responsible_authority=authority, panel_kind=kind, cases__isnull=True
        )
        .select_related("child", "referring_agency")
        .order_by("referred_at", "pk")
    )
    for referral in waiting:
        _put_on_agenda(meeting, referral.child, _referral_reason(referral), referral)
    carried = (
        PanelAction.objects.filter(
            case__meeting__authority=authority,
            case__meeting__kind=kind,
            case__meeting__meets_at__lt=meets_at,
            done_at__isnull=True,
            carried_to=None,
        )
        .select_related("case__child")
        .order_by("case__child_id")
    )
    for child in {action.case.child_id: action.case.child for action in carried}.values():
        _put_on_agenda(meeting, child, "Safety plan actions carried forward")
    return meeting


@records("Child added to panel agenda")
@transaction.atomic
def add_panel_case(
    *, acting_user: Actor, meeting: PanelMeeting, child: Child, reason: str
) -> PanelCase:
    """Put a child on the agenda; open actions from earlier meetings are carried to it."""
    require(acting_user, Action.PANEL, child)
    if PanelCase.objects.filter(meeting=meeting, child=child).exists():
        raise Conflict(f"{child} is already on this meeting's agenda.", field="child")
    return _put_on_agenda(meeting, child, reason)


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
    # The same action carried from earlier meetings is done too: one action, one outcome.
    earlier = action.carried_from
    while earlier is not None:
        if earlier.done_at is None:
            earlier.done_at = action.done_at
            earlier.save(update_fields=["done_at"])
        earlier = earlier.carried_from
    return action


@records("Panel attendance recorded")
@transaction.atomic
def record_panel_attendance(
    *, acting_user: Actor, meeting: PanelMeeting, statuses: dict[int, str]
) -> list[PanelAttendance]:
    """Who attended, sent apologies or did not attend, member by member."""
    _require_runs_panels(acting_user, meeting.authority)
    if meeting.panel is None:
        raise Refused("Set up the panel and its members first.", field="attendance")
    members = {m.pk: m for m in meeting.panel.members.all()}
    rows = []
    for member_id, status in statuses.items():
        if member_id not in members:
            raise Refused("Choose members of this panel.", field="attendance")
        if status not in Attendance.values:
            raise Refused("Say whether each member attended.", field="attendance")
        row, _created = PanelAttendance.objects.update_or_create(
            meeting=meeting, member=members[member_id], defaults={"status": status}
        )
        rows.append(row)
    return rows


@records("Panel discussion recorded")
@transaction.atomic
def record_panel_discussion(
    *, acting_user: Actor, case: PanelCase, discussion: str, discussed_at: dt.datetime | None = None
) -> PanelCase:
    """The panel's discussion of one child: meets the panel_referral deadline (decision
    0013; Haringey protocol 18.5)."""
    case = PanelCase.objects.select_for_update().select_related("child", "meeting").get(pk=case.pk)
    require(acting_user, Action.PANEL, case.child)
    if not discussion.strip():
        raise Refused("Record what the panel discussed.", field="discussion")
    if len(discussion) > 10_000:
        raise Refused("The discussion must be 10,000 characters or fewer.", field="discussion")
    discussed_at = discussed_at or timezone.now()
    _past(discussed_at, "discussed_at", "discussion time")
    case.discussion = discussion.strip()
    case.discussed_at = case.discussed_at or discussed_at
    case.save(update_fields=["discussion", "discussed_at"])
    reconcile(case.child)
    return case


@records("Intelligence linked at panel")
@transaction.atomic
def link_panel_intelligence(
    *,
    acting_user: Actor,
    case: PanelCase,
    episode_place: EpisodePlace | None = None,
    associate_link: AssociateLink | None = None,
    missing_with: MissingWith | None = None,
    note: str = "",
) -> PanelIntelligence:
    """Link a record already made (a place in an episode, an associate, a child missing
    with another) to the child's discussion: recorded once, linked, never retyped."""
    require(acting_user, Action.PANEL, case.child)
    chosen = [r for r in (episode_place, associate_link, missing_with) if r is not None]
    if len(chosen) != 1:
        raise Refused("Choose one record to link.", field="record")
    record = chosen[0]
    child_ids = {record.child_id, getattr(record, "other_child_id", None)}
    if case.child_id not in child_ids:
        raise Refused("Choose a record of this child.", field="record")
    if len(note) > 500:
        raise Refused("The note must be 500 characters or fewer.", field="note")
    return PanelIntelligence.objects.create(
        case=case,
        episode_place=episode_place,
        associate_link=associate_link,
        missing_with=missing_with,
        note=note.strip(),
        shared_by=acting_person(acting_user),
        shared_at=timezone.now(),
    )
