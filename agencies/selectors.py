"""Reads about people and their agencies that services and pages share."""

from __future__ import annotations

from agencies.models import Actor, Agency, AgencyKind, Membership, Role
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
