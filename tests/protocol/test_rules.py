"""Every rule of PROTOCOL.md as a pure function: hand-built states, no database, no clock.

Each rule is tested on both sides of each of its boundaries: the trigger (a return one
second before and at the threshold), the due time (exactly the window, not a second
more), and what meets it. Day, month and birthday windows are in test_rules_windows.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from protocol.models import Rule
from protocol.rules import RULES, MeetingFact, evaluate
from tests.protocol.rulekit import (
    DAY,
    DEFAULTS,
    HOUR,
    SECOND,
    T0,
    assessment,
    episode,
    in_london,
    interview,
    london,
    looked_after,
    meeting,
    obligations,
    only,
    state,
    triage,
    utc,
)

# --- The rule set --------------------------------------------------------------------


def test_every_rule_id_in_the_protocol_has_a_rule_and_no_other_rule_exists():
    assert set(RULES) == set(Rule.values)


def test_evaluating_the_same_state_twice_gives_the_same_obligations_with_the_same_keys():
    child = state(
        episode(1, last_seen_at=T0, returned_at=T0 + 30 * HOUR),
        episode(2, last_seen_at=T0 + 40 * HOUR, reported_at=T0 + 41 * HOUR),
        assessments=[assessment(rag="red", assessed_at=T0 + 2 * HOUR)],
        legal_statuses=[looked_after()],
    )
    first, second = evaluate(child, DEFAULTS), evaluate(child, DEFAULTS)
    assert first == second
    keys = [obligation.key for obligation in first]
    assert len(keys) == len(set(keys)), "keys identify obligations, so none may repeat"


def test_a_corrected_return_time_keeps_the_obligation_key_and_moves_its_due_time():
    before = only("return_interview", state(episode(returned_at=T0 + 5 * HOUR)))
    after = only("return_interview", state(episode(returned_at=T0 + 6 * HOUR)))
    assert before.key == after.key == "return_interview:episode:1"
    assert after.due_at - before.due_at == HOUR


def test_a_naive_time_in_a_fact_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        episode(last_seen_at=dt.datetime(2026, 6, 1, 9, 0))


# --- risk_assessment -----------------------------------------------------------------


def test_risk_assessment_is_due_72_hours_after_the_report_while_unrated():
    due = only("risk_assessment", state(episode(reported_at=T0 + 2 * HOUR)))
    assert due.opens_at == T0 + 2 * HOUR
    assert due.due_at == T0 + 74 * HOUR, "counted from the report, not from last seen"
    assert due.owner_role == "mash_triage"
    assert due.met_at is None


def test_risk_assessment_is_met_by_the_first_assessment_of_the_episode():
    first = assessment(rag="amber", assessed_at=T0 + 3 * HOUR)
    second = assessment(101, rag="red", assessed_at=T0 + 5 * HOUR)
    due = only("risk_assessment", state(episode(), assessments=[second, first]))
    assert due.met_at == T0 + 3 * HOUR


def test_an_assessment_of_another_episode_does_not_meet_the_risk_assessment():
    other = assessment(rag="amber", assessed_at=T0 + 3 * HOUR, episode_id=7)
    assert only("risk_assessment", state(episode(), assessments=[other])).met_at is None


def test_an_assessment_naming_no_episode_meets_the_risk_assessment_from_the_report_on():
    at_report = assessment(rag="green", assessed_at=T0 + HOUR, episode_id=None)
    due = only("risk_assessment", state(episode(reported_at=T0 + HOUR), assessments=[at_report]))
    assert due.met_at == T0 + HOUR
    before = assessment(rag="green", assessed_at=T0 + HOUR - SECOND, episode_id=None)
    due = only("risk_assessment", state(episode(reported_at=T0 + HOUR), assessments=[before]))
    assert due.met_at is None


def test_an_assessment_naming_no_episode_made_during_the_next_episode_belongs_to_that_one():
    first = episode(1, last_seen_at=T0, returned_at=T0 + 5 * HOUR)
    second = episode(2, last_seen_at=T0 + 10 * HOUR)
    during_second = assessment(rag="amber", assessed_at=T0 + 10 * HOUR, episode_id=None)
    found = {
        o.episode_id: o
        for o in obligations("risk_assessment", state(first, second, assessments=[during_second]))
    }
    assert found[1].met_at is None
    assert found[2].met_at == T0 + 10 * HOUR


@pytest.mark.parametrize("category", ["missing", "absent", "away_without_authorisation"])
def test_every_kind_of_episode_needs_a_risk_assessment(category):
    assert only("risk_assessment", state(episode(category=category))).key == (
        "risk_assessment:episode:1"
    )


def test_risk_assessment_windows_come_from_the_settings():
    red = triage(rag="red", triaged_at=T0)
    due = only("risk_assessment", state(episode(), triages=[red]), risk_assessment_red_hours=2.5)
    assert due.due_at == T0 + 2.5 * HOUR


# --- absent_review -------------------------------------------------------------------


def test_absent_review_is_due_exactly_24_hours_after_last_seen():
    due = only("absent_review", state(episode(category="absent", reported_at=T0 + 3 * HOUR)))
    assert due.opens_at == T0
    assert due.due_at == T0 + 24 * HOUR, "counted from last seen, not from the report"
    assert due.owner_role == "social_worker"
    assert due.met_at is None


def test_a_missing_episode_that_was_never_absent_has_no_absent_review():
    assert obligations("absent_review", state(episode(category="missing"))) == []


def test_absent_review_is_met_by_the_return():
    returned = episode(category="absent", returned_at=T0 + 24 * HOUR - SECOND)
    assert only("absent_review", state(returned)).met_at == T0 + 24 * HOUR - SECOND


def test_absent_review_is_met_by_a_person_reclassifying_the_episode():
    reclassified = episode(
        category="missing",
        was_absent=True,
        left_absent_at=T0 + 10 * HOUR,
        left_absent_by_person=True,
    )
    assert only("absent_review", state(reclassified)).met_at == T0 + 10 * HOUR


def test_absent_review_is_not_met_by_the_engines_own_reclassification_at_24_hours():
    by_engine = episode(
        category="missing",
        was_absent=True,
        left_absent_at=T0 + 24 * HOUR,
        left_absent_by_person=False,
    )
    due = only("absent_review", state(by_engine))
    assert due.met_at is None, "the automatic reclassification is the breach's effect"
    assert due.due_at == T0 + 24 * HOUR


# --- manager_escalation --------------------------------------------------------------


def test_manager_escalation_is_scheduled_for_24_hours_after_a_looked_after_child_is_last_seen():
    due = only(
        "manager_escalation",
        state(episode(reported_at=T0 + 2 * HOUR), legal_statuses=[looked_after()]),
    )
    assert due.opens_at == due.due_at == T0 + 24 * HOUR
    assert due.met_by_engine, "a notification: the engine meets it by sending"
    assert due.owner_role == "team_manager"


def test_a_child_not_looked_after_gets_no_manager_escalation():
    assert obligations("manager_escalation", state(episode())) == []


def test_manager_escalation_follows_the_legal_status_on_the_day_last_seen():
    ended_day_before = looked_after(end=dt.date(2026, 5, 31))
    assert (
        obligations("manager_escalation", state(episode(), legal_statuses=[ended_day_before])) == []
    )
    started_that_day = looked_after(start=dt.date(2026, 6, 1))
    assert (
        len(obligations("manager_escalation", state(episode(), legal_statuses=[started_that_day])))
        == 1
    )


def test_a_return_one_second_before_24_hours_cancels_the_manager_escalation():
    back = episode(returned_at=T0 + 24 * HOUR - SECOND)
    assert obligations("manager_escalation", state(back, legal_statuses=[looked_after()])) == []


def test_a_return_at_exactly_24_hours_still_escalates_to_managers():
    back = episode(returned_at=T0 + 24 * HOUR)
    assert len(obligations("manager_escalation", state(back, legal_statuses=[looked_after()]))) == 1


@pytest.mark.parametrize("category", ["absent", "away_without_authorisation"])
def test_an_episode_that_is_not_missing_gets_no_manager_escalation(category):
    child = state(episode(category=category), legal_statuses=[looked_after()])
    assert obligations("manager_escalation", child) == []


# --- strategy_meeting (missing more than 24 hours) -----------------------------------


def _over_24(child):
    return [o for o in obligations("strategy_meeting", child) if o.key.endswith(":missing")]


def test_strategy_meeting_opens_at_24_hours_missing_and_is_due_24_hours_later():
    (due,) = _over_24(state(episode()))
    assert due.opens_at == T0 + 24 * HOUR
    assert due.due_at == T0 + 48 * HOUR
    assert due.owner_role == "team_manager"


def test_a_return_at_exactly_24_hours_needs_no_strategy_meeting():
    assert _over_24(state(episode(returned_at=T0 + 24 * HOUR))) == []


def test_a_return_one_second_after_24_hours_needs_a_strategy_meeting():
    assert len(_over_24(state(episode(returned_at=T0 + 24 * HOUR + SECOND)))) == 1


@pytest.mark.parametrize("category", ["absent", "away_without_authorisation"])
def test_an_episode_that_is_not_missing_needs_no_24_hour_strategy_meeting(category):
    assert _over_24(state(episode(category=category))) == []


def test_a_strategy_meeting_held_since_last_seen_meets_the_24_hour_strategy_meeting():
    held = meeting(held_at=T0 + 20 * HOUR)
    (due,) = _over_24(state(episode(), meetings=[held]))
    assert due.met_at == T0 + 20 * HOUR
    assert due.strategy_meeting_id == held.id


def test_a_strategy_meeting_held_before_last_seen_does_not_meet_the_24_hour_strategy_meeting():
    (due,) = _over_24(state(episode(), meetings=[meeting(held_at=T0 - SECOND)]))
    assert due.met_at is None


def test_a_strategy_discussion_or_another_episodes_meeting_does_not_meet_the_strategy_meeting():
    child = state(
        episode(),
        meetings=[
            meeting(held_at=T0 + 30 * HOUR, kind="strategy_discussion"),
            meeting(301, held_at=T0 + 31 * HOUR, episode_id=9),
        ],
    )
    (due,) = _over_24(child)
    assert due.met_at is None


# --- strategy_discussion (five successive days) --------------------------------------


def test_strategy_discussion_opens_at_120_hours_missing_and_is_due_24_hours_later():
    due = only("strategy_discussion", state(episode()))
    assert due.opens_at == T0 + 120 * HOUR
    assert due.due_at == T0 + 144 * HOUR
    assert due.owner_role == "team_manager"


def test_a_return_one_second_before_120_hours_needs_no_strategy_discussion():
    assert (
        obligations("strategy_discussion", state(episode(returned_at=T0 + 120 * HOUR - SECOND)))
        == []
    )


def test_a_return_at_exactly_120_hours_still_needs_a_strategy_discussion():
    assert len(obligations("strategy_discussion", state(episode(returned_at=T0 + 120 * HOUR)))) == 1


def test_five_successive_days_are_120_elapsed_hours_across_the_spring_clock_change():
    last_seen = london(2026, 3, 27, 12, 0)  # Friday, GMT
    due = only("strategy_discussion", state(episode(last_seen_at=last_seen)))
    assert in_london(due.opens_at) == london(2026, 4, 1, 13, 0), "120 h: 13:00 BST on Wednesday"


def test_a_strategy_discussion_held_from_the_start_of_the_fifth_day_meets_it():
    on_day_five = meeting(held_at=T0 + 96 * HOUR, kind="strategy_discussion")
    assert only("strategy_discussion", state(episode(), meetings=[on_day_five])).met_at == (
        T0 + 96 * HOUR
    )


def test_a_strategy_meeting_held_one_second_before_the_fifth_day_does_not_meet_the_discussion():
    too_early = meeting(held_at=T0 + 96 * HOUR - SECOND)
    assert only("strategy_discussion", state(episode(), meetings=[too_early])).met_at is None


def test_an_absent_episode_needs_no_strategy_discussion():
    assert obligations("strategy_discussion", state(episode(category="absent"))) == []


def test_strategy_discussion_threshold_comes_from_the_settings():
    due = only("strategy_discussion", state(episode()), strategy_discussion_missing_hours=96)
    assert due.opens_at == T0 + 96 * HOUR


# --- strategy_review (every 42 days until the concern is resolved) --------------------


def test_strategy_review_is_due_42_calendar_days_after_a_strategy_meeting():
    held = meeting(held_at=T0 + 2 * DAY)
    due = only("strategy_review", state(episode(), meetings=[held]))
    assert due.opens_at == held.held_at
    assert due.due_at == held.held_at + 42 * DAY, "no clock change between June and July"
    assert due.key == f"strategy_review:after:{held.id}"
    assert due.met_at is None


def test_no_strategy_review_is_due_before_any_strategy_meeting():
    assert obligations("strategy_review", state(episode())) == []


def test_the_next_strategy_meeting_meets_the_review_and_starts_the_next_one():
    first = meeting(300, held_at=T0 + 2 * DAY)
    second = meeting(301, held_at=T0 + 40 * DAY)
    reviews = obligations("strategy_review", state(episode(), meetings=[second, first]))
    assert [(r.opens_at, r.met_at) for r in reviews] == [
        (first.held_at, second.held_at),
        (second.held_at, None),
    ]
    assert reviews[1].due_at == second.held_at + 42 * DAY


def test_a_strategy_review_meeting_held_late_still_meets_it():
    first = meeting(300, held_at=T0 + 2 * DAY)
    late = meeting(301, held_at=T0 + 50 * DAY)
    reviews = obligations("strategy_review", state(episode(), meetings=[first, late]))
    assert reviews[0].met_at == late.held_at > reviews[0].due_at


def test_a_return_does_not_stop_the_strategy_reviews_while_the_concern_is_unresolved():
    # HAR 18.3: "until there is confidence that the issue has been resolved" (decision 0012).
    held = meeting(held_at=T0 + 2 * DAY, episode_id=1)
    back = episode(returned_at=T0 + 3 * DAY)
    due = only("strategy_review", state(back, meetings=[held]))
    assert (due.due_at, due.met_at) == (held.held_at + 42 * DAY, None)


def test_a_meeting_that_records_the_concern_resolved_starts_no_review_and_meets_the_last():
    first = meeting(300, held_at=T0 + 2 * DAY)
    resolved = MeetingFact(
        id=301,
        kind="strategy_meeting",
        trigger="review",
        held_at=T0 + 30 * DAY,
        concern_resolved=True,
    )
    reviews = obligations("strategy_review", state(episode(), meetings=[first, resolved]))
    assert [(r.key, r.met_at) for r in reviews] == [
        (f"strategy_review:after:{first.id}", resolved.held_at)
    ]


def test_a_meeting_after_the_concern_was_resolved_starts_the_reviews_again():
    resolved = MeetingFact(
        id=301, kind="strategy_meeting", trigger="other", held_at=T0, concern_resolved=True
    )
    again = meeting(302, held_at=T0 + 90 * DAY)
    reviews = obligations("strategy_review", state(episode(), meetings=[resolved, again]))
    assert [r.key for r in reviews] == [f"strategy_review:after:{again.id}"]


def test_strategy_discussions_neither_start_nor_meet_a_review():
    child = state(
        episode(returned_at=T0 + 60 * DAY),
        meetings=[
            meeting(300, held_at=T0 + DAY),
            meeting(302, held_at=T0 + 2 * DAY, kind="strategy_discussion"),
        ],
    )
    due = only("strategy_review", child)
    assert (due.key, due.met_at) == ("strategy_review:after:300", None)


# --- safe_and_well_check -------------------------------------------------------------


def test_safe_and_well_check_is_due_exactly_24_hours_after_return():
    due = only("safe_and_well_check", state(episode(returned_at=T0 + 5 * HOUR)))
    assert due.opens_at == T0 + 5 * HOUR
    assert due.due_at == T0 + 29 * HOUR
    assert due.owner_role == "police_liaison"


def test_no_safe_and_well_check_is_due_while_the_child_is_still_missing():
    assert obligations("safe_and_well_check", state(episode())) == []


def test_safe_and_well_check_is_met_by_the_check_recorded():
    checked = episode(returned_at=T0 + 5 * HOUR, safe_and_well_checked_at=T0 + 30 * HOUR)
    assert only("safe_and_well_check", state(checked)).met_at == T0 + 30 * HOUR


@pytest.mark.parametrize("category", ["absent", "away_without_authorisation"])
def test_an_episode_police_were_not_looking_for_needs_no_safe_and_well_check(category):
    back = episode(category=category, returned_at=T0 + 5 * HOUR)
    assert obligations("safe_and_well_check", state(back)) == []


# --- return_interview ----------------------------------------------------------------


def test_return_interview_is_due_exactly_72_hours_after_return():
    due = only("return_interview", state(episode(returned_at=T0 + 5 * HOUR)))
    assert due.opens_at == T0 + 5 * HOUR
    assert due.due_at == T0 + 77 * HOUR
    assert due.owner_role == "return_interview_officer"


def test_no_return_interview_is_due_while_the_child_is_still_missing():
    assert obligations("return_interview", state(episode())) == []


def test_return_interview_after_the_spring_clock_change_is_72_elapsed_hours():
    back = episode(last_seen_at=utc(2026, 3, 28, 20, 0), returned_at=london(2026, 3, 29, 0, 30))
    due = only("return_interview", state(back))
    assert in_london(due.due_at) == london(2026, 4, 1, 1, 30), "01:30 BST: 72 h, 71 on the wall"
    assert due.due_at - due.opens_at == 72 * HOUR


def test_return_interview_after_the_autumn_clock_change_is_72_elapsed_hours():
    back = episode(last_seen_at=utc(2026, 10, 24, 20, 0), returned_at=london(2026, 10, 25, 0, 30))
    due = only("return_interview", state(back))
    assert in_london(due.due_at) == london(2026, 10, 27, 23, 30), "23:30 GMT: 72 h, 73 on the wall"
    assert due.due_at == utc(2026, 10, 27, 23, 30)


def test_an_interview_offered_but_without_an_outcome_does_not_meet_the_return_interview():
    offered = interview(episode_ids={1}, offered_at=T0 + 6 * HOUR)
    back = episode(returned_at=T0 + 5 * HOUR)
    assert only("return_interview", state(back, interviews=[offered])).met_at is None


def test_a_held_return_interview_meets_it_when_held_not_when_written_up():
    held = interview(
        episode_ids={1},
        offered_at=T0 + 6 * HOUR,
        outcome="held",
        held_at=T0 + 70 * HOUR,
        recorded_at=T0 + 80 * HOUR,
    )
    due = only("return_interview", state(episode(returned_at=T0 + 5 * HOUR), interviews=[held]))
    assert due.met_at == T0 + 70 * HOUR
    assert due.return_interview_id == held.id


@pytest.mark.parametrize("outcome", ["declined", "no_engagement"])
def test_a_declined_or_unengaged_return_interview_meets_it_when_the_outcome_is_recorded(outcome):
    done = interview(
        episode_ids={1}, offered_at=T0 + 6 * HOUR, outcome=outcome, recorded_at=T0 + 50 * HOUR
    )
    due = only("return_interview", state(episode(returned_at=T0 + 5 * HOUR), interviews=[done]))
    assert due.met_at == T0 + 50 * HOUR


def test_a_child_missing_again_before_the_interview_has_two_return_interview_deadlines():
    first = episode(1, last_seen_at=T0, returned_at=T0 + 5 * HOUR)
    second = episode(2, last_seen_at=T0 + 30 * HOUR, returned_at=T0 + 40 * HOUR)
    found = obligations("return_interview", state(first, second))
    assert [(o.episode_id, o.due_at) for o in found] == [(1, T0 + 77 * HOUR), (2, T0 + 112 * HOUR)]


def test_one_interview_covering_both_episodes_meets_both_return_interview_deadlines():
    first = episode(1, last_seen_at=T0, returned_at=T0 + 5 * HOUR)
    second = episode(2, last_seen_at=T0 + 30 * HOUR, returned_at=T0 + 40 * HOUR)
    both = interview(
        episode_ids={1, 2}, offered_at=T0 + 41 * HOUR, outcome="held", held_at=T0 + 45 * HOUR
    )
    found = obligations("return_interview", state(first, second, interviews=[both]))
    assert [(o.episode_id, o.met_at, o.return_interview_id) for o in found] == [
        (1, T0 + 45 * HOUR, both.id),
        (2, T0 + 45 * HOUR, both.id),
    ]


def test_an_interview_covering_only_the_later_episode_leaves_the_earlier_deadline_open():
    first = episode(1, last_seen_at=T0, returned_at=T0 + 5 * HOUR)
    second = episode(2, last_seen_at=T0 + 30 * HOUR, returned_at=T0 + 40 * HOUR)
    later = interview(
        episode_ids={2}, offered_at=T0 + 41 * HOUR, outcome="held", held_at=T0 + 45 * HOUR
    )
    found = {
        o.episode_id: o.met_at
        for o in obligations("return_interview", state(first, second, interviews=[later]))
    }
    assert found == {1: None, 2: T0 + 45 * HOUR}


@pytest.mark.parametrize("category", ["missing", "absent", "away_without_authorisation"])
def test_return_interviews_follow_every_kind_of_episode_by_default(category):
    assert (
        len(
            obligations(
                "return_interview", state(episode(category=category, returned_at=T0 + HOUR))
            )
        )
        == 1
    )


def test_return_interview_window_comes_from_the_settings():
    due = only("return_interview", state(episode(returned_at=T0 + HOUR)), return_interview_hours=48)
    assert due.due_at == T0 + 49 * HOUR


# return_interview_scope = "criteria": the HERTS criteria, each on both sides.


def _criteria(child):
    return obligations("return_interview", child, return_interview_scope="criteria")


# The HERTS criteria on both sides of each are in test_rules_triage.py.


# --- panel_referral ------------------------------------------------------------------


def test_a_red_rating_needs_a_panel_referral_within_7_days():
    red = assessment(rag="red", assessed_at=T0 + HOUR)
    due = only("panel_referral", state(episode(), assessments=[red]))
    assert due.opens_at == T0 + HOUR
    assert due.due_at == T0 + HOUR + 7 * DAY
    assert due.key == f"panel_referral:assessment:{red.id}"
    assert due.owner_role == "team_manager"


@pytest.mark.parametrize("rag", ["amber", "green"])
def test_an_amber_or_green_rating_needs_no_panel_referral(rag):
    rated = assessment(rag=rag, assessed_at=T0 + HOUR)
    assert obligations("panel_referral", state(episode(), assessments=[rated])) == []


def test_police_high_grading_alone_needs_no_panel_referral():
    assert obligations("panel_referral", state(episode(police_risk="high"))) == []


def test_a_panel_discussion_at_the_moment_of_the_red_rating_meets_it():
    red = assessment(rag="red", assessed_at=T0 + HOUR)
    child = state(episode(), assessments=[red], panel_discussions=[T0 + HOUR])
    assert only("panel_referral", child).met_at == T0 + HOUR


def test_a_panel_discussion_one_second_before_the_red_rating_does_not_meet_it():
    red = assessment(rag="red", assessed_at=T0 + HOUR)
    child = state(episode(), assessments=[red], panel_discussions=[T0 + HOUR - SECOND])
    assert only("panel_referral", child).met_at is None


def test_a_referral_the_panel_has_not_yet_discussed_does_not_meet_it():
    # Issue 12: the deadline is met when the child is discussed, not when a form is sent.
    red = assessment(rag="red", assessed_at=T0 + HOUR)
    child = state(episode(), assessments=[red], panel_referrals=[T0 + 2 * HOUR])
    assert only("panel_referral", child).met_at is None
    discussed = state(
        episode(), assessments=[red], panel_referrals=[T0 + 2 * HOUR], panel_discussions=[T0 + DAY]
    )
    assert only("panel_referral", discussed).met_at == T0 + DAY


def test_a_red_rating_of_the_child_with_no_episode_still_needs_a_panel_referral():
    red = assessment(rag="red", assessed_at=T0, episode_id=None)
    assert only("panel_referral", state(assessments=[red])).episode_id is None


# --- home_office_notice --------------------------------------------------------------


def test_home_office_notice_is_due_24_hours_after_an_unaccompanied_child_is_reported_missing():
    due = only("home_office_notice", state(episode(reported_at=T0 + 2 * HOUR), is_uasc=True))
    assert due.opens_at == T0 + 2 * HOUR
    assert due.due_at == T0 + 26 * HOUR, "counted from the report"
    assert due.owner_role == "social_worker"


def test_a_child_who_is_not_an_unaccompanied_asylum_seeker_needs_no_home_office_notice():
    assert obligations("home_office_notice", state(episode(), is_uasc=False)) == []


@pytest.mark.parametrize("category", ["absent", "away_without_authorisation"])
def test_an_unaccompanied_child_not_missing_needs_no_home_office_notice(category):
    assert obligations("home_office_notice", state(episode(category=category), is_uasc=True)) == []


def test_home_office_notice_is_met_when_the_home_office_was_informed():
    informed = episode(home_office_informed_at=T0 + 30 * HOUR)
    assert only("home_office_notice", state(informed, is_uasc=True)).met_at == T0 + 30 * HOUR


def test_home_office_notice_for_an_absent_episode_that_becomes_missing_counts_from_then():
    became = episode(
        category="missing",
        was_absent=True,
        left_absent_at=T0 + 24 * HOUR,
        became_missing_at=T0 + 24 * HOUR,
    )
    due = only("home_office_notice", state(became, is_uasc=True))
    assert (due.opens_at, due.due_at) == (T0 + 24 * HOUR, T0 + 48 * HOUR)


# --- mash_threshold ------------------------------------------------------------------


def test_mash_threshold_is_a_validation_at_triage_and_opens_no_deadline():
    many = [
        episode(n, last_seen_at=T0 + n * DAY, returned_at=T0 + n * DAY + HOUR) for n in range(1, 5)
    ]
    assert obligations("mash_threshold", state(*many)) == []
