"""Episode services: the protocol's invariants, each held by the database and explained by the service."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from core.clock import LONDON
from core.errors import Conflict, NotAllowed, Refused
from episodes.models import Episode
from episodes.services import (
    mark_entered_in_error,
    reclassify_episode,
    record_return,
)
from tests import kit
from tests.factories import ChildFactory, LegalStatusFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


def at(hours_ago: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours_ago)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def report(world, child=None, **overrides):
    """tests.kit.report, last seen 5 hours ago and reported 4 hours ago unless told."""
    overrides.setdefault("last_seen_at", at(5))
    overrides.setdefault("reported_at", at(4))
    return kit.report(world, child=child, by=overrides.pop("acting_user", None), **overrides)


def test_reporting_an_episode_records_it_and_opens_a_mash_referral(world):
    episode = report(world)
    assert episode.is_open
    assert episode.mash_referrals.get().mash_authority == world.council
    assert episode.deadlines.filter(rule="risk_assessment", status="open").exists()


def test_a_child_aged_12_cannot_be_recorded_absent(world):
    twelve = ChildFactory(responsible_authority=world.council, date_of_birth=dt.date(2013, 6, 11))
    world.child.allocations.first()  # the fixture child stays untouched
    from tests.factories import AllocationFactory

    AllocationFactory(child=twelve, team=world.team, worker=world.social_worker)
    with pytest.raises(Refused, match="12 or under .* always missing") as refusal:
        report(world, child=twelve, category="absent")
    assert refusal.value.field == "category"
    assert not Episode.objects.filter(child=twelve).exists()


def test_a_child_who_turned_13_on_the_day_last_seen_may_be_recorded_absent(world):
    thirteen = ChildFactory(responsible_authority=world.council, date_of_birth=dt.date(2013, 6, 10))
    from tests.factories import AllocationFactory

    AllocationFactory(child=thirteen, team=world.team, worker=world.social_worker)
    episode = report(
        world, child=thirteen, category="absent", last_seen_at=at(0.5), reported_at=NOW
    )
    assert episode.category == "absent"


def test_the_database_refuses_an_absent_episode_for_a_12_year_old_written_around_the_service(world):
    twelve = ChildFactory(responsible_authority=world.council, date_of_birth=dt.date(2013, 6, 11))
    with pytest.raises(IntegrityError, match="12 or under"), transaction.atomic():
        Episode.objects.create(
            child=twelve,
            category="absent",
            missing_from="home",
            last_seen_at=at(3),
            reported_at=at(2),
            reported_by=world.social_worker,
        )


def test_a_second_open_episode_is_refused_with_a_conflict(world):
    report(world)
    with pytest.raises(Conflict, match="already has an open episode"):
        report(world, last_seen_at=at(1), reported_at=at(0.5))
    assert Episode.objects.filter(child=world.child).count() == 1


def test_the_database_refuses_a_second_open_episode_written_around_the_service(world):
    report(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            child=world.child,
            category="missing",
            missing_from="home",
            last_seen_at=at(1),
            reported_at=at(1),
            reported_by=world.social_worker,
        )


def test_a_new_episode_may_start_on_the_same_day_the_last_ended(world):
    first = report(world, last_seen_at=at(10), reported_at=at(9))
    first = record_return(acting_user=world.social_worker, episode=first, returned_at=at(6))
    second = report(world, last_seen_at=at(6), reported_at=at(5))
    assert second.last_seen_at == first.returned_at


def test_an_episode_cannot_start_before_the_previous_one_ended(world):
    first = report(world, last_seen_at=at(10), reported_at=at(9))
    record_return(acting_user=world.social_worker, episode=first, returned_at=at(6))
    with pytest.raises(Conflict, match="cannot start before the child's previous episode ended"):
        report(world, last_seen_at=at(7), reported_at=at(5))


def test_the_database_refuses_overlapping_episodes_written_around_the_service(world):
    first = report(world, last_seen_at=at(10), reported_at=at(9))
    record_return(acting_user=world.social_worker, episode=first, returned_at=at(6))
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            child=world.child,
            category="missing",
            missing_from="home",
            last_seen_at=at(8),
            reported_at=at(5),
            returned_at=at(7),
            reported_by=world.social_worker,
        )


def test_a_return_cannot_precede_last_seen(world):
    episode = report(world)
    with pytest.raises(Refused, match="cannot be before the child was last seen") as refusal:
        record_return(acting_user=world.social_worker, episode=episode, returned_at=at(6))
    assert refusal.value.field == "returned_at"
    episode.refresh_from_db()
    assert episode.returned_at is None


def test_the_database_refuses_a_return_before_last_seen(world):
    episode = report(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.filter(pk=episode.pk).update(returned_at=at(6))


def test_naive_and_future_times_are_refused(world):
    with pytest.raises(Refused, match="time zone"):
        report(world, last_seen_at=dt.datetime(2026, 6, 10, 9, 0))
    with pytest.raises(Refused, match="future"):
        report(
            world, last_seen_at=NOW + dt.timedelta(hours=1), reported_at=NOW + dt.timedelta(hours=1)
        )
    assert not Episode.objects.exists()


def test_away_without_authorisation_needs_a_looked_after_child(world):
    with pytest.raises(Refused, match="looked-after"):
        report(world, category="away_without_authorisation", missing_from="placement")
    LegalStatusFactory(child=world.child, status="looked_after", start_date=dt.date(2025, 1, 1))
    episode = report(world, category="away_without_authorisation", missing_from="placement")
    assert episode.category == "away_without_authorisation"


def test_reclassifying_keeps_the_history_and_the_reason(world):
    episode = report(world, category="absent")
    reclassify_episode(
        acting_user=world.social_worker,
        episode=episode,
        category="missing",
        reason="No contact by evening",
    )
    episode.refresh_from_db()
    assert episode.category == "missing"
    change = episode.reclassifications.get()
    assert (change.from_category, change.to_category, change.reclassified_by) == (
        "absent",
        "missing",
        world.social_worker,
    )


def test_a_worker_of_another_team_may_not_report_for_a_child_they_cannot_see(world):
    with pytest.raises(NotAllowed):
        report(world, acting_user=world.other_social_worker)
    assert not Episode.objects.exists()


def test_entered_in_error_frees_the_child_for_a_new_episode(world):
    episode = report(world)
    mark_entered_in_error(acting_user=world.team_manager, episode=episode, reason="Wrong child")
    second = report(world, last_seen_at=at(3), reported_at=at(2))
    assert second.is_open


def test_london_times_are_stored_as_utc(world):
    episode = report(world, last_seen_at=dt.datetime(2026, 6, 10, 8, 0, tzinfo=LONDON))
    with connection.cursor() as cursor:
        cursor.execute(
            "select last_seen_at at time zone 'UTC' from episodes_episode where id = %s",
            [episode.pk],
        )
        assert cursor.fetchone()[0] == dt.datetime(2026, 6, 10, 7, 0)


def test_an_open_episode_may_be_recorded_absent_until_24_hours_after_last_seen(world):
    episode = report(
        world,
        category="absent",
        last_seen_at=NOW - dt.timedelta(hours=23, minutes=59, seconds=59),
        reported_at=NOW,
    )
    assert episode.category == "absent"


def test_an_open_episode_cannot_be_recorded_absent_24_hours_after_last_seen(world):
    with pytest.raises(Refused, match="missing, not absent") as refusal:
        report(world, category="absent", last_seen_at=at(24), reported_at=NOW)
    assert refusal.value.field == "category"
    assert not Episode.objects.exists()


def test_a_missing_episode_cannot_be_reclassified_absent_after_24_hours(world):
    episode = report(world, category="missing", last_seen_at=at(30), reported_at=at(29))
    with pytest.raises(Refused, match="missing, not absent"):
        reclassify_episode(
            acting_user=world.social_worker, episode=episode, category="absent", reason="Contact"
        )
    episode.refresh_from_db()
    assert episode.category == "missing"


def test_a_last_seen_time_in_the_future_is_refused_as_in_the_future(world):
    with pytest.raises(Refused, match="time last seen cannot be in the future") as refusal:
        report(world, last_seen_at=NOW + dt.timedelta(minutes=2), reported_at=None)
    assert refusal.value.field == "last_seen_at"


def test_a_past_episode_may_be_recorded_with_its_return_in_one_step(world):
    episode = report(
        world, category="absent", last_seen_at=at(200), reported_at=at(199), returned_at=at(190)
    )
    assert not episode.is_open
    assert episode.deadlines.filter(rule="return_interview").get().due_at == at(190) + dt.timedelta(
        hours=72
    )


def test_a_past_absence_longer_than_24_hours_is_refused_as_absent(world):
    with pytest.raises(Refused, match="missing, not absent"):
        report(
            world, category="absent", last_seen_at=at(200), reported_at=at(199), returned_at=at(176)
        )
    assert not Episode.objects.exists()


def test_a_past_episode_before_the_open_one_is_accepted_but_one_reaching_into_it_is_not(world):
    report(world, last_seen_at=at(10), reported_at=at(9))
    past = report(world, last_seen_at=at(30), reported_at=at(29), returned_at=at(10))
    assert past.returned_at == at(10)
    with pytest.raises(Conflict):
        report(world, last_seen_at=at(50), reported_at=at(49), returned_at=at(9))


def test_a_police_risk_grading_needs_someone_who_may_report_for_the_child(world):
    from episodes.services import record_police_risk

    episode = report(world, police_force=world.force)
    with pytest.raises(NotAllowed):
        record_police_risk(acting_user=world.other_social_worker, episode=episode, grading="high")
    episode.refresh_from_db()
    assert episode.police_risk == "" and not episode.police_risk_gradings.exists()
    record_police_risk(acting_user=world.police_liaison, episode=episode, grading="high")
    episode.refresh_from_db()
    assert episode.police_risk == "high"
    assert list(episode.police_risk_gradings.values_list("grading", flat=True)) == ["high"]
