"""Reads of episodes, for the user who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import User
from children.models import Child
from children.selectors import child_visibility
from episodes.models import Episode


def visible_episode(user: User, episode_id: int) -> Episode | None:
    """An episode of a child the user may see, with what its page shows."""
    return (
        Episode.objects.filter(child_visibility(user, "child_id"))
        .select_related("child", "police_force", "reported_by", "placement")
        .filter(pk=episode_id)
        .first()
    )


def child_episodes(child: Child) -> QuerySet[Episode]:
    """The child's episodes, newest first, less those entered in error."""
    return Episode.objects.filter(child=child, entered_in_error=False).order_by("-last_seen_at")
