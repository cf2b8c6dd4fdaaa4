"""Who works in Homeward: agencies, their teams, and each person's roles in teams."""

from __future__ import annotations

from typing import TypeAlias

import pghistory
from django.contrib.auth.models import AbstractUser
from django.db import models

from core.actors import Engine
from core.errors import NotAllowed


class AgencyKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    POLICE_FORCE = "police_force", "Police force"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    VOLUNTARY = "voluntary", "Voluntary sector"


class Role(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    MASH_TRIAGE = "mash_triage", "MASH triage"
    MISSING_COORDINATOR = "missing_coordinator", "Missing co-ordinator"
    RETURN_INTERVIEW_OFFICER = "return_interview_officer", "Return interview officer"
    POLICE_LIAISON = "police_liaison", "Police liaison officer"
    PANEL_MEMBER = "panel_member", "Panel member"
    SENIOR_MANAGER = "senior_manager", "Assistant Director"
    ADMINISTRATOR = "administrator", "Administrator"
    # The roles the protocol names (issue 15; Haringey protocol 15.1, 18.5). The IRO (or,
    # for a child on a child protection plan, the child protection adviser) and the partner
    # practitioners see only the children they are linked to (children.models.ChildLink).
    INDEPENDENT_REVIEWING_OFFICER = (
        "independent_reviewing_officer",
        "Independent Reviewing Officer or child protection adviser",
    )
    HEAD_OF_SERVICE = "head_of_service", "Head of service"
    HEALTH_NAMED_PROFESSIONAL = "health_named_professional", "Health named professional"
    SCHOOL_SAFEGUARDING_LEAD = "school_safeguarding_lead", "School designated safeguarding lead"
    YOUTH_JUSTICE = "youth_justice", "Youth justice worker"
    RETURN_INTERVIEW_PROVIDER = (
        "return_interview_provider",
        "Return interview provider (commissioned)",
    )


# Roles that see every child of their local authority, whatever the allocation: the
# Missing Co-ordinator tracks every episode, and the Assistant Director reviews the
# looked-after children missing 24 hours and 3 months (Haringey protocol 15.1, 18.6).
AUTHORITY_WIDE_ROLES = (Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER, Role.HEAD_OF_SERVICE)

# Partner agencies' practitioners (HAR 18.5): told of a high-risk missing child they are
# linked to, and shown the alerts of high-risk children missing now.
PARTNER_ROLES = (
    Role.HEALTH_NAMED_PROFESSIONAL,
    Role.SCHOOL_SAFEGUARDING_LEAD,
    Role.YOUTH_JUSTICE,
    Role.RETURN_INTERVIEW_PROVIDER,
)
# Roles that reach a child only through a link to that child (ChildLink).
LINKED_ROLES = (Role.INDEPENDENT_REVIEWING_OFFICER, *PARTNER_ROLES)


@pghistory.track()
class Agency(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=AgencyKind.choices)
    # The DfE local authority code (SSDA903) or the police force code.
    code = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Tracked without the password hash (decision 0016): who was made staff, deactivated,
# renamed, and when, is history; the hash is a secret, never copied. A sign-in's
# last_login is in the sign-in log (axes), not an event per sign-in here.
@pghistory.track(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. Roles come from memberships of teams, never from flags here."""

    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    # Counts changes that take a second factor away (a device deleted, unconfirmed or
    # given to someone else): database triggers raise it, and never let it fall
    # (migration agencies 0004). A session's check of its verified device is trusted
    # only while this is what it was when the device was checked (decision 0019).
    second_factor_epoch = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


# Who a service acts for: a person, checked against the action table, or the engine
# (core.actors.ENGINE), which acts on the protocol's own clock.
Actor: TypeAlias = User | Engine


def person_of(actor: Actor) -> User | None:
    """The person behind an action, for a nullable `..._by` column; None for the engine."""
    return None if isinstance(actor, Engine) else actor


def acting_person(actor: Actor) -> User:
    """The person behind an action only a person takes (a report, an assessment, a
    meeting): its `..._by` column is required. The engine is refused, not recorded."""
    if isinstance(actor, Engine):
        raise NotAllowed("Only a person can record this; the engine does not.")
    return actor


@pghistory.track()
class Team(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="team_name_unique_in_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


@pghistory.track()
class Membership(models.Model):
    """A user's role in a team. One person may hold several roles in several teams."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=40, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "role"], name="membership_unique_role_in_team"
            )
        ]
        indexes = [models.Index(fields=["user", "role"], name="membership_user_role")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.team}"
