"""Calendar windows in the rules: 90 days, 5, 7 and 42 days, 3 and 6 months, the 18th birthday.

Day, week and month windows are Europe/London calendar dates (PROTOCOL.md "Time"): they
keep the wall-clock time across a clock change, and "3 in 90 days" counts start dates.
"""

from __future__ import annotations

import datetime as dt

import pytest

from protocol.rules import add_calendar_days, mash_threshold_minimum_level
from tests.protocol.rulekit import (
    DAY,
    DEFAULTS,
    HOUR,
    SECOND,
    assessment,
    episode,
    in_london,
    london,
    meeting,
    obligations,
    only,
    state,
    utc,
)

# --- strategy_meeting: the 3rd missing or absent episode in 90 days ------------------


def _repeat(child, **overrides):
    return [
        o for o in obligations("strategy_meeting", child, **overrides) if o.key.endswith(":repeat")
    ]


def _three(first_day: dt.date, third_day: dt.date, *, hour: int = 10, categories=("missing",) * 3):
    """Three short episodes: the first on `first_day`, the second in between, the third on `third_day`."""
    middle = first_day + (third_day - first_day) / 2
    days = (first_day, middle, third_day)
    return [
        episode(
            n + 1,
            category=categories[n],
            last_seen_at=london(day.year, day.month, day.day, hour, 0),
            returned_at=london(day.year, day.month, day.day, hour, 0) + 2 * HOUR,
        )
        for n, day in enumerate(days)
    ]


def test_a_third_episode_exactly_90_days_after_the_first_needs_a_strategy_meeting():
    found = _repeat(state(*_three(dt.date(2026, 3, 1), dt.date(2026, 5, 30))))
    assert [o.episode_id for o in found] == [3]


def test_a_third_episode_91_days_after_the_first_needs_no_repeat_strategy_meeting():
    assert _repeat(state(*_three(dt.date(2026, 3, 1), dt.date(2026, 5, 31)))) == []


def test_the_90_day_window_counts_london_dates_not_24_hour_blocks():
    # First at 23:30 on 1 March, third at 00:30 on 30 May: 89 days and 1 hour elapsed,
    # but 90 calendar days apart, so it counts; the next day's midnight does not.
    first = episode(
        1, last_seen_at=london(2026, 3, 1, 23, 30), returned_at=london(2026, 3, 2, 1, 0)
    )
    second = episode(
        2, last_seen_at=london(2026, 4, 10, 10, 0), returned_at=london(2026, 4, 10, 12, 0)
    )
    on_day_90 = episode(
        3, last_seen_at=london(2026, 5, 30, 0, 30), returned_at=london(2026, 5, 30, 2, 0)
    )
    assert len(_repeat(state(first, second, on_day_90))) == 1
    on_day_91 = episode(
        3, last_seen_at=london(2026, 5, 31, 0, 30), returned_at=london(2026, 5, 31, 2, 0)
    )
    assert _repeat(state(first, second, on_day_91)) == []


def test_the_90_day_window_uses_the_london_date_of_a_time_just_after_midnight_in_summer():
    # 23:30 UTC on 29 May is 00:30 BST on 30 May: day 90 in London, day 89 in UTC.
    first = episode(
        1, last_seen_at=london(2026, 3, 1, 10, 0), returned_at=london(2026, 3, 1, 12, 0)
    )
    second = episode(
        2, last_seen_at=london(2026, 4, 10, 10, 0), returned_at=london(2026, 4, 10, 12, 0)
    )
    third = episode(3, last_seen_at=utc(2026, 5, 30, 23, 30), returned_at=utc(2026, 5, 31, 2, 0))
    assert in_london(third.last_seen_at).date() == dt.date(2026, 5, 31)
    assert _repeat(state(first, second, third)) == [], "31 May in London is day 91"
    third = episode(3, last_seen_at=utc(2026, 5, 29, 23, 30), returned_at=utc(2026, 5, 30, 2, 0))
    assert len(_repeat(state(first, second, third))) == 1, "30 May 00:30 BST is day 90"


def test_absent_episodes_count_towards_the_repeat_strategy_meeting():
    found = _repeat(
        state(*_three(dt.date(2026, 3, 1), dt.date(2026, 5, 30), categories=("absent",) * 3))
    )
    assert len(found) == 1


def test_away_without_authorisation_does_not_count_towards_the_repeat_strategy_meeting():
    categories = ("missing", "away_without_authorisation", "missing")
    assert (
        _repeat(state(*_three(dt.date(2026, 3, 1), dt.date(2026, 5, 30), categories=categories)))
        == []
    )


