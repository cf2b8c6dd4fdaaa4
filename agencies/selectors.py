"""Reads about people and their agencies that services and pages share."""

from __future__ import annotations

from collections.abc import Iterable

from agencies.models import Actor, Agency, AgencyKind, Membership, Role, User
from core.actors import is_engine


def police_force_of(actor: Actor) -> Agency | None:
    """The police force a liaison officer acts for; None for anyone else and the engine."""
    if is_engine(actor):
        return None
    membership = (
        Membership.objects.filter(
            user=actor,
            is_active=True,
            role=Role.POLICE_LIAISON,
            team__agency__kind=AgencyKind.POLICE_FORCE,
        )
        .select_related("team__agency")
        .first()
    )
    return membership.team.agency if membership else None


def creating_membership(user: User, roles: Iterable[str]) -> Membership | None:
    """The user's first local-authority membership in one of `roles` (who may add a child
    is decided by role; the membership says which authority and team it is added to)."""
    return (
        Membership.objects.filter(
            user=user,
            is_active=True,
            role__in=list(roles),
            team__agency__kind=AgencyKind.LOCAL_AUTHORITY,
        )
        .select_related("team__agency")
        .order_by("pk")
        .first()
    )
