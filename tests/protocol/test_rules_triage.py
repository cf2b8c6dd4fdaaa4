"""The MASH triage clock of the risk assessment (Haringey protocol 14.1, 15.3) and the
Hertfordshire return interview criteria, as pure rules: both sides of every boundary,
and across both clock changes of 2026 (29 March, 25 October, Europe/London).

The triage (MASH's RAG rating of the referral) sets when the missing child risk
assessment record is due: reported + 4 h if Red, 24 h if Amber, 72 h if Green, 72 h while
not yet triaged. Hours are elapsed hours (decision 0003), so on the night the clocks go
forward a Red report at 00:15 GMT is due at 05:15 BST by the wall clock.
"""

from __future__ import annotations

import datetime as dt

import pytest

from protocol.rules import return_interview_criteria_met
from tests.protocol.rulekit import (
    DAY,
    DEFAULTS,
    HOUR,
    SECOND,
    T0,
    assessment,
    episode,
    in_london,
    london,
    looked_after,
    obligations,
    only,
    state,
    triage,
)

WINDOWS = [("red", 4), ("amber", 24), ("green", 72), (None, 72)]

# 00:15 on the two nights the clocks change in 2026, and a quiet June morning. Held in
# UTC: adding hours to a Europe/London datetime in Python is wall-clock arithmetic (the
# trap the rules avoid the same way).
SPRING = london(2026, 3, 29, 0, 15).astimezone(dt.UTC)  # GMT; 01:00 GMT becomes 02:00 BST
AUTUMN = london(2026, 10, 25, 0, 15).astimezone(dt.UTC)  # BST; 02:00 BST becomes 01:00 GMT
REPORTS = {"june": T0, "spring": SPRING, "autumn": AUTUMN}


def _due(reported_at: dt.datetime, rag: str | None, *, triaged_at: dt.datetime | None = None):
    triages = [triage(rag=rag, triaged_at=triaged_at or reported_at)] if rag else []
    child = state(
        episode(last_seen_at=reported_at - HOUR, reported_at=reported_at), triages=triages
    )
    return only("risk_assessment", child)


def _is_due_at(obligation, now: dt.datetime) -> bool:
    """As the sweep reads the ledger: due at `due_at` itself, not a second before."""
    return obligation.met_at is None and obligation.due_at <= now


@pytest.mark.parametrize("when", list(REPORTS))
@pytest.mark.parametrize(("rag", "hours"), WINDOWS)
def test_the_triage_sets_the_assessment_clock_in_elapsed_hours_from_the_report(rag, hours, when):
    reported_at = REPORTS[when]
    due = _due(reported_at, rag)
    assert due.opens_at == reported_at
    assert due.due_at - reported_at == dt.timedelta(hours=hours), (
        f"{rag or 'untriaged'}: {hours} elapsed hours from the report, whatever the clocks do"
    )
    assert not _is_due_at(due, reported_at + hours * HOUR - SECOND), "one second early"
    assert _is_due_at(due, reported_at + hours * HOUR), "due at the window itself"


@pytest.mark.parametrize(
    ("reported_at", "rag", "wall_clock_due"),
    [
        # Spring: 00:15 GMT + 4 h = 04:15 UTC = 05:15 BST (the hour 01:00-02:00 never shows).
        (SPRING, "red", london(2026, 3, 29, 5, 15)),
        (SPRING, "amber", london(2026, 3, 30, 1, 15)),
        (SPRING, "green", london(2026, 4, 1, 1, 15)),
        (SPRING, None, london(2026, 4, 1, 1, 15)),
        # Autumn: 00:15 BST + 4 h = 03:15 UTC = 03:15 GMT (01:00-02:00 shows twice).
        (AUTUMN, "red", london(2026, 10, 25, 3, 15)),
        (AUTUMN, "amber", london(2026, 10, 25, 23, 15)),
        (AUTUMN, "green", london(2026, 10, 27, 23, 15)),
        (AUTUMN, None, london(2026, 10, 27, 23, 15)),
    ],
)
def test_across_the_clock_changes_the_due_time_on_the_wall_clock_moves_by_the_hour(
    reported_at, rag, wall_clock_due
):
    due = _due(reported_at, rag)
    assert in_london(due.due_at) == wall_clock_due


def test_a_red_triage_at_0015_on_a_report_at_0015_makes_the_assessment_due_at_0415_elapsed():
    # The example: 00:15 + 4 elapsed hours; on the spring night that is 04:15 UTC.
    due = _due(SPRING, "red")
    assert due.due_at == SPRING + 4 * HOUR
    assert due.due_at.hour == 4 and due.due_at.minute == 15, "04:15 UTC"


def test_the_window_counts_from_the_report_not_from_the_triage():
    due = _due(T0, "amber", triaged_at=T0 + 3 * HOUR)
    assert due.due_at == T0 + 24 * HOUR


def test_a_triage_recorded_before_the_report_still_counts_from_the_report():
    # MASH had the police MISPER and triaged it before social care recorded the report.
    due = _due(T0, "red", triaged_at=T0 - 30 * 60 * SECOND)
    assert due.due_at == T0 + 4 * HOUR


def test_a_red_triage_made_after_its_four_hours_leaves_the_assessment_overdue():
    due = _due(T0, "red", triaged_at=T0 + 5 * HOUR)
    assert _is_due_at(due, T0 + 5 * HOUR), "the 4 hours were the protocol's, not the triage's"


def test_police_grading_never_sets_the_assessment_clock():
    for grading in ("high", "medium", "low", "very_low"):
        child = state(episode(police_risk=grading))
        assert only("risk_assessment", child).due_at == T0 + 72 * HOUR, grading