def test_a_fourth_episode_in_90_days_needs_another_repeat_strategy_meeting():
    three = _three(dt.date(2026, 3, 1), dt.date(2026, 5, 1))
    fourth = episode(
        4, last_seen_at=london(2026, 5, 10, 10, 0), returned_at=london(2026, 5, 10, 11, 0)
    )
    assert [o.episode_id for o in _repeat(state(*three, fourth))] == [3, 4]


def test_the_repeat_strategy_meeting_is_due_5_calendar_days_after_the_report_across_the_spring_change():
    three = _three(dt.date(2026, 1, 10), dt.date(2026, 3, 27))
    reported = london(2026, 3, 27, 10, 0)  # Friday, GMT
    three[2] = episode(3, last_seen_at=london(2026, 3, 27, 9, 0), reported_at=reported)
    (due,) = _repeat(state(*three))
    assert due.opens_at == reported
    assert in_london(due.due_at) == london(2026, 4, 1, 10, 0), "10:00 BST on Wednesday"
    assert due.due_at - due.opens_at == 5 * DAY - HOUR, "119 elapsed hours"


def test_the_repeat_strategy_meeting_is_met_by_a_meeting_since_the_report_not_before():
    three = _three(dt.date(2026, 3, 1), dt.date(2026, 5, 1))
    reported = three[2].reported_at
    (due,) = _repeat(state(*three, meetings=[meeting(held_at=reported)]))
    assert due.met_at == reported
    (due,) = _repeat(state(*three, meetings=[meeting(held_at=reported - SECOND)]))
    assert due.met_at is None


def test_the_repeat_count_and_window_come_from_the_settings():
    two = _three(dt.date(2026, 3, 1), dt.date(2026, 5, 1))[1:]
    assert len(_repeat(state(*two), repeat_episode_count=2)) == 1
    three = _three(dt.date(2026, 3, 1), dt.date(2026, 5, 30))
    assert _repeat(state(*three), repeat_window_days=60) == []


# --- Calendar days keep the wall-clock time across clock changes ---------------------


def test_calendar_days_across_the_autumn_change_keep_the_wall_clock_time():
    start = london(2026, 10, 23, 10, 0)  # Friday, BST
    later = add_calendar_days(start, 5)
    assert in_london(later) == london(2026, 10, 28, 10, 0)
    assert later - start == 5 * DAY + HOUR, "121 elapsed hours"


def test_a_calendar_day_landing_in_the_spring_gap_moves_forward_by_the_gap():
    assert in_london(add_calendar_days(london(2026, 3, 28, 1, 30), 1)) == london(2026, 3, 29, 2, 30)


def test_a_calendar_day_landing_on_the_repeated_autumn_hour_takes_the_first_one():
    landed = add_calendar_days(london(2026, 10, 24, 1, 30), 1)
    assert landed == utc(2026, 10, 25, 0, 30), "01:30 BST, the first 01:30 of the day"
    assert london(2026, 10, 25, 1, 30, fold=0).astimezone(dt.UTC) == landed


def test_panel_referral_is_due_7_calendar_days_after_a_red_rating_across_the_spring_change():
    red = assessment(rag="red", assessed_at=london(2026, 3, 25, 10, 0), episode_id=None)
    due = only("panel_referral", state(assessments=[red]))
    assert in_london(due.due_at) == london(2026, 4, 1, 10, 0)
    assert due.due_at - due.opens_at == 7 * DAY - HOUR


def test_panel_referral_is_due_7_calendar_days_after_a_red_rating_across_the_autumn_change():
    red = assessment(rag="red", assessed_at=london(2026, 10, 20, 16, 45), episode_id=None)
    due = only("panel_referral", state(assessments=[red]))
    assert in_london(due.due_at) == london(2026, 10, 27, 16, 45)
    assert due.due_at - due.opens_at == 7 * DAY + HOUR


def test_strategy_review_is_due_42_calendar_days_later_across_the_autumn_change():
    missing = episode(last_seen_at=london(2026, 9, 1, 8, 0))
    held = meeting(held_at=london(2026, 10, 1, 14, 0))  # BST
    due = only("strategy_review", state(missing, meetings=[held]))
    assert in_london(due.due_at) == london(2026, 11, 12, 14, 0), "14:00 GMT, 42 days on"
    assert due.due_at - due.opens_at == 42 * DAY + HOUR


