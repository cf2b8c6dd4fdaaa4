"""police_report_check (PROTOCOL.md; Haringey protocol 12.4, 12.6, 19.1): an episode
recorded as missing from home with no report to police recorded is checked within 1 hour
of being recorded (a local default). Pure rule tests on both sides of the hour, then the
ledger through the real services: met on time, breached, and met late when the report is
recorded after the sweep breached it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from episodes.models import Episode
from episodes.services import record_police_report, update_episode
from protocol.models import Deadline
from tests.kit import sweep_and_write
from tests.protocol.reconcilekit import (
    HOUR,
    SECOND,
    T0,
    deadline,
    frozen_clock,
    report,
    rules_of,
)
from tests.protocol.rulekit import episode, obligations, only, state

RULE = "police_report_check"


def home(**facts):
    facts.setdefault("recorded_at", T0)
    return episode(missing_from="home", **facts)


# --- the pure rule ------------------------------------------------------------------


def test_an_episode_missing_from_home_with_no_police_report_is_due_one_hour_after_recording():
    found = only(RULE, state(home()))
    assert (found.opens_at, found.due_at, found.met_at, found.owner_role) == (
        T0,
        T0 + HOUR,
        None,
        "social_worker",
    )


def test_a_police_report_recorded_at_59_59_meets_it_on_time_and_at_60_00_is_late():
    on_time = only(RULE, state(home(police_report_recorded_at=T0 + HOUR - SECOND)))
    assert on_time.met_at == T0 + HOUR - SECOND
    assert on_time.met_at < on_time.due_at
    late = only(RULE, state(home(police_report_recorded_at=T0 + HOUR)))
    assert late.met_at == T0 + HOUR
    assert not late.met_at < late.due_at  # the ledger calls this met late


def test_an_episode_recorded_with_its_police_report_opens_nothing():
    assert obligations(RULE, state(home(police_report_recorded_at=T0))) == []


def test_missing_from_a_placement_absent_or_away_episodes_open_nothing():
    assert obligations(RULE, state(episode(missing_from="placement", recorded_at=T0))) == []
    assert obligations(RULE, state(home(category="absent"))) == []
    assert (
        obligations(
            RULE,
            state(
                episode(
                    category="away_without_authorisation", missing_from="placement", recorded_at=T0
                )
            ),
        )
        == []
    )


def test_an_unallocated_child_is_checked_by_mash():
    assert only(RULE, state(home(), is_allocated=False)).owner_role == "mash_triage"


def test_an_episode_that_becomes_missing_later_is_checked_from_then():
    found = only(RULE, state(home(became_missing_at=T0 + 24 * HOUR, was_absent=True)))
    assert (found.opens_at, found.due_at) == (T0 + 24 * HOUR, T0 + 25 * HOUR)


def test_the_hour_is_configurable():
    found = only(RULE, state(home()), police_report_check_hours=2)
    assert found.due_at == T0 + 2 * HOUR


def test_the_recording_time_not_a_back_dated_report_time_starts_the_hour():
    found = only(RULE, state(home(reported_at=T0, recorded_at=T0 + 5 * HOUR)))
    assert found.due_at == T0 + 6 * HOUR


# --- the ledger, through the services -----------------------------------------------


@pytest.fixture
def clock():
    with frozen_clock() as traveller:
        yield traveller


def test_a_report_with_no_police_report_opens_the_check_and_the_sweep_breaches_it_at_one_hour(
    world, clock
):
    ep = report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0)
    ledger = deadline(world.child, RULE, ep)
    assert (ledger.opens_at, ledger.due_at, ledger.status) == (T0, T0 + HOUR, "open")
    clock.move_to(T0 + HOUR - SECOND)
    sweep_and_write(T0 + HOUR - SECOND)
    ledger.refresh_from_db()
    assert ledger.status == "open"
    clock.move_to(T0 + HOUR)
    sweep_and_write(T0 + HOUR)
    ledger.refresh_from_db()
    assert (ledger.status, ledger.breached_at) == ("breached", T0 + HOUR)


def test_the_police_report_recorded_within_the_hour_meets_it(world, clock):
    ep = report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0)
    clock.move_to(T0 + 30 * 60 * SECOND)
    record_police_report(
        acting_user=world.social_worker,
        episode=ep,
        reported_to_police_at=T0 + 10 * 60 * SECOND,
        police_reference="NP-2026-0001",
    )
    ledger = deadline(world.child, RULE, ep)
    assert (ledger.status, ledger.met_at, ledger.breached_at) == (
        "met",
        T0 + 30 * 60 * SECOND,
        None,
    )
    ep.refresh_from_db()
    assert (ep.police_reference, ep.reported_to_police_at) == (
        "NP-2026-0001",
        T0 + 10 * 60 * SECOND,
    )


def test_a_police_report_recorded_late_reconciles_the_breach_to_met_late(world, clock):
    ep = report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0)
    clock.move_to(T0 + HOUR)
    sweep_and_write(T0 + HOUR)
    clock.move_to(T0 + 3 * HOUR)
    # Through the API's path (a PATCH of the episode's police fields).
    update_episode(
        acting_user=world.social_worker,
        episode=ep,
        reported_to_police_at=T0 + 2 * HOUR,
        police_reference="NP-2026-0002",
    )
    ledger = deadline(world.child, RULE, ep)
    assert (ledger.status, ledger.breached_at, ledger.met_at) == (
        "met",
        T0 + HOUR,
        T0 + 3 * HOUR,
    )


def test_a_report_made_with_the_police_report_opens_no_check(world, clock):
    report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0, reported_to_police_at=T0)
    assert RULE not in rules_of(world.child)


def test_the_page_records_the_report_to_police_and_meets_the_check(world, clock, client):
    ep = report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0)
    clock.move_to(T0 + 20 * 60 * SECOND)
    client.force_login(world.social_worker)
    url = reverse("episodes:police_report", args=[ep.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "reported_day": "1",
            "reported_month": "6",
            "reported_year": "2026",
            "reported_time": "10:05",
            "police_reference": "NP-2026-0003",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ep = Episode.objects.get(pk=ep.pk)
    assert ep.police_reference == "NP-2026-0003"
    assert Deadline.objects.get(episode=ep, rule=RULE).status == "met"


def test_a_bad_time_on_the_page_changes_nothing(world, clock, client):
    ep = report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0)
    client.force_login(world.social_worker)
    url = reverse("episodes:police_report", args=[ep.pk])
    response = client.post(
        url,
        {
            "reported_day": "31",
            "reported_month": "2",
            "reported_year": "2026",
            "reported_time": "10:05",
        },
    )
    assert response.status_code == 200
    assert Deadline.objects.get(episode=ep, rule=RULE).status == "open"


def test_someone_who_cannot_see_the_child_gets_404_from_the_page(world, clock, client):
    ep = report(world, clock, last_seen_at=T0 - HOUR, reported_at=T0)
    client.force_login(world.other_social_worker)
    assert client.get(reverse("episodes:police_report", args=[ep.pk])).status_code == 404
