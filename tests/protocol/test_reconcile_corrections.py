"""The ledger when facts change: corrected times, entries in error, late completions,
changed settings, and reconcile's idempotency. Plus mash_threshold, enforced at triage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.clock import london_wall_time
from core.errors import Refused
from episodes.services import mark_entered_in_error, reclassify_episode, update_episode
from protocol.ledger import reconcile
from protocol.models import Deadline
from returns.services import complete_return_interview, record_return_interview
from risk.models import RiskAssessment
from risk.services import record_risk_assessment
from tests.protocol.reconcilekit import (
    DAY,
    HOUR,
    SECOND,
    T0,
    come_back,
    deadline,
    episode_between,
    frozen_clock,
    looked_after,
    reconcile_at,
    report,
    rules_of,
    utc,
)


@pytest.fixture
def clock():
    with frozen_clock() as traveller:
        yield traveller


def london(*parts: int, fold: int | None = None) -> dt.datetime:
    return london_wall_time(dt.datetime(*parts), fold=fold)


def breach(ledger: Deadline, at: dt.datetime) -> None:
    """What the sweep does to a due deadline (tests/protocol/test_sweep.py tests the sweep)."""
    Deadline.objects.filter(pk=ledger.pk).update(status="breached", breached_at=at)


# --- Corrections ---------------------------------------------------------------------


def test_correcting_a_return_time_moves_its_deadlines_on_the_same_rows(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    interview = deadline(world.child, "return_interview", episode)
    check = deadline(world.child, "safe_and_well_check", episode)
    clock.move_to(T0 + 10 * HOUR)
    update_episode(acting_user=world.social_worker, episode=episode, returned_at=T0 + 3 * HOUR)
    interview.refresh_from_db()
    check.refresh_from_db()
    assert (interview.opens_at, interview.due_at, interview.status) == (
        T0 + 3 * HOUR,
        T0 + 75 * HOUR,
        "open",
    )
    assert check.due_at == T0 + 27 * HOUR
    assert Deadline.objects.filter(child=world.child, rule="return_interview").count() == 1


def test_correcting_a_return_to_before_24_hours_cancels_the_deadlines_that_needed_longer(
    world, clock
):
    looked_after(world.child)
    episode = episode_between(world, clock, T0, T0 + 30 * HOUR)
    assert deadline(world.child, "strategy_meeting", episode, suffix=":missing").status == "open"
    escalation = deadline(world.child, "manager_escalation", episode)
    update_episode(acting_user=world.social_worker, episode=episode, returned_at=T0 + 20 * HOUR)
    assert deadline(world.child, "strategy_meeting", episode, suffix=":missing").status == (
        "cancelled"
    )
    escalation.refresh_from_db()
    assert escalation.status == "cancelled"


def test_a_return_time_corrected_to_later_than_the_breach_un_breaches_the_deadline(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    ledger = deadline(world.child, "return_interview", episode)
    clock.move_to(T0 + 77 * HOUR)
    breach(ledger, T0 + 77 * HOUR)
    update_episode(acting_user=world.social_worker, episode=episode, returned_at=T0 + 6 * HOUR)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.breached_at, ledger.due_at) == ("open", None, T0 + 78 * HOUR)


def test_a_return_time_corrected_to_earlier_keeps_the_breach(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    ledger = deadline(world.child, "return_interview", episode)
    clock.move_to(T0 + 77 * HOUR)
    breach(ledger, T0 + 77 * HOUR)
    update_episode(acting_user=world.social_worker, episode=episode, returned_at=T0 + 4 * HOUR)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.breached_at, ledger.due_at) == (
        "breached",
        T0 + 77 * HOUR,
        T0 + 76 * HOUR,
    )


def test_an_episode_marked_entered_in_error_cancels_all_its_deadlines(world, clock):
    looked_after(world.child)
    kept = episode_between(world, clock, T0 - 10 * DAY, T0 - 10 * DAY + 2 * HOUR)
    wrong = episode_between(world, clock, T0, T0 + 30 * HOUR)
    assert Deadline.objects.filter(episode=wrong).count() >= 5
    kept_before = list(Deadline.objects.filter(episode=kept).order_by("pk").values())
    cancelled_on_return = set(
        Deadline.objects.filter(episode=wrong, status="cancelled").values_list("pk", flat=True)
    )
    assert cancelled_on_return, "a return before 120 hours lapses the strategy discussion"
    clock.move_to(T0 + 31 * HOUR)
    mark_entered_in_error(acting_user=world.team_manager, episode=wrong, reason="Duplicate report")
    assert set(Deadline.objects.filter(episode=wrong).values_list("status", flat=True)) == {
        "cancelled"
    }
    newly = Deadline.objects.filter(episode=wrong).exclude(pk__in=cancelled_on_return)
    assert set(newly.values_list("cancelled_at", flat=True)) == {T0 + 31 * HOUR}
    assert list(Deadline.objects.filter(episode=kept).order_by("pk").values()) == kept_before


def test_an_episode_entered_in_error_no_longer_counts_towards_the_repeat_strategy_meeting(
    world, clock
):
    first = episode_between(world, clock, T0, T0 + HOUR)
    episode_between(world, clock, T0 + 10 * DAY, T0 + 10 * DAY + HOUR)
    third = episode_between(world, clock, T0 + 20 * DAY, T0 + 20 * DAY + HOUR)
    assert deadline(world.child, "strategy_meeting", third, suffix=":repeat").status == "open"
    mark_entered_in_error(acting_user=world.team_manager, episode=first, reason="Entered twice")
    assert deadline(world.child, "strategy_meeting", third, suffix=":repeat").status == "cancelled"


# --- Met late ------------------------------------------------------------------------


def test_a_deadline_breached_then_met_later_stays_visible_as_met_late(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    ledger = deadline(world.child, "return_interview", episode)
    clock.move_to(T0 + 77 * HOUR)
    breach(ledger, T0 + 77 * HOUR)
    clock.move_to(T0 + 80 * HOUR)
    offered = record_return_interview(
        acting_user=world.social_worker,
        child=world.child,
        episodes=[episode],
        offered_at=T0 + 80 * HOUR,
    )
    ledger.refresh_from_db()
    assert ledger.status == "breached", "an offer without an outcome does not meet it"
    clock.move_to(T0 + 90 * HOUR)
    complete_return_interview(
        acting_user=world.social_worker, interview=offered, outcome="held", held_at=T0 + 85 * HOUR
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at, ledger.breached_at) == (
        "met",
        T0 + 85 * HOUR,
        T0 + 77 * HOUR,
    )
    assert ledger.is_met_late


def test_a_completion_at_exactly_the_due_time_is_late(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    ledger = deadline(world.child, "return_interview", episode)
    clock.move_to(T0 + 77 * HOUR)
    breach(ledger, T0 + 77 * HOUR)
    record_return_interview(
        acting_user=world.social_worker,
        child=world.child,
        episodes=[episode],
        offered_at=T0 + 77 * HOUR,
        outcome="declined",
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at, ledger.breached_at) == (
        "met",
        T0 + 77 * HOUR,
        T0 + 77 * HOUR,
    )


def test_an_interview_held_in_time_but_written_up_after_the_breach_is_met_on_time(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    ledger = deadline(world.child, "return_interview", episode)
    clock.move_to(T0 + 77 * HOUR)
    breach(ledger, T0 + 77 * HOUR)
    clock.move_to(T0 + 80 * HOUR)
    record_return_interview(
        acting_user=world.social_worker,
        child=world.child,
        episodes=[episode],
        offered_at=T0 + 20 * HOUR,
        outcome="held",
        held_at=T0 + 77 * HOUR - SECOND,
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at, ledger.breached_at) == (
        "met",
        T0 + 77 * HOUR - SECOND,
        None,
    )
    assert not ledger.is_met_late


def test_a_breached_deadline_is_not_re_opened_by_reconcile(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    ledger = deadline(world.child, "return_interview", episode)
    breach(ledger, T0 + 77 * HOUR)
    result = reconcile_at(clock, world.child, T0 + 100 * HOUR)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.breached_at) == ("breached", T0 + 77 * HOUR)
    assert not result.changed


def test_an_escalation_the_sweep_sent_stays_met(world, clock):
    looked_after(world.child)
    episode = report(world, clock, last_seen_at=T0)
    ledger = deadline(world.child, "manager_escalation", episode)
    reconcile_at(clock, world.child, T0 + 30 * HOUR)
    Deadline.objects.filter(pk=ledger.pk).update(status="met", met_at=T0 + 24 * HOUR)
    result = reconcile(world.child)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at) == ("met", T0 + 24 * HOUR)
    assert not result.changed


# --- Idempotency ---------------------------------------------------------------------


def test_reconcile_twice_changes_nothing_the_second_time(world, clock):
    looked_after(world.child)
    first = episode_between(
        world, clock, london(2026, 10, 20, 9, 0), london(2026, 10, 25, 1, 30, fold=1)
    )
    report(world, clock, last_seen_at=london(2026, 10, 26, 9, 0), police_risk="high")
    clock.move_to(london(2026, 10, 26, 12, 0))
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        rag="red",
        rationale="Seen with older men.",
        threshold_level=3,
        episode=first,
    )
    reconcile(world.child)
    before = list(Deadline.objects.filter(child=world.child).order_by("key").values())
    assert not reconcile(world.child).changed
    assert list(Deadline.objects.filter(child=world.child).order_by("key").values()) == before
    assert len(before) >= 10


def test_reconcile_reports_what_it_opened_updated_and_cancelled(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    Deadline.objects.filter(child=world.child).delete()
    result = reconcile(world.child)
    assert sorted(d.rule for d in result.opened) == rules_of(world.child)
    assert result.changed
    come_back(world, clock, episode, T0 + 2 * HOUR)
    clock.move_to(T0 + 3 * HOUR)
    Deadline.objects.filter(child=world.child, rule="return_interview").delete()
    Deadline.objects.filter(child=world.child, rule="risk_assessment").update(due_at=T0 + 99 * HOUR)
    result = reconcile(world.child)
    assert [d.rule for d in result.opened] == ["return_interview"]
    assert [d.rule for d in result.updated] == ["risk_assessment"]
    assert result.cancelled == []


# --- absent_review through reclassification ------------------------------------------


def test_an_absent_episode_reclassified_missing_by_a_person_keeps_its_absent_review_met(
    world, clock
):
    episode = report(world, clock, category="absent", last_seen_at=T0)
    clock.move_to(T0 + 3 * HOUR)
    reclassify_episode(
        acting_user=world.social_worker,
        episode=episode,
        category="missing",
        reason="Reported to police",
    )
    clock.move_to(T0 + 5 * HOUR)
    reclassify_episode(
        acting_user=world.social_worker,
        episode=episode,
        category="absent",
        reason="Seen by a friend",
    )
    ledger = deadline(world.child, "absent_review", episode)
    assert (ledger.status, ledger.met_at) == ("met", T0 + 3 * HOUR)


# --- Protocol settings change behaviour with no code change --------------------------


def test_a_48_hour_return_interview_setting_moves_due_times(world, clock, settings):
    settings.PROTOCOL = {"return_interview_hours": 48}
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    assert deadline(world.child, "return_interview", episode).due_at == T0 + 53 * HOUR


def test_changing_a_setting_moves_existing_deadlines_at_the_next_reconcile(world, clock, settings):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    assert deadline(world.child, "return_interview", episode).due_at == T0 + 77 * HOUR
    settings.PROTOCOL = {"return_interview_hours": 96}
    assert reconcile(world.child).changed
    assert deadline(world.child, "return_interview", episode).due_at == T0 + 101 * HOUR


def test_criteria_scope_limits_return_interviews_to_the_herts_criteria(world, clock, settings):
    settings.PROTOCOL = {"return_interview_scope": "criteria"}
    short = episode_between(world, clock, T0, T0 + 24 * HOUR)
    assert "return_interview" not in rules_of(world.child), "24 hours, first episode, unrated"
    long = episode_between(world, clock, T0 + 2 * DAY, T0 + 3 * DAY + SECOND)
    found = Deadline.objects.filter(child=world.child, rule="return_interview")
    assert [d.episode_id for d in found] == [long.pk]
    assert short.pk != long.pk


def test_criteria_scope_gives_a_looked_after_child_a_return_interview_after_any_episode(
    world, clock, settings
):
    settings.PROTOCOL = {"return_interview_scope": "criteria"}
    looked_after(world.child)
    episode = episode_between(world, clock, T0, T0 + HOUR)
    assert deadline(world.child, "return_interview", episode).status == "open"


def test_a_bad_protocol_setting_stops_reconcile_naming_the_key(world, clock, settings):
    report(world, clock, last_seen_at=T0)
    settings.PROTOCOL = {"return_interview_hour": 48}
    with pytest.raises(ImproperlyConfigured, match="return_interview_hour"):
        reconcile(world.child)
    settings.PROTOCOL = {"strategy_review_days": 42.5}
    with pytest.raises(ImproperlyConfigured, match="strategy_review_days"):
        reconcile(world.child)


# --- mash_threshold: enforced when the risk assessment is recorded -------------------


ASSESSED = london(2026, 8, 31, 15, 0)


def _three_in_six_months(world, clock, earliest: dt.datetime):
    for start in (earliest, london(2026, 6, 1, 9, 0), london(2026, 8, 30, 9, 0)):
        episode = episode_between(world, clock, start, start + 2 * HOUR)
    clock.move_to(ASSESSED)
    return episode


def _assess(world, episode, level):
    return record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        rag="amber",
        threshold_level=level,
        episode=episode,
        assessed_at=ASSESSED,
    )


def test_mash_threshold_refuses_level_2_for_3_episodes_in_6_months_with_a_clear_message(
    world, clock
):
    # 31 August less six calendar months is 28 February: an episode at 00:00 that day counts.
    episode = _three_in_six_months(world, clock, london(2026, 2, 28, 0, 0))
    with pytest.raises(Refused) as refusal:
        _assess(world, episode, 2)
    assert refusal.value.field == "threshold_level"
    assert "3 or more times in the last 6 months" in refusal.value.message
    assert "threshold level must be 3 or above" in refusal.value.message
    assert not RiskAssessment.objects.filter(child=world.child).exists()


def test_mash_threshold_accepts_level_3_for_3_episodes_in_6_months(world, clock):
    episode = _three_in_six_months(world, clock, london(2026, 2, 28, 0, 0))
    assert _assess(world, episode, 3).threshold_level == 3


def test_mash_threshold_does_not_count_an_episode_the_day_before_6_months(world, clock):
    episode = _three_in_six_months(world, clock, london(2026, 2, 27, 23, 59))
    assert _assess(world, episode, 2).threshold_level == 2


def test_mash_threshold_does_not_count_an_episode_entered_in_error(world, clock):
    episode = _three_in_six_months(world, clock, london(2026, 2, 28, 0, 0))
    first = world.child.episodes.order_by("last_seen_at").first()
    mark_entered_in_error(acting_user=world.team_manager, episode=first, reason="Another child's")
    assert _assess(world, episode, 2).threshold_level == 2


def test_mash_threshold_numbers_come_from_the_settings(world, clock, settings):
    settings.PROTOCOL = {"mash_threshold_episode_count": 4}
    episode = _three_in_six_months(world, clock, london(2026, 2, 28, 0, 0))
    assert _assess(world, episode, 2).threshold_level == 2
    assert utc(2026, 2, 28, 0, 0) == london(2026, 2, 28, 0, 0)
