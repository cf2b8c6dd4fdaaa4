"""Fixed personas and a small synthetic world, shared by every test.

The personas (as healthchecks does with Alice, Bob and Charlie) are the ones every
access test uses: the allocated social worker, their team manager, a social worker of
another team, MASH triage, a police liaison officer (force 1) and one of another force
(force 2), the Missing Co-ordinator, a return interview officer, an outsider with no
role, and an anonymous user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import django.test
import pytest
from django.contrib.auth.models import AnonymousUser
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, AgencyKind, Role, Team, User
from children.models import Child
from tests.factories import (
    AgencyFactory,
    AllocationFactory,
    ChildFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)


@dataclasses.dataclass
class World:
    council: Agency
    other_council: Agency
    force: Agency
    other_force: Agency
    team: Team
    other_team: Team
    mash_team: Team
    missing_team: Team
    returns_team: Team
    liaison_team: Team
    other_liaison_team: Team
    social_worker: User
    team_manager: User
    other_social_worker: User
    mash_triage: User
    police_liaison: User
    other_police_liaison: User
    missing_coordinator: User
    senior_manager: User
    return_officer: User
    panel_member: User
    outsider: User
    anonymous: AnonymousUser
    child: Child
    # Issue 15: the roles the protocol names and a third authority. Not in `personas()`
    # (whose set other access tests rely on): `agency_personas()`, `every_persona()`.
    third_council: Agency = dataclasses.field(init=False)
    host_coordinator: User = dataclasses.field(init=False)  # Southmere's Missing Co-ordinator
    third_coordinator: User = dataclasses.field(init=False)  # Eastfield's, a third authority
    iro: User = dataclasses.field(init=False)
    head_of_service: User = dataclasses.field(init=False)
    health_professional: User = dataclasses.field(init=False)
    school_lead: User = dataclasses.field(init=False)
    youth_justice: User = dataclasses.field(init=False)
    return_provider: User = dataclasses.field(init=False)

    def agency_personas(self) -> dict[str, User]:
        """The personas of issue 15, none linked to any child in the base world."""
        return {
            "host_coordinator": self.host_coordinator,
            "third_coordinator": self.third_coordinator,
            "iro": self.iro,
            "head_of_service": self.head_of_service,
            "health_professional": self.health_professional,
            "school_lead": self.school_lead,
            "youth_justice": self.youth_justice,
            "return_provider": self.return_provider,
        }

    def every_persona(self) -> dict[str, User | AnonymousUser]:
        return {**self.personas(), **self.agency_personas()}

    def personas(self) -> dict[str, User | AnonymousUser]:
        return {
            "social_worker": self.social_worker,
            "team_manager": self.team_manager,
            "other_social_worker": self.other_social_worker,
            "mash_triage": self.mash_triage,
            "police_liaison": self.police_liaison,
            "other_police_liaison": self.other_police_liaison,
            "missing_coordinator": self.missing_coordinator,
            "return_officer": self.return_officer,
            "outsider": self.outsider,
            "anonymous": self.anonymous,
        }


def _member(username: str, team: Team, role: str, first_name: str) -> User:
    user = UserFactory(username=username, first_name=first_name, last_name="Tester")
    MembershipFactory(user=user, team=team, role=role)
    return user


_force_login_without_second_factor = django.test.Client.force_login


def force_login_unverified(client: django.test.Client, user: User) -> None:
    """Signed in with a password only: the state between the sign-in page and the code."""
    _force_login_without_second_factor(client, user)


def _force_login_with_second_factor(self: django.test.Client, user, backend=None) -> None:
    """`client.force_login(user)` signs in as a person does: password and second factor.

    Every page refuses a session without a verified second factor (decision 0015), so
    the test client's shortcut gives the user a confirmed authenticator (if they have
    none) and marks the session verified with it, as django_otp.login does after a
    right code. Any Client or APIClient, fixture or constructed, gets this.
    """
    _force_login_without_second_factor(self, user, backend)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = self.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def force_login_with_a_second_factor(monkeypatch):
    monkeypatch.setattr(django.test.Client, "force_login", _force_login_with_second_factor)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests sign in hundreds of times."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db, fast_password_hashing) -> World:
    council = AgencyFactory(
        name="Borough of Northwick", kind=AgencyKind.LOCAL_AUTHORITY, code="999"
    )
    other_council = AgencyFactory(name="Borough of Southmere", kind=AgencyKind.LOCAL_AUTHORITY)
    force = AgencyFactory(name="Northwick Police", kind=AgencyKind.POLICE_FORCE)
    other_force = AgencyFactory(name="Southmere Constabulary", kind=AgencyKind.POLICE_FORCE)
    team = TeamFactory(agency=council, name="Children in Care 1")
    other_team = TeamFactory(agency=council, name="Children in Need 2")
    mash_team = TeamFactory(agency=council, name="MASH")
    missing_team = TeamFactory(agency=council, name="Missing Children")
    returns_team = TeamFactory(agency=council, name="Return Interviews")
    liaison_team = TeamFactory(agency=force, name="Missing Persons Unit")
    other_liaison_team = TeamFactory(agency=other_force, name="Missing Persons Unit")
    social_worker = _member("alice", team, Role.SOCIAL_WORKER, "Alice")
    team_manager = _member("bob", team, Role.TEAM_MANAGER, "Bob")
    child = ChildFactory(
        given_name="Jamie",
        family_name="Fictional",
        date_of_birth=dt.date(2010, 6, 1),
        responsible_authority=council,
    )
    AllocationFactory(
        child=child,
        team=team,
        worker=social_worker,
        started_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    built = World(
        council=council,
        other_council=other_council,
        force=force,
        other_force=other_force,
        team=team,
        other_team=other_team,
        mash_team=mash_team,
        missing_team=missing_team,
        returns_team=returns_team,
        liaison_team=liaison_team,
        other_liaison_team=other_liaison_team,
        social_worker=social_worker,
        team_manager=team_manager,
        other_social_worker=_member("charlie", other_team, Role.SOCIAL_WORKER, "Charlie"),
        mash_triage=_member("dana", mash_team, Role.MASH_TRIAGE, "Dana"),
        police_liaison=_member("pc_evans", liaison_team, Role.POLICE_LIAISON, "Evan"),
        other_police_liaison=_member("pc_frost", other_liaison_team, Role.POLICE_LIAISON, "Fran"),
        missing_coordinator=_member("grace", missing_team, Role.MISSING_COORDINATOR, "Grace"),
        senior_manager=_member("harriet", missing_team, Role.SENIOR_MANAGER, "Harriet"),
        return_officer=_member("ivan", returns_team, Role.RETURN_INTERVIEW_OFFICER, "Ivan"),
        panel_member=_member("jo", missing_team, Role.PANEL_MEMBER, "Jo"),
        outsider=UserFactory(username="olly", first_name="Olly"),
        anonymous=AnonymousUser(),
        child=child,
    )
    _add_agency_personas(built)
    return built


def _add_agency_personas(world: World) -> None:
    """Issue 15's personas: a third authority, the host authority's Missing Co-ordinator,
    the IRO, head of service and the partner agencies' practitioners."""
    world.third_council = AgencyFactory(
        name="Borough of Eastfield", kind=AgencyKind.LOCAL_AUTHORITY
    )
    world.host_coordinator = _member(
        "hana",
        TeamFactory(agency=world.other_council, name="Missing Children"),
        Role.MISSING_COORDINATOR,
        "Hana",
    )
    world.third_coordinator = _member(
        "tom",
        TeamFactory(agency=world.third_council, name="Missing Children"),
        Role.MISSING_COORDINATOR,
        "Tom",
    )
    reviewing = TeamFactory(agency=world.council, name="Independent Reviewing Service")
    world.iro = _member("irene", reviewing, Role.INDEPENDENT_REVIEWING_OFFICER, "Irene")
    world.head_of_service = _member("hugo", world.missing_team, Role.HEAD_OF_SERVICE, "Hugo")
    health = AgencyFactory(name="Northwick Health Trust", kind=AgencyKind.HEALTH)
    school = AgencyFactory(name="Northwick Academy", kind=AgencyKind.EDUCATION)
    provider = AgencyFactory(name="Safe Return Project", kind=AgencyKind.VOLUNTARY)
    world.health_professional = _member(
        "nina",
        TeamFactory(agency=health, name="Safeguarding"),
        Role.HEALTH_NAMED_PROFESSIONAL,
        "Nina",
    )
    world.school_lead = _member(
        "sam", TeamFactory(agency=school, name="Pastoral"), Role.SCHOOL_SAFEGUARDING_LEAD, "Sam"
    )
    world.youth_justice = _member(
        "yusuf",
        TeamFactory(agency=world.council, name="Youth Justice"),
        Role.YOUTH_JUSTICE,
        "Yusuf",
    )
    world.return_provider = _member(
        "rosa",
        TeamFactory(agency=provider, name="Return Interviews"),
        Role.RETURN_INTERVIEW_PROVIDER,
        "Rosa",
    )