def test_strategy_review_is_due_42_calendar_days_later_across_the_spring_change():
    missing = episode(last_seen_at=london(2026, 2, 1, 8, 0))
    held = meeting(held_at=london(2026, 3, 1, 9, 15))  # GMT
    due = only("strategy_review", state(missing, meetings=[held]))
    assert in_london(due.due_at) == london(2026, 4, 12, 9, 15)
    assert due.due_at - due.opens_at == 42 * DAY - HOUR


def test_the_strategy_review_interval_comes_from_the_settings():
    held = meeting(held_at=london(2026, 6, 2, 9, 0))
    due = only("strategy_review", state(episode(), meetings=[held]), strategy_review_days=28)
    assert due.due_at == held.held_at + 28 * DAY


# --- senior_review: 3 calendar months from the last seen date ------------------------


def test_senior_review_is_due_at_the_start_of_the_date_3_calendar_months_after_last_seen():
    missing = episode(last_seen_at=london(2026, 1, 15, 14, 0))
    due = only("senior_review", state(missing))
    assert due.opens_at == missing.last_seen_at, "open from last seen so it can be planned"
    assert in_london(due.due_at) == london(2026, 4, 15, 0, 0)
    assert due.due_at == utc(2026, 4, 14, 23, 0), "00:00 BST"
    assert due.owner_role == "senior_manager"


@pytest.mark.parametrize(
    ("last_seen", "due_day"),
    [
        ((2025, 11, 30), (2026, 2, 28)),
        ((2027, 11, 30), (2028, 2, 29)),
        ((2026, 3, 31), (2026, 6, 30)),
        ((2026, 5, 31), (2026, 8, 31)),
        ((2026, 10, 31), (2027, 1, 31)),
    ],
)
def test_senior_review_clamps_to_the_last_day_of_a_shorter_month(last_seen, due_day):
    due = only("senior_review", state(episode(last_seen_at=london(*last_seen, 18, 0))))
    assert in_london(due.due_at) == london(*due_day, 0, 0)


def test_senior_review_uses_the_london_date_last_seen():
    # 23:30 UTC on 31 May is 00:30 BST on 1 June: three months on is 1 September.
    due = only("senior_review", state(episode(last_seen_at=utc(2026, 5, 31, 23, 30))))
    assert in_london(due.due_at) == london(2026, 9, 1, 0, 0)


def test_a_return_one_second_before_three_months_lapses_the_senior_review():
    last_seen = london(2026, 1, 15, 14, 0)
    back = episode(last_seen_at=last_seen, returned_at=london(2026, 4, 15, 0, 0) - SECOND)
    assert obligations("senior_review", state(back)) == []


def test_a_return_at_three_months_keeps_the_senior_review():
    back = episode(last_seen_at=london(2026, 1, 15, 14, 0), returned_at=london(2026, 4, 15, 0, 0))
    assert len(obligations("senior_review", state(back))) == 1


def test_senior_review_is_met_by_a_meeting_recorded_as_the_senior_review():
    missing = episode(last_seen_at=london(2026, 1, 15, 14, 0))
    review = meeting(held_at=london(2026, 4, 1, 10, 0), trigger="senior_review")
    other = meeting(301, held_at=london(2026, 3, 1, 10, 0), trigger="review")
    due = only("senior_review", state(missing, meetings=[other, review]))
    assert due.met_at == review.held_at
    assert due.strategy_meeting_id == review.id


@pytest.mark.parametrize("category", ["absent", "away_without_authorisation"])
def test_an_episode_that_is_not_missing_needs_no_senior_review(category):
    assert obligations("senior_review", state(episode(category=category))) == []


def test_the_senior_review_interval_comes_from_the_settings():
    due = only(
        "senior_review",
        state(episode(last_seen_at=london(2026, 1, 15, 14, 0))),
        senior_review_months=2,
    )
    assert in_london(due.due_at) == london(2026, 3, 15, 0, 0)


# --- missing_at_eighteen -------------------------------------------------------------


def test_missing_at_eighteen_is_due_at_midnight_london_on_the_18th_birthday():
    missing = episode(last_seen_at=london(2026, 5, 20, 22, 0))
    due = only("missing_at_eighteen", state(missing, date_of_birth=dt.date(2008, 6, 1)))
    assert due.opens_at == missing.last_seen_at
    assert due.due_at == utc(2026, 5, 31, 23, 0), "00:00 BST on 1 June"
    assert due.owner_role == "senior_manager"


