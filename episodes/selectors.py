"""Reads of episodes, for the user who asks."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from agencies.models import Role, User
from children.models import Child
from children.selectors import access_profile, child_visibility
from core.audit import note_record
from episodes.models import Episode


def episode_visibility(user: User | AnonymousUser) -> Q:
    """A Q over Episode: what `user` may see (decision 0002, "Police see what policing needs").

    Every episode of a child the user sees through a council role or a named grant; and,
    for a police liaison officer, the episodes their force reported or was told of (with
    those awaiting the council's confirmation of the child), never the force's neighbours'.
    The children's ids come as `child_id IN (...)` (a semi-join PostgreSQL can stop
    after one page, as api.views.of_visible_children explains).
    """
    council = Q(
        child_id__in=Child.objects.filter(
            child_visibility(user, without_role=Role.POLICE_LIAISON)
        ).values("pk")
    )
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return council
    forces = access_profile(user).force_ids
    return council | Q(police_force_id__in=sorted(forces)) if forces else council


def visible_episodes(user: User | AnonymousUser) -> QuerySet[Episode]:
    return Episode.objects.filter(episode_visibility(user))


def hidden_children_of_awaiting_episodes(user: User | AnonymousUser) -> frozenset[int]:
    """The children the user does not see under the episodes their force sent awaiting
    the council's confirmation: those episodes are shown without their child."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    forces = access_profile(user).force_ids
    if not forces:
        return frozenset()
    return frozenset(
        Episode.objects.filter(awaiting_match=True, police_force_id__in=sorted(forces))
        .exclude(child_visibility(user, "child_id"))
        .values_list("child_id", flat=True)
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
