"""mash_threshold counts missing episodes only (Haringey protocol 14.5)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casework.services import report_episode
from core.errors import Refused
from risk.services import record_risk_assessment

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def _episodes(world, categories):
    episode = None
    for index, category in enumerate(categories):
        start = NOW - dt.timedelta(days=40 - index * 10)
        episode = report_episode(
            acting_user=world.social_worker,
            child=world.child,
            category=category,
            last_seen_at=start,
            reported_at=start + dt.timedelta(hours=1),
            returned_at=start + dt.timedelta(hours=3),
        )
    return episode


@time_machine.travel(NOW, tick=False)
def test_three_missing_episodes_in_six_months_require_level_3(world):
    episode = _episodes(world, ["missing", "missing", "missing"])
    with pytest.raises(Refused, match="level must be 3 or above") as refusal:
        record_risk_assessment(
            acting_user=world.social_worker,
            child=world.child,
            episode=episode,
            rag="green",
            threshold_level=2,
        )
    assert refusal.value.field == "threshold_level"
    assert not world.child.risk_assessments.exists()


@time_machine.travel(NOW, tick=False)
def test_absent_episodes_do_not_count_towards_the_mash_threshold(world):
    episode = _episodes(world, ["absent", "missing", "absent"])
    assessment = record_risk_assessment(
        acting_user=world.social_worker,
        child=world.child,
        episode=episode,
        rag="green",
        threshold_level=2,
    )
    assert assessment.threshold_level == 2
