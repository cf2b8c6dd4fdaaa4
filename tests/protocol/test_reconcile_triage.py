"""The MASH triage through the real services: the risk assessment's deadline moves when
MASH triages, whether the triage is recorded after the report or dated before it, and on
both sides of each window, across the clock changes (decision 0012)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from core.clock import london_wall_time
from core.errors import Conflict, NotAllowed, Refused
from episodes.services import update_episode
from protocol.models import Deadline
from risk.models import MashReferral, MashTriage, RiskAssessment
from risk.services import correct_mash_triage, record_mash_triage, record_risk_assessment
from tests.protocol.reconcilekit import (
    HOUR,
    SECOND,
    T0,
    deadline,
    frozen_clock,
    is_due,
    reconcile_at,
    report,
)


@pytest.fixture
def clock():
    with frozen_clock() as traveller:
        yield traveller


def london(*parts: int) -> dt.datetime:
    return london_wall_time(dt.datetime(*parts)).astimezone(dt.UTC)


def triage(world, episode, *, rag: str, at: dt.datetime, level: int = 2, by=None):
    referral = MashReferral.objects.get(episode=episode)
    return record_mash_triage(
        acting_user=by or world.mash_triage,
        referral=referral,
        rag=rag,
        threshold_level=level,
        reason="Seen with older youths." if rag == "red" else "",
        triaged_at=at,
    )


WINDOWS = [("red", 4), ("amber", 24), ("green", 72)]
REPORTED = {
    "june": T0,
    "spring": london(2026, 3, 29, 0, 15),
    "autumn": london(2026, 10, 25, 0, 15),
}


@pytest.mark.parametrize("when", list(REPORTED))
@pytest.mark.parametrize(("rag", "hours"), WINDOWS)
def test_a_triage_recorded_after_the_report_moves_the_assessment_to_its_window(
    world, clock, rag, hours, when
):
    reported_at = REPORTED[when]
    episode = report(world, clock, last_seen_at=reported_at - HOUR, reported_at=reported_at)
    assert deadline(world.child, "risk_assessment", episode).due_at == reported_at + 72 * HOUR
    clock.move_to(reported_at + 15 * 60 * SECOND)
    triage(world, episode, rag=rag, at=reported_at + 15 * 60 * SECOND)
    ledger = deadline(world.child, "risk_assessment", episode)
    assert ledger.due_at == reported_at + hours * HOUR, f"{rag}: {hours} elapsed hours"
    assert "MASH triaged the referral" in ledger.reason
    reconcile_at(clock, world.child, reported_at + hours * HOUR - SECOND)
    assert not is_due(ledger), "one second before the window"
    reconcile_at(clock, world.child, reported_at + hours * HOUR)
    assert is_due(ledger), "at the window"


def test_a_triage_dated_before_the_report_counts_from_the_report(world, clock):
    # The police MISPER reached MASH at 09:20, MASH triaged it Red at 09:30; social care
    # recorded the report, made at 10:00, at 10:05.
    clock.move_to(T0 + HOUR + 5 * 60 * SECOND)
    episode = report(world, None, last_seen_at=T0, reported_at=T0 + HOUR)
    triage(world, episode, rag="red", at=T0 + 30 * 60 * SECOND)
    ledger = deadline(world.child, "risk_assessment", episode)
    assert ledger.due_at == T0 + HOUR + 4 * HOUR
    assert MashTriage.objects.get().triaged_at < episode.reported_at


def test_a_report_time_corrected_to_after_the_triage_moves_the_deadline_with_the_report(
    world, clock
):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR)
    clock.move_to(T0 + 2 * HOUR)
    triage(world, episode, rag="amber", at=T0 + 2 * HOUR)
    clock.move_to(T0 + 3 * HOUR)
    update_episode(acting_user=world.social_worker, episode=episode, reported_at=T0 + 3 * HOUR)
    assert deadline(world.child, "risk_assessment", episode).due_at == T0 + 27 * HOUR


def test_a_red_triage_made_after_its_four_hours_is_due_at_once(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    clock.move_to(T0 + 5 * HOUR)
    triage(world, episode, rag="red", at=T0 + 5 * HOUR)
    assert is_due(deadline(world.child, "risk_assessment", episode))


def test_correcting_the_triage_moves_the_clock_and_clears_a_breach_that_no_longer_holds(
    world, clock
):
    from tests.kit import sweep_and_write

    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    clock.move_to(T0 + HOUR)
    made = triage(world, episode, rag="red", at=T0 + HOUR)
    clock.move_to(T0 + 5 * HOUR)
    sweep_and_write(T0 + 5 * HOUR)
    ledger = deadline(world.child, "risk_assessment", episode)
    assert ledger.status == "breached"
    correct_mash_triage(acting_user=world.mash_triage, triage=made, rag="amber", threshold_level=2)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.due_at, ledger.breached_at) == ("open", T0 + 24 * HOUR, None)


def test_the_triage_does_not_meet_the_assessment_and_the_assessment_does(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    clock.move_to(T0 + HOUR)
    triage(world, episode, rag="red", at=T0 + HOUR)
    assert deadline(world.child, "risk_assessment", episode).status == "open"
    clock.move_to(T0 + 3 * HOUR)
    record_risk_assessment(
        acting_user=world.social_worker,
        child=world.child,
        episode=episode,
        rag="red",
        threshold_level=3,
        rationale="Partner checks: seen at the car wash with older males.",
        plan="Police to visit the car wash; daily contact.",
        assessed_at=T0 + 2 * HOUR,
    )
    ledger = deadline(world.child, "risk_assessment", episode)
    assert (ledger.status, ledger.met_at) == ("met", T0 + 2 * HOUR), "back-dated completion"
    assessment = RiskAssessment.objects.get()
    assert assessment.referral == MashReferral.objects.get(episode=episode)


def test_police_grading_is_kept_on_the_triage_as_context_not_the_clock(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0, police_risk="high")
    assert deadline(world.child, "risk_assessment", episode).due_at == T0 + 72 * HOUR
    made = triage(world, episode, rag="green", at=T0)
    assert made.police_risk_seen == "high"
    assert deadline(world.child, "risk_assessment", episode).due_at == T0 + 72 * HOUR


def test_a_referral_is_triaged_once_and_only_by_mash(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    with pytest.raises(NotAllowed):
        triage(world, episode, rag="amber", at=T0, by=world.social_worker)
    triage(world, episode, rag="amber", at=T0)
    with pytest.raises(Conflict):
        triage(world, episode, rag="red", at=T0)
    assert MashTriage.objects.count() == 1


@pytest.mark.parametrize(
    ("rag", "at", "field"),
    [
        ("red", T0, "reason"),  # Red without a reason
        ("amber", T0 - SECOND, "triaged_at"),  # before the child was last seen
        ("amber", T0 + HOUR, "triaged_at"),  # in the future
        ("purple", T0, "rag"),
    ],
)
def test_a_bad_triage_is_refused_and_changes_nothing(world, clock, rag, at, field):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    referral = MashReferral.objects.get(episode=episode)
    with pytest.raises(Refused) as refused:
        record_mash_triage(
            acting_user=world.mash_triage,
            referral=referral,
            rag=rag,
            threshold_level=2,
            reason="",
            triaged_at=at,
        )
    assert refused.value.field == field
    referral.refresh_from_db()
    assert (referral.status, MashTriage.objects.count()) == ("open", 0)
    assert Deadline.objects.get(rule="risk_assessment").due_at == T0 + 72 * HOUR


def test_recording_an_assessment_against_an_untriaged_referral_is_refused(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    with pytest.raises(Conflict):
        record_risk_assessment(
            acting_user=world.mash_triage,
            child=world.child,
            rag="amber",
            threshold_level=2,
            referral=MashReferral.objects.get(episode=episode),
        )
    assert RiskAssessment.objects.count() == 0


def test_the_data_migration_makes_each_referrals_first_assessment_its_triage(world, clock):
    """Decision 0012: an assessment made on a referral before issue 12 was its triage too."""
    migration = importlib.import_module("risk.migrations.0003_triage_from_existing_assessments")
    episode = report(world, clock, last_seen_at=T0, reported_at=T0)
    referral = MashReferral.objects.get(episode=episode)
    clock.move_to(T0 + 2 * HOUR)
    common = {"child": world.child, "episode": episode, "assessed_by": world.mash_triage}
    first = RiskAssessment.objects.create(
        **common,
        referral=referral,
        rag="red",
        threshold_level=3,
        rationale="Why red",
        assessed_at=T0 + HOUR,
    )
    RiskAssessment.objects.create(
        **common, referral=referral, rag="green", threshold_level=1, assessed_at=T0 + 2 * HOUR
    )
    RiskAssessment.objects.create(
        **common, referral=None, rag="amber", threshold_level=2, assessed_at=T0 + 2 * HOUR
    )
    migration.forwards(apps, None)
    made = MashTriage.objects.get()
    assert (made.referral, made.rag, made.threshold_level, made.reason) == (
        referral,
        "red",
        3,
        "Why red",
    )
    assert (made.triaged_at, made.triaged_by) == (first.assessed_at, world.mash_triage)


def test_with_herts_criteria_the_return_forms_facts_open_the_interview_and_a_correction_cancels_it(
    world, clock, settings
):
    from episodes.services import record_return

    settings.PROTOCOL = {"return_interview_scope": "criteria"}
    episode = report(world, clock, last_seen_at=T0)
    clock.move_to(T0 + 2 * HOUR)
    record_return(
        acting_user=world.social_worker,
        episode=episode,
        returned_at=T0 + 2 * HOUR,
        return_concerns=["harmed"],
        reason="out_with_friends",
    )
    interview = Deadline.objects.get(rule="return_interview")
    assert interview.status == "open"
    assert "harmed" in interview.reason
    update_episode(acting_user=world.social_worker, episode=episode, return_concerns=[])
    interview.refresh_from_db()
    assert interview.status == "cancelled", "a short first episode with nothing known"
    with pytest.raises(Refused):
        update_episode(acting_user=world.social_worker, episode=episode, return_concerns=["bored"])
    with pytest.raises(Refused):
        update_episode(acting_user=world.social_worker, episode=episode, reason="other")
    episode.refresh_from_db()
    assert (episode.reason, episode.return_concerns) == ("out_with_friends", [])
