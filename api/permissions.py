"""Who may create a child's record through the API.

Creating a record is allowed only to someone who will see it afterwards: a council
social worker or team manager (the child is allocated to their team, and to the social
worker by name) or a Missing Co-ordinator (who sees every child of their authority).
A police liaison officer sees a child only through an episode their force reported or
was told of, so a child they created would vanish from them at once; police report
episodes for children their force knows, and the council records a child new to Homeward
(naming the force on the episode, which then lets its officers see the child).
"""

from __future__ import annotations

from agencies.models import AgencyKind, Membership, Role
from core.errors import NotAllowed

CHILD_CREATOR_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR)


def child_creator_membership(user) -> Membership:
    """The membership a new child is created through, or NotAllowed."""
    memberships = {
        membership.role: membership
        for membership in Membership.objects.filter(
            user=user,
            is_active=True,
            role__in=CHILD_CREATOR_ROLES,
            team__agency__kind=AgencyKind.LOCAL_AUTHORITY,
        )
        .select_related("team__agency")
        .order_by("-pk")
    }
    for role in CHILD_CREATOR_ROLES:
        if role in memberships:
            return memberships[role]
    raise NotAllowed(
        "Only a council social worker, team manager or Missing Co-ordinator may create a child's "
        "record. Police: report episodes for children your force knows; for a child new to "
        "Homeward, ask the council's MASH to record the child and the episode naming your force."
    )
