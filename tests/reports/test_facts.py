"""The report's facts of each episode (reports.EpisodeFact), kept by PostgreSQL's triggers.

After every kind of change the report reads, the table must equal a recount of every
episode by `reports_compute_episode_facts`, and show the change itself.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from reports.models import EpisodeFact
from returns.models import ReturnInterview
from risk.models import RiskAssessment
from tests.factories import AgencyFactory, ChildFactory, LegalStatusFactory, PlacementFactory
from tests.reports.support import add_episode, london, report_for

H = dt.timedelta(hours=1)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def assert_kept(expected_count: int) -> None:
    """The stored facts are the recount of every episode, row for row."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reports_episodefact ORDER BY episode_id")
        stored = cursor.fetchall()
        cursor.execute(
            "SELECT * FROM reports_compute_episode_facts(ARRAY(SELECT id FROM episodes_episode))"
            " ORDER BY 1"
        )
        recounted = cursor.fetchall()
    assert stored == recounted
    assert len(stored) == expected_count


def fact(episode) -> EpisodeFact:
    return EpisodeFact.objects.get(episode_id=episode.pk)


@pytest.fixture
def child(world):
    return ChildFactory(
        responsible_authority=world.council, sex="female", date_of_birth=dt.date(2010, 6, 1)
    )


def test_the_facts_follow_every_change_the_report_reads(world, child):
    sw = world.social_worker
    episode = add_episode(child, london(2026, 3, 2, 12), reported_by=sw)
    assert_kept(1)
    first = fact(episode)
    assert (first.day, first.sex, first.age, first.legal, first.placement) == (
        dt.date(2026, 3, 2),
        "female",
        15,
        "none",
        "none",
    )
    assert first.returned_at is None and first.interview_rank is None and not first.cse

    # The return, recorded later; then another episode.
    episode.returned_at = london(2026, 3, 2, 18)
    episode.save()
    assert fact(episode).returned_at == london(2026, 3, 2, 18)
    other = add_episode(child, london(2026, 3, 9, 12), london(2026, 3, 9, 20), reported_by=sw)
    assert_kept(2)

    # A legal status and an out-of-area placement, back-dated over both episodes.
    status = LegalStatusFactory(child=child, status="looked_after", start_date=dt.date(2026, 1, 1))
    placement = PlacementFactory(
        child=child,
        kind="residential",
        start_date=dt.date(2026, 1, 1),
        host_authority=AgencyFactory(name="Elsewhere Council"),
    )
    assert (fact(episode).legal, fact(other).legal) == ("looked_after", "looked_after")
    assert (fact(episode).placement, fact(episode).out_of_area) == ("residential", True)
    assert_kept(2)
    # ...then ended before the second episode.
    status.end_date = dt.date(2026, 3, 5)
    status.save()
    placement.delete()
    assert (fact(episode).legal, fact(other).legal) == ("looked_after", "none")
    assert (fact(episode).placement, fact(episode).out_of_area) == ("none", False)
    assert_kept(2)

    # The child's date of birth corrected: the age on the day changes.
    child.date_of_birth = dt.date(2011, 6, 1)
    child.save()
    assert fact(episode).age == 14
    assert_kept(2)

    # A return interview covering both, held late; then its outcome corrected.
    interview = ReturnInterview.objects.create(
        child=child,
        offered_at=episode.returned_at,
        outcome="held",
        held_at=episode.returned_at + 80 * H,
        outcome_recorded_at=episode.returned_at + 80 * H,
        recorded_by=sw,
        pull_factors=["exploitation"],
    )
    interview.covered.create(episode=episode)
    link = interview.covered.create(episode=other)
    assert (fact(episode).interview_rank, fact(episode).pull_exploitation) == (2, True)
    assert fact(other).interview_rank == 1, "held within 72 hours of the second return"
    assert_kept(2)
    interview.outcome = "declined"
    interview.held_at = None
    interview.pull_factors = []
    interview.save()
    assert (fact(episode).interview_rank, fact(episode).pull_exploitation) == (3, False)
    link.delete()
    assert fact(other).interview_rank is None
    assert_kept(2)

    # A risk assessment with indicators, amended, then moved to the other episode.
    assessment = RiskAssessment.objects.create(
        child=child,
        episode=episode,
        rag="red",
        threshold_level=3,
        indicators=["cse"],
        assessed_at=episode.returned_at,
        assessed_by=sw,
    )
    assert fact(episode).cse and not fact(episode).trafficking
    assessment.indicators = ["trafficking", "gangs"]
    assessment.save()
    assert (fact(episode).cse, fact(episode).trafficking, fact(episode).gangs) == (
        False,
        True,
        True,
    )
    assessment.episode = other
    assessment.save()
    assert not fact(episode).trafficking and fact(other).trafficking
    assert_kept(2)
    assessment.delete()
    assert not fact(other).trafficking
    assert_kept(2)

    # Entered in error: no longer counted; corrected back: counted again.
    other.entered_in_error = True
    other.save()
    assert not EpisodeFact.objects.filter(episode_id=other.pk).exists()
    assert_kept(1)
    other.entered_in_error = False
    other.save()
    assert_kept(2)


def test_a_deleted_episode_leaves_no_facts_and_the_report_counts_from_them(world, child):
    sw = world.social_worker
    kept = add_episode(child, london(2026, 3, 2, 12), london(2026, 3, 2, 13), reported_by=sw)
    gone = add_episode(child, london(2026, 3, 4, 12), london(2026, 3, 4, 13), reported_by=sw)
    assert report_for(world.missing_coordinator, *MARCH).episodes_in_period == 2
    gone.delete()
    assert_kept(1)
    assert report_for(world.missing_coordinator, *MARCH).episodes_in_period == 1
    assert fact(kept).episode_id == kept.pk


def test_the_command_finds_and_mends_facts_written_around_the_triggers(world, child):
    sw = world.social_worker
    first = add_episode(child, london(2026, 3, 2, 12), london(2026, 3, 2, 13), reported_by=sw)
    add_episode(child, london(2026, 3, 4, 12), london(2026, 3, 4, 13), reported_by=sw)
    call_command("refresh_episode_facts", "--check")
    # As a restore or a bulk load with the triggers off would leave them: one row gone,
    # one wrong, one of an episode that is not there.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("DELETE FROM reports_episodefact WHERE episode_id = %s", [first.pk])
        cursor.execute("UPDATE reports_episodefact SET legal = 'looked_after'")
        cursor.execute(
            "INSERT INTO reports_episodefact SELECT episode_id + 1000000, child_id, last_seen_at,"
            " returned_at, category, missing_from, day, sex, age, legal, placement, out_of_area,"
            " interview_rank, pull_exploitation, pull_gang, cse, cce_county_lines, gangs,"
            " trafficking, radicalisation FROM reports_episodefact"
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    with pytest.raises(CommandError, match="3 episodes' facts differ from a recount"):
        call_command("refresh_episode_facts", "--check")
    call_command("refresh_episode_facts")
    assert_kept(2)
    call_command("refresh_episode_facts", "--check")
