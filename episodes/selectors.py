"""Reads of episodes, for the user who asks."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from agencies.models import Role, User
from children.models import Child
from children.permissions import roles_for_child
from children.selectors import (
    access_profile,
    child_visibility,
    child_visibility_of_rows,
    holds_grants,
)
from core.audit import note_record
from episodes.models import Episode, SafeguardingCheckRequest


def episode_visibility(user: User | AnonymousUser) -> Q:
    """A Q over Episode: what `user` may see (decision 0002, "Police see what policing needs").

    Every episode of a child the user sees through a council role or a named grant; and,
    for a police liaison officer, the episodes their force reported or was told of (with
    those awaiting the council's confirmation of the child), never the force's neighbours'.
    The children's ids come as `child_id IN (...)` (a semi-join PostgreSQL can stop
    after one page, as api.views.of_visible_children explains).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    profile = access_profile(user)
    forces = profile.force_ids
    force = Q(police_force_id__in=sorted(forces))
    if forces and not profile.without(Role.POLICE_LIAISON).roles and not holds_grants(user):
        # A police liaison officer with no other role and no named grant sees their
        # force's episodes and nothing else. Said as that one condition, PostgreSQL reads
        # a page of them from the index (police_force, -id); OR'd with the (empty) grants
        # it walked every episode newer than the force's (issue 13: 230,000 read for a
        # force whose episodes were old).
        return force
    council = child_visibility_of_rows(user, without_role=Role.POLICE_LIAISON)
    return council | force if forces else council


def visible_episodes(user: User | AnonymousUser) -> QuerySet[Episode]:
    return Episode.objects.filter(episode_visibility(user))


def hidden_children_of_awaiting_episodes(
    user: User | AnonymousUser, among: Iterable[int] | None = None
) -> frozenset[int]:
    """The children the user does not see under the episodes their force sent awaiting
    the council's confirmation: those episodes are shown without their child.

    `among`: only these children (a page's), so a list asks about its own rows rather
    than every episode of the force."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    forces = access_profile(user).force_ids
    if not forces:
        return frozenset()
    awaiting = Episode.objects.filter(awaiting_match=True, police_force_id__in=sorted(forces))
    if among is not None:
        children = sorted(set(among))
        if not children:
            return frozenset()
        awaiting = awaiting.filter(child_id__in=children)
        # The few children first (by the child index), then whether the user sees them:
        # a NOT IN over the visibility rule would read every episode of the force.
        candidates = set(awaiting.values_list("child_id", flat=True))
        if not candidates:
            return frozenset()
        seen = Child.objects.filter(pk__in=sorted(candidates)).filter(child_visibility(user))
        return frozenset(candidates - set(seen.values_list("pk", flat=True)))
    return frozenset(
        awaiting.exclude(child_visibility(user, "child_id")).values_list("child_id", flat=True)
    )


def visible_episode(user: User, episode_id: int) -> Episode | None:
    """An episode the user may see, of a child they see, with what its page shows (an
    episode awaiting the council's confirmation of the child is the API's alone: its page
    would name the council's child)."""
    episode = (
        visible_episodes(user)
        .filter(child_visibility(user, "child_id"))
        .select_related("child", "police_force", "reported_by", "placement")
        .filter(pk=episode_id)
        .first()
    )
    note_record(episode)  # the request's access event (core.audit)
    return episode


def child_episodes(child: Child) -> QuerySet[Episode]:
    """The child's episodes, newest first, less those entered in error."""
    return Episode.objects.filter(child=child, entered_in_error=False).order_by("-last_seen_at")


# Safeguarding checks asked of another authority (HAR 14.3; issue 15, decision 0018).
CHECK_REQUESTER_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.MISSING_COORDINATOR)


def may_request_checks(user, episode: Episode) -> bool:
    """The child's social worker, team manager or Missing Co-ordinator, of the child's
    responsible authority (not the host authority's Missing Co-ordinator, who reaches an
    out-of-area child through that role too), on a live episode."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if episode.entered_in_error:
        return False
    child = episode.child
    roles = roles_for_child(user, child) & frozenset(CHECK_REQUESTER_ROLES)
    if not roles:
        return False
    profile = access_profile(user)
    return any(
        role in roles and agency == child.responsible_authority_id
        for role, _team, agency in profile.memberships
    )


def receiving_authority_ids(user) -> frozenset[int]:
    """The authorities whose requests `user` answers: those they are Missing Co-ordinator of."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return access_profile(user)._agencies(Role.MISSING_COORDINATOR)


def received_check_requests(user) -> QuerySet[SafeguardingCheckRequest]:
    """The requests sent to the authorities `user` is Missing Co-ordinator of. The list
    shows the minimum (child's name, date of birth, last seen): each row is noted as read."""
    rows = SafeguardingCheckRequest.objects.filter(
        to_authority_id__in=sorted(receiving_authority_ids(user))
    ).select_related("child", "episode", "from_authority", "to_authority", "requested_by")
    return rows


def check_request_visibility(user) -> Q:
    """A Q over SafeguardingCheckRequest: the receiving authority's Missing Co-ordinator,
    and whoever sees the child through children's social care (the requesting side)."""
    council = Q(
        child_id__in=Child.objects.filter(
            child_visibility(user, without_role=Role.POLICE_LIAISON)
        ).values("pk")
    )
    receiving = receiving_authority_ids(user)
    return council | Q(to_authority_id__in=sorted(receiving)) if receiving else council


def visible_check_requests(user) -> QuerySet[SafeguardingCheckRequest]:
    return SafeguardingCheckRequest.objects.filter(check_request_visibility(user)).select_related(
        "child", "episode", "from_authority", "to_authority", "requested_by", "answered_by"
    )


def visible_check_request(user, request_id: int) -> SafeguardingCheckRequest | None:
    """One request the user may see, noted as read (an access event names it)."""
    found = visible_check_requests(user).filter(pk=request_id).first()
    note_record(found)
    return found


def episode_check_requests(user, episode: Episode) -> list[SafeguardingCheckRequest]:
    """The requests of an episode, for its page: only for the requesting side."""
    rows = list(
        visible_check_requests(user)
        .filter(episode=episode)
        .filter(child_id__in=Child.objects.filter(child_visibility(user)).values("pk"))
        .order_by("requested_at")
    )
    for row in rows:
        note_record(row)
    return rows
