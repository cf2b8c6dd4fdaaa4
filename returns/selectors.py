"""Reads of return interviews, for the user who asks."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Subquery

from agencies.models import User
from children.models import Child
from children.selectors import child_visibility, child_visibility_first
from core.audit import note_record
from episodes.models import Episode
from protocol.models import Deadline, Rule, Status
from returns.models import ReturnInterview, ReturnInterviewAttempt, ReturnInterviewEpisode


def awaiting_interview(user):
    """Return interview deadlines still open or breached, for children the user may see
    (driven from those children: the ledger holds every authority's)."""
    pending = ReturnInterviewEpisode.objects.filter(
        episode_id=OuterRef("episode_id"), interview__outcome=""
    )
    return (
        Deadline.objects.filter(
            rule=Rule.RETURN_INTERVIEW, status__in=[Status.OPEN, Status.BREACHED]
        )
        .filter(child_visibility_first(user, "child_id"))
        .select_related("child", "episode")
        .annotate(pending_interview_id=Subquery(pending.values("interview_id")[:1]))
        .order_by("due_at", "pk")
    )


def uninterviewed_episodes(child: Child):
    """The child's returned episodes no interview covers yet."""
    covered = ReturnInterviewEpisode.objects.filter(episode_id=OuterRef("pk"))
    return (
        Episode.objects.filter(child=child, returned_at__isnull=False, entered_in_error=False)
        .exclude(Exists(covered))
        .order_by("-last_seen_at")
    )


def visible_interview(user: User, pk: int) -> ReturnInterview | None:
    """An interview about a child the user may see, with its episodes and attempts."""
    interview = (
        ReturnInterview.objects.filter(child_visibility(user, "child_id"), pk=pk)
        .select_related("child", "interviewer")
        .prefetch_related(
            Prefetch("episodes", queryset=Episode.objects.order_by("last_seen_at")),
            Prefetch("attempts", queryset=ReturnInterviewAttempt.objects.order_by("attempted_at")),
        )
        .first()
    )
    note_record(interview)  # the request's access event (core.audit)
    return interview
