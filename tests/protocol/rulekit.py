"""Hand-built child states for the pure rule tests: no database, no clock."""

from __future__ import annotations

import datetime as dt

from core.clock import LONDON, london_wall_time
from protocol.conf import ProtocolSettings, build_protocol_settings
from protocol.rules import (
    RULES,
    AssessmentFact,
    ChildState,
    EpisodeFact,
    InterviewFact,
    LegalPeriod,
    MeetingFact,
    Obligation,
    TriageFact,
)
from tests.kit import utc

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SECOND = dt.timedelta(seconds=1)
DEFAULTS = ProtocolSettings()


def london(*parts: int, fold: int | None = None) -> dt.datetime:
    """A Europe/London wall-clock time (refusing the spring gap, as the service does)."""
    return london_wall_time(dt.datetime(*parts), fold=fold)


def in_london(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(LONDON)


# A June Monday: British Summer Time, far from either clock change.
T0 = utc(2026, 6, 1, 9, 0)


def episode(
    id: int = 1,
    *,
    category: str = "missing",
    last_seen_at: dt.datetime = T0,
    reported_at: dt.datetime | None = None,
    returned_at: dt.datetime | None = None,
    **facts,
) -> EpisodeFact:
    return EpisodeFact(
        id=id,
        category=category,
        last_seen_at=last_seen_at,
        reported_at=reported_at or last_seen_at,
        returned_at=returned_at,
        **facts,
    )


def assessment(
    id: int = 100, *, rag: str, assessed_at: dt.datetime, episode_id: int | None = 1, indicators=()
) -> AssessmentFact:
    return AssessmentFact(
        id=id, episode_id=episode_id, rag=rag, assessed_at=assessed_at, indicators=tuple(indicators)
    )


def triage(
    id: int = 400, *, rag: str, triaged_at: dt.datetime, episode_id: int | None = 1
) -> TriageFact:
    return TriageFact(id=id, episode_id=episode_id, rag=rag, triaged_at=triaged_at)


def interview(
    id: int = 200, *, episode_ids, offered_at, outcome="", held_at=None, recorded_at=None
):
    return InterviewFact(
        id=id,
        episode_ids=frozenset(episode_ids),
        offered_at=offered_at,
        outcome=outcome,
        held_at=held_at,
        outcome_recorded_at=recorded_at,
    )


def meeting(
    id: int = 300,
    *,
    held_at: dt.datetime,
    kind: str = "strategy_meeting",
    trigger: str = "other",
    episode_id: int | None = None,
) -> MeetingFact:
    return MeetingFact(id=id, kind=kind, trigger=trigger, held_at=held_at, episode_id=episode_id)


def looked_after(start: dt.date = dt.date(2020, 1, 1), end: dt.date | None = None) -> LegalPeriod:
    return LegalPeriod(status="looked_after", start_date=start, end_date=end)


def state(
    *episodes: EpisodeFact, date_of_birth: dt.date = dt.date(2010, 6, 1), **facts
) -> ChildState:
    for name in (
        "assessments",
        "triages",
        "interviews",
        "meetings",
        "legal_statuses",
        "panel_referrals",
        "panel_discussions",
    ):
        if name in facts:
            facts[name] = tuple(facts[name])
    return ChildState(child_id=1, date_of_birth=date_of_birth, episodes=tuple(episodes), **facts)


def obligations(rule: str, child: ChildState, **overrides) -> list[Obligation]:
    settings = build_protocol_settings(overrides) if overrides else DEFAULTS
    return RULES[rule](child, settings)


def only(rule: str, child: ChildState, **overrides) -> Obligation:
    found = obligations(rule, child, **overrides)
    assert len(found) == 1, f"expected one {rule} obligation, found {found}"
    return found[0]