def test_a_29_february_birth_turns_18_on_1_march_in_a_common_year():
    missing = episode(last_seen_at=london(2026, 2, 20, 22, 0))
    due = only("missing_at_eighteen", state(missing, date_of_birth=dt.date(2008, 2, 29)))
    assert in_london(due.due_at) == london(2026, 3, 1, 0, 0)
    assert due.due_at == utc(2026, 3, 1, 0, 0), "00:00 GMT"


def test_a_28_february_birth_turns_18_on_28_february():
    missing = episode(last_seen_at=london(2026, 2, 20, 22, 0))
    due = only("missing_at_eighteen", state(missing, date_of_birth=dt.date(2008, 2, 28)))
    assert in_london(due.due_at) == london(2026, 2, 28, 0, 0)


def test_a_return_at_midnight_on_the_18th_birthday_lapses_missing_at_eighteen():
    birthday = london(2026, 6, 1, 0, 0)
    back = episode(last_seen_at=london(2026, 5, 20, 22, 0), returned_at=birthday)
    assert obligations("missing_at_eighteen", state(back, date_of_birth=dt.date(2008, 6, 1))) == []


def test_a_child_still_missing_one_second_after_midnight_on_the_18th_birthday_needs_the_meeting():
    back = episode(
        last_seen_at=london(2026, 5, 20, 22, 0), returned_at=london(2026, 6, 1, 0, 0) + SECOND
    )
    assert (
        len(obligations("missing_at_eighteen", state(back, date_of_birth=dt.date(2008, 6, 1)))) == 1
    )


def test_an_episode_starting_at_midnight_on_the_18th_birthday_is_an_adults():
    at_birthday = episode(last_seen_at=london(2026, 6, 1, 0, 0))
    assert (
        obligations("missing_at_eighteen", state(at_birthday, date_of_birth=dt.date(2008, 6, 1)))
        == []
    )
    just_before = episode(last_seen_at=london(2026, 6, 1, 0, 0) - SECOND)
    assert (
        len(
            obligations(
                "missing_at_eighteen", state(just_before, date_of_birth=dt.date(2008, 6, 1))
            )
        )
        == 1
    )


def test_missing_at_eighteen_is_met_by_the_missing_child_meeting():
    missing = episode(last_seen_at=london(2026, 5, 20, 22, 0))
    held = meeting(held_at=london(2026, 5, 30, 10, 0), trigger="missing_at_eighteen")
    due = only(
        "missing_at_eighteen", state(missing, date_of_birth=dt.date(2008, 6, 1), meetings=[held])
    )
    assert due.met_at == held.held_at


@pytest.mark.parametrize("category", ["absent", "away_without_authorisation"])
def test_an_episode_that_is_not_missing_needs_no_meeting_at_eighteen(category):
    child = state(
        episode(category=category, last_seen_at=london(2026, 5, 31, 22, 0)),
        date_of_birth=dt.date(2008, 6, 1),
    )
    assert obligations("missing_at_eighteen", child) == []


# --- mash_threshold: 3 or more episodes in the previous 6 calendar months ------------


AT = london(2026, 8, 31, 15, 0)


@pytest.mark.parametrize(
    ("earliest", "level"),
    [
        (london(2026, 2, 28, 0, 0), 3),  # 31 August less 6 months, clamped: 28 February
        (london(2026, 2, 28, 0, 0) - SECOND, None),  # the day before
    ],
)
def test_mash_threshold_counts_episodes_from_the_start_of_the_date_6_months_before(earliest, level):
    starts = [earliest, london(2026, 6, 1, 9, 0), london(2026, 8, 30, 9, 0)]
    assert mash_threshold_minimum_level(starts, AT, DEFAULTS) == level


def test_mash_threshold_needs_3_episodes_and_2_are_not_enough():
    assert (
        mash_threshold_minimum_level(
            [london(2026, 6, 1, 9, 0), london(2026, 8, 30, 9, 0)], AT, DEFAULTS
        )
        is None
    )


def test_mash_threshold_does_not_count_an_episode_after_the_triage():
    starts = [london(2026, 6, 1, 9, 0), london(2026, 8, 30, 9, 0), AT + SECOND]
    assert mash_threshold_minimum_level(starts, AT, DEFAULTS) is None
    assert mash_threshold_minimum_level([*starts[:2], AT], AT, DEFAULTS) == 3


def test_mash_threshold_numbers_come_from_the_settings():
    from protocol.conf import build_protocol_settings

    settings = build_protocol_settings(
        {"mash_threshold_episode_count": 2, "mash_threshold_minimum_level": 4}
    )
    assert mash_threshold_minimum_level([london(2026, 6, 1, 9, 0), AT], AT, settings) == 4
