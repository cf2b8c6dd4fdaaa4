"""factory_boy factories: synthetic people, places and children only."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, Role, Team, User
from children.models import Allocation, Child, LegalStatus, Placement

TEST_PASSWORD = "correct-horse-battery-staple"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Borough of Testshire {n}")
    kind = AgencyKind.LOCAL_AUTHORITY


class PoliceForceFactory(AgencyFactory):
    name = factory.Sequence(lambda n: f"Testshire Constabulary {n}")
    kind = AgencyKind.POLICE_FORCE


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Testy{n}")
    last_name = "Person"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.SOCIAL_WORKER


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    given_name = factory.Sequence(lambda n: f"Sam{n}")
    family_name = "Example"
    date_of_birth = dt.date(2011, 5, 17)
    responsible_authority = factory.SubFactory(AgencyFactory)


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    child = factory.SubFactory(ChildFactory)
    team = factory.SubFactory(TeamFactory)
    started_at = factory.LazyFunction(timezone.now)


class LegalStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalStatus

    child = factory.SubFactory(ChildFactory)
    status = "looked_after"
    start_date = dt.date(2020, 1, 1)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    child = factory.SubFactory(ChildFactory)
    kind = "foster"
    placing_authority = factory.LazyAttribute(lambda p: p.child.responsible_authority)
    host_authority = factory.LazyAttribute(lambda p: p.child.responsible_authority)
    start_date = dt.date(2020, 1, 1)
