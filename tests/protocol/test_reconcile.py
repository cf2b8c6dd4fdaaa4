"""The ledger through the real services: each rule's deadline opened at exactly the right
time, with the status reconcile gives it on both sides of its boundaries.

Reconcile never breaches (the sweep does, tests/protocol/test_sweep.py); here a deadline
is "due" when the sweep would take it: open or scheduled with `due_at <= now`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.actors import ENGINE
from core.clock import LONDON, london_wall_time
from core.errors import Refused
from episodes.services import (
    reclassify_episode,
    record_home_office_notice,
    record_safe_and_well_check,
)
from panels.services import (
    record_panel_discussion,
    record_strategy_meeting,
    refer_to_panel,
    schedule_panel_meeting,
)
from protocol.models import Deadline
from returns.services import record_return_interview
from risk.services import record_mash_triage, record_risk_assessment
from tests.protocol.reconcilekit import (
    DAY,
    HOUR,
    SECOND,
    T0,
    another_child,
    come_back,
    deadline,
    episode_between,
    frozen_clock,
    is_due,
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


def interview(world, clock, episodes, *, at: dt.datetime, outcome: str = "held"):
    clock.move_to(at)
    return record_return_interview(
        acting_user=world.social_worker,
        child=world.child,
        episodes=episodes,
        offered_at=at,
        outcome=outcome,
        held_at=at if outcome == "held" else None,
    )


def strategy_meeting(
    world, clock, *, at, episode=None, kind="strategy_meeting", trigger="other", child=None
):
    clock.move_to(at)
    return record_strategy_meeting(
        acting_user=world.team_manager,
        child=child or world.child,
        held_at=at,
        kind=kind,
        trigger=trigger,
        episode=episode,
    )


# --- return_interview ----------------------------------------------------------------


def test_return_interview_is_open_at_71_59_59_and_due_at_exactly_72_hours(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    returned = T0 + 5 * HOUR
    reconcile_at(clock, world.child, returned + 72 * HOUR - SECOND)
    ledger = deadline(world.child, "return_interview", episode)
    assert ledger.opens_at == returned
    assert ledger.due_at == returned + 72 * HOUR
    assert ledger.status == "open"
    assert not is_due(ledger)
    reconcile_at(clock, world.child, returned + 72 * HOUR)
    assert is_due(ledger), "at 72:00:00 the sweep takes it"
    assert ledger.status == "open", "reconcile never breaches"


def test_return_interview_held_at_71_59_59_is_met_on_time(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    interview(world, clock, [episode], at=T0 + 5 * HOUR + 72 * HOUR - SECOND)
    ledger = deadline(world.child, "return_interview", episode)
    assert (ledger.status, ledger.met_at, ledger.breached_at) == (
        "met",
        ledger.due_at - SECOND,
        None,
    )
    assert not ledger.is_met_late


def test_return_interview_is_due_at_01_30_bst_after_a_return_at_00_30_gmt_on_the_spring_change(
    world, clock
):
    returned = utc(2026, 3, 29, 0, 30)  # 00:30 GMT; the clocks go forward at 01:00
    episode = episode_between(world, clock, utc(2026, 3, 28, 18, 0), returned)
    ledger = deadline(world.child, "return_interview", episode)
    assert ledger.due_at.astimezone(LONDON) == london(2026, 4, 1, 1, 30)
    assert ledger.due_at == utc(2026, 4, 1, 0, 30)
    reconcile_at(clock, world.child, utc(2026, 4, 1, 0, 30) - SECOND)
    assert not is_due(ledger)
    reconcile_at(clock, world.child, utc(2026, 4, 1, 0, 30))
    assert is_due(ledger)


def test_return_interview_is_due_at_23_30_gmt_after_a_return_at_00_30_bst_on_the_autumn_change(
    world, clock
):
    returned = london(2026, 10, 25, 0, 30)  # 00:30 BST; the clocks go back at 02:00
    episode = episode_between(world, clock, london(2026, 10, 24, 18, 0), returned)
    ledger = deadline(world.child, "return_interview", episode)
    assert ledger.due_at == utc(2026, 10, 27, 23, 30)
    assert ledger.due_at.astimezone(LONDON) == london(2026, 10, 27, 23, 30)
    assert ledger.due_at - returned == 72 * HOUR


def test_a_child_missing_again_before_the_interview_has_two_deadlines_met_by_one_interview(
    world, clock
):
    first = episode_between(world, clock, T0, T0 + 5 * HOUR)
    second = episode_between(world, clock, T0 + 30 * HOUR, T0 + 40 * HOUR)
    both = Deadline.objects.filter(child=world.child, rule="return_interview").order_by("due_at")
    assert [(d.episode_id, d.due_at, d.status) for d in both] == [
        (first.pk, T0 + 77 * HOUR, "open"),
        (second.pk, T0 + 112 * HOUR, "open"),
    ]
    held = interview(world, clock, [first, second], at=T0 + 50 * HOUR)
    assert [(d.status, d.met_at, d.return_interview_id) for d in both.all()] == [
        ("met", T0 + 50 * HOUR, held.pk),
        ("met", T0 + 50 * HOUR, held.pk),
    ]


# --- risk_assessment -----------------------------------------------------------------


def test_risk_assessment_for_an_episode_triaged_red_is_due_4_hours_after_the_report(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR, police_risk="high")
    assert deadline(world.child, "risk_assessment", episode).due_at == T0 + 73 * HOUR, (
        "police's grading is not the rating"
    )
    record_mash_triage(
        acting_user=world.mash_triage,
        referral=episode.mash_referrals.get(),
        rag="red",
        threshold_level=3,
        reason="High risk: police grading and history.",
    )
    reconcile_at(clock, world.child, T0 + 5 * HOUR - SECOND)
    ledger = deadline(world.child, "risk_assessment", episode)
    assert ledger.due_at == T0 + 5 * HOUR
    assert not is_due(ledger)
    reconcile_at(clock, world.child, T0 + 5 * HOUR)
    assert is_due(ledger)


def test_risk_assessment_for_an_untriaged_episode_is_due_72_hours_after_the_report(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR)
    assert deadline(world.child, "risk_assessment", episode).due_at == T0 + 73 * HOUR


def test_risk_assessment_is_met_by_recording_it(world, clock):
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR)
    record_mash_triage(
        acting_user=world.mash_triage,
        referral=episode.mash_referrals.get(),
        rag="amber",
        threshold_level=2,
    )
    assert deadline(world.child, "risk_assessment", episode).due_at == T0 + 25 * HOUR
    clock.move_to(T0 + 25 * HOUR - SECOND)
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        rag="amber",
        threshold_level=2,
        episode=episode,
    )
    ledger = deadline(world.child, "risk_assessment", episode)
    assert (ledger.status, ledger.met_at) == ("met", T0 + 25 * HOUR - SECOND)


# --- absent_review -------------------------------------------------------------------


def test_absent_review_is_due_24_hours_after_last_seen(world, clock):
    episode = report(world, clock, category="absent", last_seen_at=T0, reported_at=T0 + 2 * HOUR)
    reconcile_at(clock, world.child, T0 + 24 * HOUR - SECOND)
    ledger = deadline(world.child, "absent_review", episode)
    assert (ledger.opens_at, ledger.due_at, ledger.status) == (T0, T0 + 24 * HOUR, "open")
    assert not is_due(ledger)
    reconcile_at(clock, world.child, T0 + 24 * HOUR)
    assert is_due(ledger)


def test_absent_review_is_met_by_the_return(world, clock):
    episode = report(world, clock, category="absent", last_seen_at=T0)
    come_back(world, clock, episode, T0 + 24 * HOUR - SECOND)
    ledger = deadline(world.child, "absent_review", episode)
    assert (ledger.status, ledger.met_at) == ("met", T0 + 24 * HOUR - SECOND)


def test_absent_review_is_met_by_a_person_reclassifying_the_episode_missing(world, clock):
    episode = report(world, clock, category="absent", last_seen_at=T0)
    clock.move_to(T0 + 20 * HOUR)
    reclassify_episode(
        acting_user=world.social_worker,
        episode=episode,
        category="missing",
        reason="No contact; told police",
    )
    ledger = deadline(world.child, "absent_review", episode)
    assert (ledger.status, ledger.met_at) == ("met", T0 + 20 * HOUR)


def test_absent_review_is_not_met_by_the_engines_reclassification_it_stays_breached(world, clock):
    episode = report(world, clock, category="absent", last_seen_at=T0)
    clock.move_to(T0 + 24 * HOUR)
    # The sweep: the breach, then its effect, the engine reclassifying (no acting user).
    Deadline.objects.filter(rule="absent_review", episode=episode).update(
        status="breached", breached_at=T0 + 24 * HOUR
    )
    reclassify_episode(
        acting_user=ENGINE, episode=episode, category="missing", reason="No contact in 24 hours"
    )
    ledger = deadline(world.child, "absent_review", episode)
    assert (ledger.status, ledger.met_at, ledger.breached_at) == ("breached", None, T0 + 24 * HOUR)


# --- manager_escalation --------------------------------------------------------------


def test_manager_escalation_is_scheduled_in_advance_for_a_looked_after_child(world, clock):
    looked_after(world.child)
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR)
    ledger = deadline(world.child, "manager_escalation", episode)
    assert (ledger.status, ledger.opens_at, ledger.due_at) == (
        "scheduled",
        T0 + 24 * HOUR,
        T0 + 24 * HOUR,
    )
    reconcile_at(clock, world.child, T0 + 24 * HOUR - SECOND)
    assert not is_due(ledger)
    assert ledger.status == "scheduled"
    reconcile_at(clock, world.child, T0 + 24 * HOUR)
    assert is_due(ledger)


def test_a_return_before_24_hours_cancels_the_manager_escalation(world, clock):
    looked_after(world.child)
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR)
    come_back(world, clock, episode, T0 + 24 * HOUR - SECOND)
    ledger = deadline(world.child, "manager_escalation", episode)
    assert (ledger.status, ledger.cancelled_at) == ("cancelled", T0 + 24 * HOUR - SECOND)


def test_a_return_at_24_hours_leaves_the_manager_escalation_standing(world, clock):
    looked_after(world.child)
    episode = report(world, clock, last_seen_at=T0, reported_at=T0 + HOUR)
    come_back(world, clock, episode, T0 + 24 * HOUR)
    assert deadline(world.child, "manager_escalation", episode).status == "open"


def test_a_child_who_is_not_looked_after_gets_no_manager_escalation(world, clock):
    report(world, clock, last_seen_at=T0)
    assert "manager_escalation" not in rules_of(world.child)


# --- strategy_meeting (missing over 24 hours) and strategy_discussion (120 hours) ----


def test_strategy_meeting_is_scheduled_until_24_hours_missing_then_open_and_due_24_hours_later(
    world, clock
):
    episode = report(world, clock, last_seen_at=T0)
    reconcile_at(clock, world.child, T0 + 24 * HOUR - SECOND)
    ledger = deadline(world.child, "strategy_meeting", episode, suffix=":missing")
    assert (ledger.status, ledger.opens_at, ledger.due_at) == (
        "scheduled",
        T0 + 24 * HOUR,
        T0 + 48 * HOUR,
    )
    reconcile_at(clock, world.child, T0 + 24 * HOUR)
    ledger.refresh_from_db()
    assert ledger.status == "open"
    reconcile_at(clock, world.child, T0 + 48 * HOUR - SECOND)
    assert not is_due(ledger)
    reconcile_at(clock, world.child, T0 + 48 * HOUR)
    assert is_due(ledger)


def test_a_return_at_exactly_24_hours_cancels_the_24_hour_strategy_meeting(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    come_back(world, clock, episode, T0 + 24 * HOUR)
    assert (
        deadline(world.child, "strategy_meeting", episode, suffix=":missing").status == "cancelled"
    )


def test_a_strategy_meeting_held_meets_the_24_hour_strategy_meeting(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    meeting = strategy_meeting(
        world, clock, at=T0 + 30 * HOUR, episode=episode, trigger="missing_over_24_hours"
    )
    ledger = deadline(world.child, "strategy_meeting", episode, suffix=":missing")
    assert (ledger.status, ledger.met_at, ledger.strategy_meeting_id) == (
        "met",
        T0 + 30 * HOUR,
        meeting.pk,
    )


def test_strategy_discussion_opens_at_120_hours_missing_and_is_due_at_144(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    reconcile_at(clock, world.child, T0 + 120 * HOUR - SECOND)
    ledger = deadline(world.child, "strategy_discussion", episode)
    assert (ledger.status, ledger.opens_at, ledger.due_at) == (
        "scheduled",
        T0 + 120 * HOUR,
        T0 + 144 * HOUR,
    )
    reconcile_at(clock, world.child, T0 + 120 * HOUR)
    ledger.refresh_from_db()
    assert ledger.status == "open"
    strategy_meeting(world, clock, at=T0 + 130 * HOUR, episode=episode, kind="strategy_discussion")
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at) == ("met", T0 + 130 * HOUR)


def test_a_return_one_second_before_120_hours_cancels_the_strategy_discussion(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    come_back(world, clock, episode, T0 + 120 * HOUR - SECOND)
    assert deadline(world.child, "strategy_discussion", episode).status == "cancelled"


# --- strategy_review (every 42 days until the concern is resolved) --------------------


def test_strategy_review_repeats_every_42_days_and_a_return_does_not_stop_it(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    first = strategy_meeting(world, clock, at=T0 + 2 * DAY, episode=episode)
    review = Deadline.objects.get(child=world.child, rule="strategy_review")
    assert (review.opens_at, review.due_at, review.status) == (T0 + 2 * DAY, T0 + 44 * DAY, "open")
    second = strategy_meeting(world, clock, at=T0 + 44 * DAY - SECOND, episode=episode)
    reviews = Deadline.objects.filter(child=world.child, rule="strategy_review").order_by(
        "opens_at"
    )
    assert [(r.key.split(":")[-1], r.status, r.met_at) for r in reviews] == [
        (str(first.pk), "met", T0 + 44 * DAY - SECOND),
        (str(second.pk), "open", None),
    ]
    come_back(world, clock, episode, T0 + 50 * DAY)
    assert [r.status for r in reviews.all()] == ["met", "open"], "the concern is not resolved"


def test_strategy_review_is_due_42_calendar_days_later_at_the_same_wall_clock_time_across_the_autumn_change(
    world, clock
):
    episode = report(world, clock, last_seen_at=london(2026, 9, 20, 8, 0))
    strategy_meeting(world, clock, at=london(2026, 10, 1, 14, 0), episode=episode)
    review = Deadline.objects.get(child=world.child, rule="strategy_review")
    assert review.due_at.astimezone(LONDON) == london(2026, 11, 12, 14, 0)
    assert review.due_at == utc(2026, 11, 12, 14, 0)


# --- strategy_meeting: the 3rd episode in 90 days ------------------------------------


def _three_episodes(world, clock, first_day: dt.date, third_day: dt.date):
    for day in (first_day, first_day + (third_day - first_day) / 2, third_day):
        start = london(day.year, day.month, day.day, 10, 0)
        last = episode_between(world, clock, start, start + 2 * HOUR)
    return last


def test_the_third_episode_exactly_90_days_after_the_first_opens_the_repeat_strategy_meeting(
    world, clock
):
    third = _three_episodes(world, clock, dt.date(2026, 3, 1), dt.date(2026, 5, 30))
    ledger = deadline(world.child, "strategy_meeting", third, suffix=":repeat")
    assert ledger.opens_at == third.reported_at
    assert ledger.due_at == third.reported_at + 5 * DAY
    assert ledger.status == "open"


def test_a_third_episode_91_days_after_the_first_opens_no_repeat_strategy_meeting(world, clock):
    _three_episodes(world, clock, dt.date(2026, 3, 1), dt.date(2026, 5, 31))
    assert not Deadline.objects.filter(child=world.child, key__endswith=":repeat").exists()


def test_the_repeat_strategy_meeting_is_due_5_calendar_days_later_across_the_spring_change(
    world, clock
):
    _three_episodes(world, clock, dt.date(2026, 1, 10), dt.date(2026, 2, 10))
    third = report(
        world, clock, last_seen_at=london(2026, 3, 27, 9, 0), reported_at=london(2026, 3, 27, 10, 0)
    )
    ledger = deadline(world.child, "strategy_meeting", third, suffix=":repeat")
    assert ledger.due_at.astimezone(LONDON) == london(2026, 4, 1, 10, 0)
    assert ledger.due_at - ledger.opens_at == 5 * DAY - HOUR


# --- safe_and_well_check -------------------------------------------------------------


def test_safe_and_well_check_is_due_24_hours_after_return_and_met_by_the_check(world, clock):
    episode = episode_between(world, clock, T0, T0 + 5 * HOUR)
    reconcile_at(clock, world.child, T0 + 29 * HOUR - SECOND)
    ledger = deadline(world.child, "safe_and_well_check", episode)
    assert (ledger.due_at, ledger.status) == (T0 + 29 * HOUR, "open")
    assert not is_due(ledger)
    record_safe_and_well_check(
        acting_user=world.social_worker, episode=episode, checked_at=T0 + 29 * HOUR - SECOND
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at) == ("met", T0 + 29 * HOUR - SECOND)


# --- panel_referral ------------------------------------------------------------------


def test_a_red_rating_opens_a_panel_referral_due_7_days_later_met_by_the_discussion(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    clock.move_to(T0 + 2 * HOUR)
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        rag="red",
        rationale="Seen with older men.",
        threshold_level=3,
        episode=episode,
    )
    ledger = Deadline.objects.get(child=world.child, rule="panel_referral")
    assert (ledger.opens_at, ledger.due_at, ledger.status) == (
        T0 + 2 * HOUR,
        T0 + 2 * HOUR + 7 * DAY,
        "open",
    )
    reconcile_at(clock, world.child, T0 + 2 * HOUR + 7 * DAY - SECOND)
    assert not is_due(ledger)
    clock.move_to(T0 + 2 * HOUR + DAY)
    meeting = schedule_panel_meeting(
        acting_user=world.missing_coordinator,
        authority=world.council,
        kind="mace",
        meets_at=T0 + 2 * HOUR + 7 * DAY - SECOND,
    )
    refer_to_panel(
        acting_user=world.team_manager, child=world.child, reason="Rated Red: CCE concerns"
    )
    ledger.refresh_from_db()
    assert ledger.status == "open", "a referral the panel has not discussed does not meet it"
    clock.move_to(T0 + 2 * HOUR + 7 * DAY - SECOND)
    record_panel_discussion(
        acting_user=world.missing_coordinator,
        case=meeting.cases.get(child=world.child),
        discussion="Disruption plan agreed.",
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at) == ("met", T0 + 2 * HOUR + 7 * DAY - SECOND)


def test_an_amber_rating_opens_no_panel_referral(world, clock):
    episode = report(world, clock, last_seen_at=T0)
    clock.move_to(T0 + 2 * HOUR)
    record_risk_assessment(
        acting_user=world.mash_triage,
        child=world.child,
        rag="amber",
        threshold_level=3,
        episode=episode,
    )
    assert "panel_referral" not in rules_of(world.child)


# --- home_office_notice --------------------------------------------------------------


def test_home_office_notice_for_an_unaccompanied_child_is_due_24_hours_after_the_report(
    world, clock
):
    child = another_child(world, is_uasc=True)
    episode = report(world, clock, child=child, last_seen_at=T0, reported_at=T0 + HOUR)
    reconcile_at(clock, child, T0 + 25 * HOUR - SECOND)
    ledger = deadline(child, "home_office_notice", episode)
    assert (ledger.due_at, ledger.status, ledger.owner_role) == (
        T0 + 25 * HOUR,
        "open",
        "social_worker",
    )
    assert not is_due(ledger)
    record_home_office_notice(
        acting_user=world.social_worker, episode=episode, informed_at=T0 + 25 * HOUR - SECOND
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at) == ("met", T0 + 25 * HOUR - SECOND)


def test_a_child_who_is_not_unaccompanied_gets_no_home_office_notice_and_none_can_be_recorded(
    world, clock
):
    episode = report(world, clock, last_seen_at=T0)
    assert "home_office_notice" not in rules_of(world.child)
    with pytest.raises(Refused, match="unaccompanied asylum-seeking children only"):
        record_home_office_notice(acting_user=world.social_worker, episode=episode, informed_at=T0)


def test_an_unaccompanied_childs_absent_episode_made_missing_at_24_hours_gives_the_home_office_24_more(
    world, clock
):
    child = another_child(world, is_uasc=True, date_of_birth=dt.date(2010, 1, 1))
    episode = report(world, clock, child=child, category="absent", last_seen_at=T0)
    assert "home_office_notice" not in rules_of(child)
    clock.move_to(T0 + 24 * HOUR)
    reclassify_episode(
        acting_user=ENGINE, episode=episode, category="missing", reason="No contact in 24 hours"
    )
    ledger = deadline(child, "home_office_notice", episode)
    assert (ledger.opens_at, ledger.due_at, ledger.status) == (
        T0 + 24 * HOUR,
        T0 + 48 * HOUR,
        "open",
    )


# --- senior_review and missing_at_eighteen -------------------------------------------


def test_senior_review_opens_at_last_seen_and_is_due_3_calendar_months_on_clamped(world, clock):
    episode = report(world, clock, last_seen_at=london(2025, 11, 30, 18, 0))
    ledger = deadline(world.child, "senior_review", episode)
    assert ledger.opens_at == london(2025, 11, 30, 18, 0)
    assert ledger.due_at == utc(2026, 2, 28, 0, 0)
    assert ledger.status == "open"
    come_back(world, clock, episode, utc(2026, 2, 28, 0, 0) - SECOND)
    ledger.refresh_from_db()
    assert ledger.status == "cancelled", "returned before three months: no review"


def test_missing_at_eighteen_for_a_29_february_birth_is_due_at_midnight_on_1_march(world, clock):
    child = another_child(world, date_of_birth=dt.date(2008, 2, 29))
    episode = report(world, clock, child=child, last_seen_at=london(2026, 2, 20, 22, 0))
    ledger = deadline(child, "missing_at_eighteen", episode)
    assert ledger.opens_at == london(2026, 2, 20, 22, 0)
    assert ledger.due_at == utc(2026, 3, 1, 0, 0)
    reconcile_at(clock, child, utc(2026, 3, 1, 0, 0) - SECOND)
    assert not is_due(ledger)
    reconcile_at(clock, child, utc(2026, 3, 1, 0, 0))
    assert is_due(ledger)
    strategy_meeting(
        world,
        clock,
        at=utc(2026, 3, 1, 10, 0),
        child=child,
        episode=episode,
        trigger="missing_at_eighteen",
    )
    ledger.refresh_from_db()
    assert (ledger.status, ledger.met_at) == ("met", utc(2026, 3, 1, 10, 0))
