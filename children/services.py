"""Writes to a child's record. Each function is one unit of work in one transaction."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from agencies.models import Actor, Agency, AgencyKind, Membership, Role, Team, acting_person
from children.models import (
    Allocation,
    Child,
    ChildAccessGrant,
    LegalStatus,
    LegalStatusKind,
    Placement,
    RecordAccess,
)
from children.permissions import Action, require
from children.selectors import GRANT_PERMISSION
from core.actors import is_engine
from core.clock import add_months
from core.errors import NotAllowed, Refused, translate_integrity_errors
from core.history import records
from protocol import reconcile

CHILD_CREATOR_ROLES = (
    Role.SOCIAL_WORKER,
    Role.TEAM_MANAGER,
    Role.MISSING_COORDINATOR,
    Role.MASH_TRIAGE,
)

PROFILE_FIELDS = frozenset(
    {
        "known_as",
        "sex",
        "ethnicity",
        "is_uasc",
        "description",
        "known_associates",
        "places_frequented",
        "phone_numbers",
        "social_media",
        "health_needs",
        "given_name",
        "family_name",
        "date_of_birth",
    }
)


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


@records("Child details corrected")
@transaction.atomic
def update_child(*, acting_user: Actor, child: Child, **changes) -> Child:
    require(acting_user, Action.EDIT_CHILD, child)
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise Refused(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    if "date_of_birth" in changes:
        _check_date_of_birth(changes["date_of_birth"])
    for name, value in changes.items():
        setattr(child, name, value)
    with translate_integrity_errors():
        child.save()
    # Date of birth moves the 18th birthday; UASC status opens the Home Office notice.
    reconcile(child)
    return child


@records("Legal status recorded")
@transaction.atomic
def set_legal_status(
    *, acting_user: Actor, child: Child, status: str, start_date: dt.date
) -> LegalStatus | None:
    """A new legal status from `start_date`; the current one ends the day before."""
    require(acting_user, Action.EDIT_CHILD, child)
    current = (
        LegalStatus.objects.select_for_update().filter(child=child, end_date__isnull=True).first()
    )
    if current is not None:
        if start_date <= current.start_date:
            raise Refused(
                "The new legal status must start after the current one started.", field="start_date"
            )
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    created = None
    if status != LegalStatusKind.NONE:
        with translate_integrity_errors():
            created = LegalStatus.objects.create(child=child, status=status, start_date=start_date)
    reconcile(child)
    return created


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
    name: str = "",
    address: str = "",
    carer=None,
) -> Placement:
    """A new placement from `start_date`; the current one ends the day before."""
    require(acting_user, Action.EDIT_CHILD, child)
    current = (
        Placement.objects.select_for_update().filter(child=child, end_date__isnull=True).first()
    )
    if current is not None:
        if start_date <= current.start_date:
            raise Refused(
                "The new placement must start after the current one started.", field="start_date"
            )
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    with translate_integrity_errors():
        placement = Placement.objects.create(
            child=child,
            kind=kind,
            placing_authority=placing_authority,
            host_authority=host_authority,
            start_date=start_date,
            name=name,
            address=address,
            carer=carer,
        )
    reconcile(child)
    return placement


@records("Child allocated")
@transaction.atomic
def allocate_child(*, acting_user: Actor, child: Child, team: Team, worker=None) -> Allocation:
    """Allocate the child to `team` with `worker`, replacing any current allocation to it."""
    if not is_engine(acting_user) and child.allocations.filter(ended_at__isnull=True).exists():
        require(acting_user, Action.EDIT_CHILD, child)
    now = timezone.now()
    Allocation.objects.filter(child=child, team=team, ended_at__isnull=True).update(ended_at=now)
    with translate_integrity_errors():
        allocation = Allocation.objects.create(
            child=child, team=team, worker=worker, started_at=now
        )
    # Deadline owners follow the allocation.
    reconcile(child)
    return allocation


@records("Access granted")
@transaction.atomic
def grant_child_access(
    *, acting_user: Actor, child: Child, user, expires_at: dt.datetime, reason: str
) -> ChildAccessGrant:
    """Let one named person see one child's record until `expires_at`."""
    require(acting_user, Action.GRANT_ACCESS, child)
    if expires_at <= timezone.now():
        raise Refused("The access must expire in the future.", field="expires_at")
    if not reason.strip():
        raise Refused("Say why this person needs access.", field="reason")
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
        },
    )
    return grant


def record_access(*, user, child: Child, via: str, channel: str = "web") -> RecordAccess:
    """Write the access event for opening a child's record (ARCHITECTURE.md "Audit")."""
    return RecordAccess.objects.create(
        user=user, child=child, accessed_at=timezone.now(), via=via[:300], channel=channel
    )
