"""What some pages need that bench/national.py does not write: a strategy meeting, a panel
meeting and a place of the first authority, made through the services as people would,
once per database (a second call finds them). bench/pages.py and tests/test_scale.py
both use it, so the bench and the query-count tests request the same pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from django.db.models import Count
from django.utils import timezone

from agencies.models import User
from bench.national import PERSONAS
from children.models import Child
from episodes.models import Episode

# pghistory's middleware puts the request's context before each statement that does not
# begin with SELECT, transaction statements included ("SELECT set_config(...); WITH ...",
# "...; INSERT ...", "...; SAVEPOINT ..."): stripped to see the statement itself.
HISTORY_CONTEXT = re.compile(r"^SELECT set_config\('pghistory\.context_id'.*?, true\); ", re.S)

# The API lists over the large tables, beside the episodes' (bench/pages.py and
# tests/test_scale.py), each read as a police liaison officer and a Missing Co-ordinator.
API_LISTS = ("children", "deadlines", "risk-assessments", "return-interviews", "alerts")


@dataclasses.dataclass(frozen=True)
class PageRecords:
    busiest: Child  # the social worker's child with the most episodes
    episode: Episode  # that child's latest episode
    interview_id: int  # a return interview of the return interview officer's authority
    meeting_id: int  # a strategy meeting about `busiest`
    panel_meeting_id: int  # a panel meeting of the first authority
    place_id: int  # a place linked to `episode`


def page_records() -> PageRecords:
    from contextual.models import EpisodePlace, PlaceKind, PlaceRole
    from contextual.services import link_episode_place, record_place
    from panels.models import PanelMeeting, StrategyMeeting
    from panels.services import record_strategy_meeting, schedule_panel_meeting
    from returns.models import ReturnInterview

    worker = User.objects.get(username=PERSONAS["social_worker"])
    coordinator = User.objects.get(username=PERSONAS["missing_coordinator"])
    busiest = (
        Child.objects.filter(allocations__worker=worker, allocations__ended_at__isnull=True)
        .annotate(n=Count("episodes"))
        .order_by("-n", "pk")
        .first()
    )
    assert busiest is not None, "the social worker has children"
    authority = busiest.responsible_authority
    episode = busiest.episodes.order_by("-last_seen_at").first()
    assert episode is not None
    interview = (
        ReturnInterview.objects.filter(child__responsible_authority=authority)
        .order_by("-offered_at")
        .first()
    )
    assert interview is not None, "the generator writes return interviews"
    now = timezone.now()
    meeting = StrategyMeeting.objects.filter(child=busiest).order_by("pk").first()
    if meeting is None:
        meeting = record_strategy_meeting(
            acting_user=worker,
            child=busiest,
            episode=episode,
            held_at=now - dt.timedelta(hours=1),
            decisions="Safety plan reviewed (bench/page_data.py).",
        )
    panel_meeting = PanelMeeting.objects.filter(authority=authority).order_by("pk").first()
    if panel_meeting is None:
        panel_meeting = schedule_panel_meeting(
            acting_user=coordinator, authority=authority, meets_at=now + dt.timedelta(days=7)
        )
    place = record_place(
        acting_user=worker, authority=authority, name="Bench Park", kind=PlaceKind.PARK
    )
    if not EpisodePlace.objects.filter(episode=episode, place=place).exists():
        link_episode_place(
            acting_user=worker, episode=episode, place=place, role=PlaceRole.LAST_SEEN
        )
    return PageRecords(
        busiest=busiest,
        episode=episode,
        interview_id=interview.pk,
        meeting_id=meeting.pk,
        panel_meeting_id=panel_meeting.pk,
        place_id=place.pk,
    )