def test_police_grading_does_not_override_mash_triage():
    child = state(episode(police_risk="high"), triages=[triage(rag="green", triaged_at=T0)])
    assert only("risk_assessment", child).due_at == T0 + 72 * HOUR


def test_a_rating_in_an_earlier_assessment_does_not_set_the_clock_of_a_new_episode():
    earlier = assessment(rag="red", assessed_at=T0 - DAY, episode_id=None)
    child = state(episode(2), assessments=[earlier])
    assert only("risk_assessment", child).due_at == T0 + 72 * HOUR


def test_the_latest_triage_of_the_episode_sets_the_clock():
    first = triage(400, rag="green", triaged_at=T0 + HOUR)
    second = triage(401, rag="red", triaged_at=T0 + 2 * HOUR)
    child = state(episode(), triages=[second, first])
    assert only("risk_assessment", child).due_at == T0 + 4 * HOUR


def test_a_triage_of_another_episode_does_not_set_the_clock():
    child = state(episode(), triages=[triage(rag="red", triaged_at=T0, episode_id=7)])
    assert only("risk_assessment", child).due_at == T0 + 72 * HOUR


def test_a_triage_does_not_meet_the_assessment():
    child = state(episode(), triages=[triage(rag="red", triaged_at=T0)])
    assert only("risk_assessment", child).met_at is None


def test_the_assessment_meets_the_clock_the_triage_set():
    child = state(
        episode(),
        triages=[triage(rag="red", triaged_at=T0)],
        assessments=[assessment(rag="red", assessed_at=T0 + 4 * HOUR - SECOND)],
    )
    due = only("risk_assessment", child)
    assert (due.due_at, due.met_at) == (T0 + 4 * HOUR, T0 + 4 * HOUR - SECOND)


def test_the_reason_names_the_triage_or_its_absence():
    assert "not yet triaged" in _due(T0, None).reason
    assert "triaged the referral Red" in _due(T0, "red").reason


# --- HERTS criteria ------------------------------------------------------------------


def _criteria(child):
    return obligations("return_interview", child, return_interview_scope="criteria")


def test_with_criteria_scope_a_short_first_episode_with_no_concerns_needs_no_interview():
    short = episode(returned_at=T0 + 24 * HOUR)
    assert _criteria(state(short)) == []


def test_missing_over_24_hours_is_strictly_over():
    assert _criteria(state(episode(returned_at=T0 + 24 * HOUR))) == []
    assert len(_criteria(state(episode(returned_at=T0 + 24 * HOUR + SECOND)))) == 1


def test_missing_over_24_hours_counts_elapsed_hours_across_the_autumn_change():
    # 00:15 BST to 00:15 GMT the next day is 25 elapsed hours: over 24.
    away = episode(last_seen_at=AUTUMN, returned_at=london(2026, 10, 26, 0, 15))
    assert return_interview_criteria_met(state(away), away, DEFAULTS) == ["missing_over_24_hours"]
    spring = episode(last_seen_at=SPRING, returned_at=london(2026, 3, 30, 0, 15))
    assert return_interview_criteria_met(state(spring), spring, DEFAULTS) == [], "23 hours"


def test_looked_after_for_any_period_of_the_episode():
    short = episode(returned_at=T0 + HOUR)
    assert len(_criteria(state(short, legal_statuses=[looked_after()]))) == 1
    # Looked after from the day of return (accommodated on return) counts too.
    later = looked_after(start=(T0 + HOUR).date())
    assert len(_criteria(state(short, legal_statuses=[later]))) == 1
    ended = looked_after(end=(T0 - DAY).date())
    assert _criteria(state(short, legal_statuses=[ended])) == [], "care ended the day before"


def test_the_second_missing_occasion_at_any_time_meets_the_criteria():
    long_ago = episode(1, last_seen_at=T0 - 800 * DAY, returned_at=T0 - 800 * DAY + HOUR)
    now = episode(2, last_seen_at=T0, returned_at=T0 + HOUR)
    assert [o.episode_id for o in _criteria(state(long_ago, now))] == [2]
    assert _criteria(state(now)) == [], "the first occasion"


def test_absent_and_away_episodes_are_not_missing_occasions():
    absent = episode(1, category="absent", last_seen_at=T0 - DAY, returned_at=T0 - DAY + HOUR)
    now = episode(2, last_seen_at=T0, returned_at=T0 + HOUR)
    assert _criteria(state(absent, now)) == []


@pytest.mark.parametrize(
    "concern",
    [
        "criminal_activity",
        "harmed",
        "mental_health",
        "sexual_exploitation_risk",
        "contact_with_risky_persons",
    ],
)
def test_each_fact_the_return_form_records_meets_the_criteria(concern):
    with_concern = episode(returned_at=T0 + HOUR, return_concerns=frozenset({concern}))
    assert len(_criteria(state(with_concern))) == 1
    assert concern in only(
        "return_interview", state(with_concern), return_interview_scope="criteria"
    ).reason.replace(" ", "_")


def test_ratings_and_police_grading_are_not_herts_criteria():
    # HERTS lists no rating: a Red triage or a high police grading alone is not a criterion.
    short = episode(returned_at=T0 + HOUR, police_risk="high")
    red = assessment(rag="red", assessed_at=T0 + HOUR, indicators=["cse"])
    assert (
        _criteria(state(short, assessments=[red], triages=[triage(rag="red", triaged_at=T0)])) == []
    )


def test_every_episode_scope_ignores_the_criteria():
    assert len(obligations("return_interview", state(episode(returned_at=T0 + HOUR)))) == 1
