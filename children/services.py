"""Writes to a child's record. Each function is one unit of work in one transaction."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from typing import IO, Any

from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from agencies.models import (
    LINKED_ROLES,
    Actor,
    Agency,
    AgencyKind,
    Membership,
    Role,
    Team,
    User,
    acting_person,
    person_of,
)
from children.models import (
    Allocation,
    Child,
    ChildAccessGrant,
    ChildAgreement,
    ChildLink,
    Disability,
    Ethnicity,
    LegalStatus,
    LegalStatusKind,
    Placement,
    PlacementKind,
    RecordAccess,
    Sex,
)
from children.permissions import Action, may_edit_philomena, require
from children.selectors import GRANT_PERMISSION, current_placement
from core.actors import is_engine
from core.audit import Reads
from core.clock import add_months
from core.errors import Conflict, NotAllowed, Refused, translate_integrity_errors
from core.history import records
from protocol import reconcile

# An ad-hoc grant is for a piece of work, not for good: at most a year, then renewed.
GRANT_LONGEST = dt.timedelta(days=366)

CHILD_CREATOR_ROLES = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.MISSING_COORDINATOR,
    Role.MASH_TRIAGE,
)

# Who the child is: corrected by children's social care (Action.EDIT_CHILD).
IDENTITY_FIELDS = frozenset(
    {
        "given_name",
        "family_name",
        "known_as",
        "date_of_birth",
        "sex",
        "ethnicity",
        "is_uasc",
        "local_child_id",
        "disability",
        "disability_details",
        "upn",
        "school",
    }
)
# Philomena profile Part 1, kept by the carer and the social worker (Action.EDIT_PHILOMENA).
PHILOMENA_FIELDS = frozenset(
    {
        "description",
        "clothing_style",
        "known_associates",
        "places_frequented",
        "phone_numbers",
        "social_media",
        "health_needs",
        "previous_episodes_summary",
    }
)
PROFILE_FIELDS = IDENTITY_FIELDS | PHILOMENA_FIELDS


def _check_date_of_birth(date_of_birth: dt.date) -> None:
    today = timezone.localdate()
    if date_of_birth > today:
        raise Refused("The date of birth cannot be in the future.", field="date_of_birth")
    # Calendar months, so 29 February has a date 25 years back (28 February).
    if date_of_birth < add_months(today, -25 * 12):
        raise Refused(
            "Homeward records children and care leavers: the date of birth is more than 25 years ago.",
            field="date_of_birth",
        )


@records("Child added")
@transaction.atomic
def create_child(
    *,
    acting_user: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    responsible_authority: Agency,
    sex: str = "not_known",
    ethnicity: str = "NOBT",
    is_uasc: bool = False,
    legal_status: str | None = None,
    legal_status_start: dt.date | None = None,
    team: Team | None = None,
    worker=None,
    **profile: str,
) -> Child:
    """Create a child; allocate to `team` (and `worker`) and record the legal status.

    Children's social care staff add children (a social worker, team manager, Missing
    Co-ordinator or MASH triage of a local authority); police report episodes for them.
    """
    if (
        not is_engine(acting_user)
        and not Membership.objects.filter(
            user=acting_user,
            is_active=True,
            role__in=CHILD_CREATOR_ROLES,
            team__agency__kind=AgencyKind.LOCAL_AUTHORITY,
        ).exists()
    ):
        raise NotAllowed("Only children's social care staff of a local authority may add a child.")
    return _create_child_record(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        responsible_authority=responsible_authority,
        sex=sex,
        ethnicity=ethnicity,
        is_uasc=is_uasc,
        legal_status=legal_status,
        legal_status_start=legal_status_start,
        team=team,
        worker=worker,
        **profile,
    )


def _create_child_record(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    responsible_authority: Agency,
    sex: str = "not_known",
    ethnicity: str = "NOBT",
    is_uasc: bool = False,
    legal_status: str | None = None,
    legal_status_start: dt.date | None = None,
    team: Team | None = None,
    worker=None,
    **profile: str,
) -> Child:
    """Write a new child's record, with no check of who is asking: the caller has decided.

    Two doors lead here. `create_child` lets children's social care staff add a child.
    `casework.services.report_missing_child` lets a police liaison officer report a child
    the council has no record of, because a missing child must be on record (and in the
    MASH's sight) at once, not when the council next answers the phone; that child is
    created with no allocation, and the MASH referral the report opens brings it to the
    authority's MASH, who allocate. Keep the role check in the doors, not here, so
    neither door widens the other.
    """
    given_name, family_name = given_name.strip(), family_name.strip()
    if not given_name or not family_name:
        raise Refused("Enter the child's given name and family name.", field="given_name")
    _check_date_of_birth(date_of_birth)
    unknown = set(profile) - PROFILE_FIELDS
    if unknown:
        raise Refused(f"Unknown child fields: {', '.join(sorted(unknown))}")
    child = Child.objects.create(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        responsible_authority=responsible_authority,
        sex=sex,
        ethnicity=ethnicity,
        is_uasc=is_uasc,
        **profile,
    )
    if team is not None:
        Allocation.objects.create(child=child, team=team, worker=worker, started_at=timezone.now())
    if legal_status and legal_status != LegalStatusKind.NONE:
        LegalStatus.objects.create(
            child=child, status=legal_status, start_date=legal_status_start or timezone.localdate()
        )
    reconcile(child)
    return child


# --- Identity ------------------------------------------------------------------------

# The DfE unique pupil number: a check letter, then 12 characters (the last a letter in
# a temporary UPN). The check letter is the weighted sum of characters 2 to 13 (weights
# 2 to 13) modulo 23, read in this alphabet (DfE, "Unique pupil numbers", annex).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
UPN_SHAPE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


def upn_check_letter(upn: str) -> str:
    """The check letter of a UPN's characters 2 to 13."""
    total = 0
    for weight, character in enumerate(upn[1:13], start=2):
        value = int(character) if character.isdigit() else UPN_LETTERS.index(character)
        total += weight * value
    return UPN_LETTERS[total % 23]


def normalise_upn(upn: str) -> str:
    """A UPN in capitals without spaces, or Refused if it is not a well-formed UPN."""
    upn = "".join(upn.split()).upper()
    if not upn:
        return ""
    if (
        not UPN_SHAPE.match(upn)
        or upn[0] not in UPN_LETTERS
        or (upn[12].isalpha() and upn[12] not in UPN_LETTERS)
    ):
        raise Refused(
            "Enter a unique pupil number of 13 characters: a letter, 11 digits, then a digit or letter",
            field="upn",
        )
    if upn_check_letter(upn) != upn[0]:
        raise Refused(
            "This unique pupil number's check letter does not match: check the number",
            field="upn",
        )
    return upn


def _clean_identity(changes: dict[str, Any]) -> dict[str, Any]:
    for name in ("given_name", "family_name"):
        if name in changes:
            changes[name] = str(changes[name]).strip()
            if not changes[name]:
                label = "given name" if name == "given_name" else "family name"
                raise Refused(f"Enter the child's {label}.", field=name)
    for name in ("known_as", "local_child_id", "disability_details", "school"):
        if name in changes:
            changes[name] = str(changes[name]).strip()
    if "upn" in changes:
        changes["upn"] = normalise_upn(str(changes["upn"]))
    if "date_of_birth" in changes:
        _check_date_of_birth(changes["date_of_birth"])
    choices = {"sex": Sex.values, "ethnicity": Ethnicity.values, "disability": Disability.values}
    for name, allowed in choices.items():
        if name in changes and changes[name] not in allowed:
            raise Refused(f"Choose one of the listed values for {name}.", field=name)
    return changes


@records("Child details corrected")
@transaction.atomic
def update_child(*, acting_user: Actor, child: Child, **changes: Any) -> Child:
    """Correct who the child is: names, date of birth, sex, ethnicity (DfE codes),
    disability, the council's child ID, UPN and school. Every change is in the history."""
    require(acting_user, Action.EDIT_CHILD, child)
    unknown = set(changes) - IDENTITY_FIELDS
    if unknown:
        raise Refused(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    changes = _clean_identity(changes)
    child = Child.objects.select_for_update().get(pk=child.pk)
    for name, value in changes.items():
        setattr(child, name, value)
    with translate_integrity_errors():
        child.save()
    # Date of birth moves the 18th birthday; UASC status opens the Home Office notice.
    reconcile(child)
    return child


@records("Philomena profile updated")
@transaction.atomic
def update_philomena_profile(*, acting_user: Actor, child: Child, **changes: str) -> Child:
    """Philomena profile Part 1 (Haringey protocol 12.1, 13.1), kept by the carer of the
    child's current placement and by the child's social worker."""
    if not is_engine(acting_user) and not may_edit_philomena(acting_user, child):
        raise NotAllowed("You may not change this child's Philomena profile.")
    unknown = set(changes) - PHILOMENA_FIELDS
    if unknown:
        raise Refused(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    child = Child.objects.select_for_update().get(pk=child.pk)
    for name, value in changes.items():
        setattr(child, name, str(value).strip())
    child.save()
    return child


# --- Legal status over time ------------------------------------------------------------


# Homeward records children: no period of their record starts before this.
EARLIEST_RECORD_DATE = dt.date(1990, 1, 1)


def _check_period(start_date: dt.date, end_date: dt.date | None) -> None:
    today = timezone.localdate()
    if start_date < EARLIEST_RECORD_DATE:
        raise Refused("Enter a real start date.", field="start_date")
    if start_date > today:
        raise Refused("The start date must be today or in the past.", field="start_date")
    if end_date is not None and end_date < start_date:
        raise Refused("The end date cannot be before the start date.", field="end_date")
    if end_date is not None and end_date > today:
        raise Refused("The end date must be today or in the past.", field="end_date")


@records("Legal status recorded")
@transaction.atomic
def add_legal_status(
    *,
    acting_user: Actor,
    child: Child,
    status: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> LegalStatus | None:
    """A legal status from `start_date` (back-dated too). The status open at that date
    ends the day before; "none" only ends it. The protocol is re-run, so a back-dated
    looked-after status opens the escalations it implies (HAR 15.1, 18.6)."""
    require(acting_user, Action.EDIT_CHILD, child)
    if status not in LegalStatusKind.values:
        raise Refused("Choose a legal status.", field="status")
    _check_period(start_date, end_date)
    later = (
        LegalStatus.objects.filter(child=child, start_date__gte=start_date)
        .filter(Q(start_date__lte=end_date) if end_date is not None else Q())
        .order_by("start_date")
        .first()
    )
    if later is not None:
        # The common case: a child added today as looked after "from today" who was in
        # care before. Point at the correction rather than only refusing the overlap.
        raise Conflict(
            f"{later.get_status_display()} is recorded from {later.start_date:%-d %B %Y}: "
            "correct that period's start date instead.",
            field="start_date",
        )
    current = (
        LegalStatus.objects.select_for_update()
        .filter(child=child, end_date__isnull=True, start_date__lt=start_date)
        .first()
    )
    if current is not None:
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    created = None
    if status != LegalStatusKind.NONE:
        with translate_integrity_errors():
            created = LegalStatus.objects.create(
                child=child, status=status, start_date=start_date, end_date=end_date
            )
    elif current is None:
        raise Refused("There is no legal status open on that date to end.", field="start_date")
    reconcile(child)
    return created


@records("Legal status corrected")
@transaction.atomic
def correct_legal_status(
    *,
    acting_user: Actor,
    legal_status: LegalStatus,
    status: str,
    start_date: dt.date,
    end_date: dt.date | None,
) -> LegalStatus:
    """Correct a recorded period: its status, its start (back-dated too) or its end."""
    legal_status = LegalStatus.objects.select_for_update().get(pk=legal_status.pk)
    require(acting_user, Action.EDIT_CHILD, legal_status.child)
    if status not in LegalStatusKind.values or status == LegalStatusKind.NONE:
        raise Refused("Choose a legal status.", field="status")
    _check_period(start_date, end_date)
    legal_status.status = status
    legal_status.start_date = start_date
    legal_status.end_date = end_date
    with translate_integrity_errors():
        legal_status.save()
    reconcile(legal_status.child)
    return legal_status


@records("Legal status ended")
@transaction.atomic
def end_legal_status(
    *, acting_user: Actor, legal_status: LegalStatus, end_date: dt.date
) -> LegalStatus:
    legal_status = LegalStatus.objects.select_for_update().get(pk=legal_status.pk)
    require(acting_user, Action.EDIT_CHILD, legal_status.child)
    if legal_status.end_date is not None:
        raise Conflict("This legal status has already ended.", field="end_date")
    _check_period(legal_status.start_date, end_date)
    legal_status.end_date = end_date
    with translate_integrity_errors():
        legal_status.save(update_fields=["end_date"])
    reconcile(legal_status.child)
    return legal_status


# --- Placements -------------------------------------------------------------------------

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_postcode(postcode: str) -> str:
    """A UK postcode in capitals with one space (SW1A 1AA), or Refused."""
    text = " ".join(postcode.upper().split())
    if not text:
        return ""
    match = POSTCODE.match(text)
    if match is None:
        raise Refused("Enter a real UK postcode, for example N22 8HQ", field="postcode")
    return f"{match.group(1)} {match.group(2)}"


def _placement_authorities(placing_authority: Agency, host_authority: Agency) -> None:
    for field, agency in (
        ("placing_authority", placing_authority),
        ("host_authority", host_authority),
    ):
        if agency.kind != AgencyKind.LOCAL_AUTHORITY:
            raise Refused("Choose a local authority.", field=field)


@records("Placement started")
@transaction.atomic
def start_placement(
    *,
    acting_user: Actor,
    child: Child,
    kind: str,
    placing_authority: Agency,
    host_authority: Agency,
    start_date: dt.date,
    end_date: dt.date | None = None,
    name: str = "",
    provider: str = "",
    address: str = "",
    postcode: str = "",
    carer: User | None = None,
) -> Placement:
    """A placement from `start_date` (back-dated too); the one open then ends the day before."""
    require(acting_user, Action.EDIT_CHILD, child)
    if kind not in PlacementKind.values:
        raise Refused("Choose the kind of placement.", field="kind")
    _placement_authorities(placing_authority, host_authority)
    _check_period(start_date, end_date)
    postcode = normalise_postcode(postcode)
    current = (
        Placement.objects.select_for_update()
        .filter(child=child, end_date__isnull=True, start_date__lt=start_date)
        .first()
    )
    if current is not None:
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    with translate_integrity_errors():
        placement = Placement.objects.create(
            child=child,
            kind=kind,
            placing_authority=placing_authority,
            host_authority=host_authority,
            start_date=start_date,
            end_date=end_date,
            name=name.strip(),
            provider=provider.strip(),
            address=address.strip(),
            postcode=postcode,
            carer=carer,
        )
    # Out-of-area placements change who is told, and who sees the child.
    reconcile(child)
    return placement


PLACEMENT_FIELDS = frozenset(
    {
        "kind",
        "placing_authority",
        "host_authority",
        "start_date",
        "end_date",
        "name",
        "provider",
        "address",
        "postcode",
        "carer",
    }
)


@records("Placement corrected")
@transaction.atomic
def correct_placement(*, acting_user: Actor, placement: Placement, **changes: Any) -> Placement:
    """Correct a recorded placement: its kind, provider, address, authorities or dates."""
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    require(acting_user, Action.EDIT_CHILD, placement.child)
    unknown = set(changes) - PLACEMENT_FIELDS
    if unknown:
        raise Refused(f"These fields cannot be changed: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(placement, name, value)
    if placement.kind not in PlacementKind.values:
        raise Refused("Choose the kind of placement.", field="kind")
    _placement_authorities(placement.placing_authority, placement.host_authority)
    _check_period(placement.start_date, placement.end_date)
    placement.postcode = normalise_postcode(placement.postcode)
    with translate_integrity_errors():
        placement.save()
    reconcile(placement.child)
    return placement


@records("Placement ended")
@transaction.atomic
def end_placement(*, acting_user: Actor, placement: Placement, end_date: dt.date) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    require(acting_user, Action.EDIT_CHILD, placement.child)
    if placement.end_date is not None:
        raise Conflict("This placement has already ended.", field="end_date")
    _check_period(placement.start_date, end_date)
    placement.end_date = end_date
    with translate_integrity_errors():
        placement.save(update_fields=["end_date"])
    reconcile(placement.child)
    return placement


# --- Allocation -------------------------------------------------------------------------

ALLOCATABLE_WORKER_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)


def allocatable_teams(user: Actor, child: Child) -> QuerySet[Team]:
    """The teams `user` may allocate `child` to: a team manager's own teams, and any team of
    the authority for its Missing Co-ordinator; always teams of a local authority responsible
    for or hosting the child."""
    authorities = {child.responsible_authority_id}
    placement = current_placement(child)
    if placement is not None:
        authorities.add(placement.host_authority_id)
    teams = Team.objects.filter(agency_id__in=authorities, agency__kind=AgencyKind.LOCAL_AUTHORITY)
    if is_engine(user):
        return teams
    assert isinstance(user, User)
    memberships = Membership.objects.filter(user=user, is_active=True)
    return teams.filter(
        Q(pk__in=memberships.filter(role=Role.TEAM_MANAGER).values("team_id"))
        | Q(
            agency_id__in=memberships.filter(role=Role.MISSING_COORDINATOR).values(
                "team__agency_id"
            )
        )
    )


def allocatable_workers(team: Team) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__team=team,
        memberships__is_active=True,
        memberships__role__in=ALLOCATABLE_WORKER_ROLES,
    ).distinct()


@records("Child allocated")
@transaction.atomic
def allocate_child(
    *,
    acting_user: Actor,
    child: Child,
    team: Team,
    worker: User | None = None,
    replacing: Allocation | None = None,
) -> Allocation:
    """Allocate the child to `team` with `worker` (a reallocation when `replacing` names the
    allocation it ends, or when the child is already allocated to `team`). History is kept:
    an allocation is ended, never changed."""
    require(acting_user, Action.ALLOCATE, child)
    if not allocatable_teams(acting_user, child).filter(pk=team.pk).exists():
        raise NotAllowed("You may not allocate this child to that team.")
    if worker is not None and not allocatable_workers(team).filter(pk=worker.pk).exists():
        raise Refused("Choose a social worker or team manager of that team.", field="worker")
    now = timezone.now()
    if replacing is not None:
        if replacing.child_id != child.pk:
            raise Refused("That allocation is not this child's.", field="replacing")
        Allocation.objects.filter(pk=replacing.pk, ended_at__isnull=True).update(ended_at=now)
    Allocation.objects.filter(child=child, team=team, ended_at__isnull=True).update(ended_at=now)
    with translate_integrity_errors():
        allocation = Allocation.objects.create(
            child=child, team=team, worker=worker, started_at=now
        )
    # Deadline owners follow the allocation.
    reconcile(child)
    return allocation


@records("Allocation ended")
@transaction.atomic
def end_allocation(*, acting_user: Actor, allocation: Allocation) -> Allocation:
    """End an allocation: the child leaves the team's caseload (and, with no other
    allocation, goes on the unallocated list)."""
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    require(acting_user, Action.ALLOCATE, allocation.child)
    if allocation.ended_at is not None:
        raise Conflict("This allocation has already ended.")
    allocation.ended_at = timezone.now()
    allocation.save(update_fields=["ended_at"])
    reconcile(allocation.child)
    return allocation


# --- Ad-hoc access grants ---------------------------------------------------------------


# --- Linked practitioners (issue 15) -----------------------------------------------------


@records("Practitioner linked")
@transaction.atomic
def link_practitioner(*, acting_user: Actor, child: Child, user, role: str) -> ChildLink:
    """Link the child's IRO (or child protection adviser) or a partner practitioner to the
    child: they then see this child, and what their role needs. The person must hold the
    role in an active membership."""
    require(acting_user, Action.LINK_PRACTITIONER, child)
    if role not in LINKED_ROLES:
        raise Refused("Link an IRO or a partner agency's practitioner.", field="role")
    if (
        not user.is_active
        or not Membership.objects.filter(user=user, role=role, is_active=True).exists()
    ):
        raise Refused("This person does not hold that role.", field="user")
    with translate_integrity_errors():
        return ChildLink.objects.create(
            child=child,
            user=user,
            role=role,
            started_at=timezone.now(),
            created_by=acting_person(acting_user),
        )


@records("Practitioner link ended")
@transaction.atomic
def end_practitioner_link(*, acting_user: Actor, link: ChildLink) -> ChildLink:
    link = ChildLink.objects.select_for_update().select_related("child").get(pk=link.pk)
    require(acting_user, Action.LINK_PRACTITIONER, link.child)
    if link.ended_at is not None:
        raise Conflict("This link has already ended.", code="already_ended")
    link.ended_at = timezone.now()
    link.save(update_fields=["ended_at"])
    return link


@records("Access granted")
@transaction.atomic
def grant_child_access(
    *, acting_user: Actor, child: Child, user, expires_at: dt.datetime, reason: str
) -> ChildAccessGrant:
    """Let one named person see one child's record until `expires_at`. A manager's act,
    never the engine's: the grant names who made it."""
    require(acting_user, Action.GRANT_ACCESS, child)
    if expires_at <= timezone.now():
        raise Refused("The access must expire in the future.", field="expires_at")
    if expires_at > timezone.now() + GRANT_LONGEST:
        raise Refused("Grant access for a year at most.", field="expires_at")
    if not reason.strip():
        raise Refused("Say why this person needs access.", field="reason")
    if not user.is_active:
        raise Refused("This person's account is not active.", field="user")
    permission = Permission.objects.get(
        codename=GRANT_PERMISSION, content_type__app_label="children"
    )
    grant, _created = ChildAccessGrant.objects.update_or_create(
        content_object=child,
        user=user,
        permission=permission,
        defaults={
            "expires_at": expires_at,
            "reason": reason.strip(),
            "granted_by": acting_person(acting_user),
            "revoked_at": None,
            "revoked_by": None,
        },
    )
    return grant


@records("Access revoked")
@transaction.atomic
def revoke_child_access(*, acting_user: Actor, grant: ChildAccessGrant) -> ChildAccessGrant:
    """End a grant now. The row stays, with who revoked it and when (and its history)."""
    grant = ChildAccessGrant.objects.select_for_update().get(pk=grant.pk)
    require(acting_user, Action.GRANT_ACCESS, grant.content_object)
    now = timezone.now()
    if grant.revoked_at is not None or grant.expires_at <= now:
        raise Conflict("This access has already ended.")
    grant.expires_at = now
    grant.revoked_at = now
    grant.revoked_by = person_of(acting_user)
    grant.save(update_fields=["expires_at", "revoked_at", "revoked_by"])
    return grant


# --- Photograph -------------------------------------------------------------------------

PHOTO_MAX_BYTES = 10 * 1024 * 1024
# A decoded image this large is refused before it is decoded (a decompression bomb).
PHOTO_MAX_PIXELS = 40_000_000
# Kept at most this size: enough for police to recognise the child, small to serve.
PHOTO_LONGEST_SIDE = 1600


def reencoded_photo(upload: IO[bytes], size: int) -> bytes:
    """The upload as a fresh JPEG: only JPEG and PNG accepted, judged by their content (not
    the name or the browser's content type), and rebuilt from pixels so no metadata (EXIF
    location, comments, embedded scripts) survives."""
    if size > PHOTO_MAX_BYTES:
        raise Refused(
            f"The photo must be smaller than {PHOTO_MAX_BYTES // (1024 * 1024)} MB", field="photo"
        )
    try:
        with Image.open(upload, formats=["JPEG", "PNG"]) as image:
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise Refused("The photo is too large: choose a smaller one", field="photo")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            rgb = upright.convert("RGB")
            rgb.thumbnail((PHOTO_LONGEST_SIDE, PHOTO_LONGEST_SIDE))
            # Rebuilt from raw pixels: a new image with an empty info dictionary.
            clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as error:
        raise Refused("The photo must be a JPEG or PNG image", field="photo") from error
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85)
    return out.getvalue()


@records("Photo recorded")
@transaction.atomic
def record_photo(
    *,
    acting_user: Actor,
    child: Child,
    upload: IO[bytes],
    size: int,
    consent_given_by: str,
    child_agreement: str,
    taken_on: dt.date | None = None,
) -> Child:
    """Hold a recent photo of the child, with the consent of a person with parental
    responsibility and the child's view recorded (Haringey protocol 7.3). Replaces any
    photo held before (and any media consent given for it)."""
    require(acting_user, Action.RECORD_PHOTO, child)
    if not consent_given_by.strip():
        raise Refused(
            "Enter the name of the person with parental responsibility who consented",
            field="consent_given_by",
        )
    if child_agreement not in ChildAgreement.values:
        raise Refused("Say whether the child agreed", field="child_agreement")
    if taken_on is not None and taken_on > timezone.localdate():
        raise Refused("The date the photo was taken cannot be in the future", field="taken_on")
    content = reencoded_photo(upload, size)
    child = Child.objects.select_for_update().get(pk=child.pk)
    old_name = child.photo.name
    storage = child.photo.storage
    name = storage.save(
        f"child-photos/{child.pk}/{secrets.token_hex(16)}.jpg", ContentFile(content)
    )
    # A failed transaction leaves no file behind, and a replaced one is deleted after commit.
    transaction.on_commit(lambda: storage.delete(old_name) if old_name else None)
    child.photo.name = name
    child.photo_consent_given_by = consent_given_by.strip()
    child.photo_consent_recorded_at = timezone.now()
    child.photo_child_agreement = child_agreement
    child.photo_taken_on = taken_on
    child.photo_recorded_by = person_of(acting_user)
    child.photo_media_consent_at = None
    child.photo_media_consent_by = None
    child.photo_media_consent_reason = ""
    try:
        child.save()
    except Exception:
        storage.delete(name)
        raise
    return child


@records("Media consent for the photo recorded")
@transaction.atomic
def record_photo_media_consent(*, acting_user: Actor, child: Child, reason: str) -> Child:
    """The local authority's consent for police to publish the photo in the media
    (Haringey protocol 7.4): separate from the consent to hold it, a manager's decision."""
    require(acting_user, Action.PHOTO_MEDIA_CONSENT, child)
    child = Child.objects.select_for_update().get(pk=child.pk)
    if not child.photo:
        raise Conflict("There is no photo to publish.", field="reason")
    if not reason.strip():
        raise Refused("Say why the photo may be published", field="reason")
    child.photo_media_consent_at = timezone.now()
    child.photo_media_consent_by = person_of(acting_user)
    child.photo_media_consent_reason = reason.strip()
    child.save()
    return child


def write_reads(reads: Reads, *, via: str) -> list[RecordAccess]:
    """The access events of one request (core.audit): a row per child read, naming what of
    the record was shown, in one INSERT."""
    now = timezone.now()
    return RecordAccess.objects.bulk_create(
        [
            RecordAccess(
                user=reads.reader,
                child_id=child_id,
                accessed_at=now,
                via=via[:300],
                channel=reads.channel,
                records=sorted(records),
            )
            for child_id, records in sorted(reads.children.items())
        ]
    )


def record_access(*, user: User, child: Child, via: str, channel: str = "web") -> RecordAccess:
    """Write the access event for opening a child's record (ARCHITECTURE.md "Audit")."""
    return RecordAccess.objects.create(
        user=user, child=child, accessed_at=timezone.now(), via=via[:300], channel=channel
    )
