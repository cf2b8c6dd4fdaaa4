"""The counting rules of the committee reports, each on both sides of its boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from episodes.models import Reclassification
from reports.counting import Period, default_period
from returns.models import ReturnInterview
from tests.factories import ChildFactory
from tests.reports.support import add_episode, london, month, report_for

H = dt.timedelta(hours=1)
S = dt.timedelta(seconds=1)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 4, 30))


@pytest.fixture
def child(world):
    return world.child


def test_the_default_period_is_this_month_and_the_twelve_before():
    period = default_period(dt.date(2026, 11, 30))
    assert period == Period(dt.date(2025, 11, 1), dt.date(2026, 11, 30))
    assert len(period.months) == 13


def test_23_30_on_31_march_bst_counts_in_march_and_00_30_on_1_april_in_april(world, child):
    add_episode(
        child,
        london(2026, 3, 31, 23, 30),
        london(2026, 3, 31, 23, 45),
        reported_by=world.social_worker,
    )
    add_episode(
        child, london(2026, 4, 1, 0, 30), london(2026, 4, 1, 0, 45), reported_by=world.social_worker
    )
    report = report_for(world.missing_coordinator, *MARCH)
    # 23:30 BST on 31 March is 22:30 UTC: still March in London.
    assert month(report, "2026-03")["episodes"] == 1
    assert month(report, "2026-04")["episodes"] == 1


def test_the_period_starts_and_ends_at_london_midnight(world, child):
    add_episode(
        child,
        london(2026, 2, 28, 23, 59, 59),
        london(2026, 2, 28, 23, 59, 59),
        reported_by=world.social_worker,
    )
    add_episode(
        child, london(2026, 3, 1, 0, 0), london(2026, 3, 1, 0, 30), reported_by=world.social_worker
    )
    add_episode(
        child,
        london(2026, 4, 30, 23, 59),
        london(2026, 4, 30, 23, 59, 30),
        reported_by=world.social_worker,
    )
    add_episode(
        child, london(2026, 5, 1, 0, 0), london(2026, 5, 1, 0, 30), reported_by=world.social_worker
    )
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.episodes_in_period == 2, "last seen 00:00 on 1 March and 23:59 on 30 April count"


@pytest.mark.parametrize(
    ("hours", "band"),
    [
        (24 * H - S, "under_24_hours"),
        (24 * H, "one_day"),
        (48 * H - S, "one_day"),
        (48 * H, "two_days"),
        (72 * H - S, "two_days"),
        (72 * H, "three_days_or_more"),
    ],
)
def test_duration_bands_on_both_sides_of_each_boundary(world, child, hours, band):
    seen = london(2026, 3, 10, 12)
    add_episode(child, seen, seen + hours, reported_by=world.social_worker)
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.duration_bands[band] == 1
    assert sum(report.duration_bands.values()) == 1


def test_duration_is_elapsed_time_across_the_spring_clock_change(world, child):
    # 12:00 GMT on 28 March to 12:00 BST on the 29th: a day on the wall clock, 23 hours elapsed.
    add_episode(
        child, london(2026, 3, 28, 12), london(2026, 3, 29, 12), reported_by=world.social_worker
    )
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.duration_bands["under_24_hours"] == 1


def test_an_episode_open_across_the_period_end_is_still_missing_and_in_no_band(world, child):
    add_episode(
        child, london(2026, 4, 29, 12), london(2026, 5, 1, 0, 0), reported_by=world.social_worker
    )
    other = ChildFactory(responsible_authority=world.council)
    add_episode(
        other,
        london(2026, 4, 29, 12),
        london(2026, 4, 30, 23, 59, 59),
        reported_by=world.social_worker,
    )
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.duration_bands["still_missing"] == 1, "returned at 00:00 after the period end"
    assert report.duration_bands["one_day"] == 1, "returned one second before the period end"
    assert report.duration_by_month[1]["still_missing"] == 1


def test_an_episode_not_yet_returned_is_still_missing(world, child):
    add_episode(child, london(2026, 4, 29, 12), None, reported_by=world.social_worker)
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.duration_bands == {
        "under_24_hours": 0,
        "one_day": 0,
        "two_days": 0,
        "three_days_or_more": 0,
        "still_missing": 1,
    }


def test_episodes_entered_in_error_never_count(world, child):
    add_episode(
        child,
        london(2026, 3, 5, 12),
        london(2026, 3, 5, 13),
        reported_by=world.social_worker,
        entered_in_error=True,
    )
    add_episode(
        child, london(2026, 3, 6, 12), london(2026, 3, 6, 13), reported_by=world.social_worker
    )
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.episodes_in_period == 1
    assert month(report, "2026-03")["episodes"] == 1


def test_a_child_is_counted_once_a_month_and_once_in_the_period(world, child):
    for day in (3, 10):
        add_episode(
            child,
            london(2026, 3, day, 12),
            london(2026, 3, day, 14),
            reported_by=world.social_worker,
        )
    add_episode(
        child, london(2026, 4, 2, 12), london(2026, 4, 2, 14), reported_by=world.social_worker
    )
    report = report_for(world.missing_coordinator, *MARCH)
    assert (month(report, "2026-03")["episodes"], month(report, "2026-03")["children"]) == (2, 1)
    assert (month(report, "2026-04")["episodes"], month(report, "2026-04")["children"]) == (1, 1)
    assert (report.episodes_in_period, report.children_in_period) == (3, 1)
    assert report.children_by_episode_count["3"] == 1
    assert report.largest_episode_count == 3


def test_every_month_is_listed_with_zeros(world):
    report = report_for(world.missing_coordinator, dt.date(2025, 4, 1), dt.date(2026, 4, 30))
    assert [row["month"] for row in report.episodes_by_month][0::12] == ["2025-04", "2026-04"]
    assert all(row["episodes"] == 0 for row in report.episodes_by_month)


def test_categories_split_missing_by_home_and_placement(world, child):
    add_episode(
        child, london(2026, 3, 2, 12), london(2026, 3, 2, 13), reported_by=world.social_worker
    )
    add_episode(
        child,
        london(2026, 3, 3, 12),
        london(2026, 3, 3, 13),
        missing_from="placement",
        reported_by=world.social_worker,
    )
    add_episode(
        child,
        london(2026, 3, 4, 12),
        london(2026, 3, 4, 13),
        category="away_without_authorisation",
        missing_from="placement",
        reported_by=world.social_worker,
    )
    add_episode(
        child,
        london(2026, 3, 5, 12),
        london(2026, 3, 5, 13),
        category="absent",
        reported_by=world.social_worker,
    )
    row = month(report_for(world.missing_coordinator, *MARCH), "2026-03")
    assert [
        row[k]
        for k in (
            "missing_from_home",
            "missing_from_placement",
            "away_without_authorisation",
            "absent",
        )
    ] == [1, 1, 1, 1]


def test_the_category_is_the_one_held_at_the_period_end(world, child):
    episode = add_episode(
        child,
        london(2026, 4, 30, 20),
        london(2026, 5, 2, 12),
        category="missing",
        reported_by=world.social_worker,
    )
    # Absent at first, made missing at 23:59:59 on 30 April: missing at the period end.
    Reclassification.objects.create(
        episode=episode,
        from_category="absent",
        to_category="missing",
        reason="no contact",
        reclassified_at=london(2026, 4, 30, 23, 59, 59),
    )
    assert month(report_for(world.missing_coordinator, *MARCH), "2026-04")["missing_from_home"] == 1
    # Had it been made missing at 00:00 on 1 May, it was still absent when April ended.
    Reclassification.objects.filter(episode=episode).update(reclassified_at=london(2026, 5, 1))
    row = month(report_for(world.missing_coordinator, *MARCH), "2026-04")
    assert (row["absent"], row["missing_from_home"]) == (1, 0)


def test_return_interviews_within_72_hours_and_late(world, child):
    returned = london(2026, 3, 10, 12)
    on_time = add_episode(child, london(2026, 3, 10, 9), returned, reported_by=world.social_worker)
    late = add_episode(
        child, london(2026, 3, 20, 9), london(2026, 3, 20, 12), reported_by=world.social_worker
    )
    add_episode(
        child, london(2026, 3, 25, 9), london(2026, 3, 25, 12), reported_by=world.social_worker
    )
    for episode, held_at in (
        (on_time, returned + 72 * H - S),
        (late, london(2026, 3, 20, 12) + 72 * H),
    ):
        interview = ReturnInterview.objects.create(
            child=child,
            offered_at=episode.returned_at,
            outcome="held",
            held_at=held_at,
            outcome_recorded_at=held_at,
            recorded_by=world.social_worker,
        )
        interview.covered.create(episode=episode)
    totals = report_for(world.missing_coordinator, *MARCH).return_interviews
    assert (totals["held_within_72_hours"], totals["held_late"], totals["not_offered"]) == (1, 1, 1)
    assert (totals["offered"], totals["returned"]) == (2, 3)


def test_a_team_filter_counts_only_the_teams_children(world, child):
    other = ChildFactory(responsible_authority=world.council)
    add_episode(
        child, london(2026, 3, 2, 12), london(2026, 3, 2, 13), reported_by=world.social_worker
    )
    add_episode(
        other, london(2026, 3, 2, 12), london(2026, 3, 2, 13), reported_by=world.social_worker
    )
    assert report_for(world.missing_coordinator, *MARCH).episodes_in_period == 2
    assert (
        report_for(world.missing_coordinator, *MARCH, team_id=world.team.pk).episodes_in_period == 1
    )


def test_push_and_pull_factors_count_each_interview_once_and_exploitation_links_episodes(
    world, child
):
    from risk.models import RiskAssessment

    sw = world.social_worker
    first = add_episode(child, london(2026, 3, 2, 12), london(2026, 3, 2, 13), reported_by=sw)
    second = add_episode(child, london(2026, 3, 3, 12), london(2026, 3, 3, 13), reported_by=sw)
    outside = add_episode(child, london(2026, 6, 3, 12), london(2026, 6, 3, 13), reported_by=sw)
    both = ReturnInterview.objects.create(
        child=child,
        offered_at=second.returned_at,
        outcome="held",
        held_at=second.returned_at,
        outcome_recorded_at=second.returned_at,
        recorded_by=sw,
        push_factors=["school", "bullying"],
        pull_factors=["gang"],
    )
    both.covered.create(episode=first)
    both.covered.create(episode=second)
    later = ReturnInterview.objects.create(
        child=child,
        offered_at=outside.returned_at,
        recorded_by=sw,
        push_factors=["school"],
    )
    later.covered.create(episode=outside)
    RiskAssessment.objects.create(
        child=child,
        episode=first,
        rag="red",
        threshold_level=3,
        indicators=["cse"],
        assessed_at=first.returned_at,
        assessed_by=sw,
    )
    report = report_for(world.missing_coordinator, *MARCH)
    assert report.push_factors == {"school": 1, "bullying": 1}, "one interview, counted once"
    assert report.pull_factors == {"gang": 1}
    assert (
        report.exploitation["cse"],
        report.exploitation["gangs"],
        report.exploitation["any"],
    ) == (1, 2, 2)
