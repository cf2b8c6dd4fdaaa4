"""The manager's escalation queue page (/escalations/)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Role
from casework.services import report_episode
from episodes.services import record_return
from protocol.models import Deadline
from protocol.services import sweep
from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory, MembershipFactory
from tests.risk.support import (
    NOW,
    allocated_child,
    assert_redirects_to_sign_in,
    constant_queries,
    hours_ago,
    report,
    returned_episode,
    signed_in,
)

URL = reverse("casework:escalations")


@pytest.fixture(autouse=True)
def frozen(settings):
    # The sweep records itself in the cache: a key prefix of these tests' own.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": "test_hw_ui2",
        }
    }
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def queue(world):
    """A looked-after child missing 60 hours, a child whose return interview is overdue,
    and a child reported an hour ago (nothing due soon); then the sweep runs."""
    LegalStatusFactory(child=world.child, status="looked_after")
    missing = report(world, last_seen_hours_ago=60, reported_hours_ago=59)
    returned_child = allocated_child(world, given_name="Robin", family_name="Returned")
    returned = returned_episode(
        world, returned_child, last_seen_hours_ago=100, returned_hours_ago=90
    )
    fresh = allocated_child(world, given_name="Freddie", family_name="Fresh")
    report(world, fresh, last_seen_hours_ago=1, reported_hours_ago=0.5)
    sweep(now=NOW)
    return missing, returned


def test_breached_and_due_soon_deadlines_with_looked_after_children_missing_24_hours_first(
    client, world, queue
):
    missing, returned = queue
    response = signed_in(client, world.team_manager).get(URL)
    assert response.status_code == 200
    rows = response.context["deadlines"]
    assert {row.child.given_name for row in rows} == {"Jamie", "Robin"}
    first_robin = next(index for index, row in enumerate(rows) if row.child.given_name == "Robin")
    assert all(row.child.given_name == "Jamie" for row in rows[:first_robin])
    assert all(row.looked_after_missing for row in rows[:first_robin])
    robin_rules = [row.rule for row in rows[first_robin:]]
    assert "return_interview" in robin_rules
    html = response.content.decode()
    assert "Looked after, missing over 24 hours" in html
    assert "Breached" in html and "overdue by 18 hours" in html
    jamie_rules = {row.rule for row in rows[:first_robin]}
    assert {"risk_assessment", "strategy_meeting"} <= jamie_rules


def test_each_row_links_to_the_record_and_to_the_action_that_meets_it(client, world, queue):
    missing, returned = queue
    html = signed_in(client, world.team_manager).get(URL).content.decode()
    strategy = Deadline.objects.get(episode=missing, rule="strategy_meeting")
    assert f'href="/children/{world.child.pk}/"' in html
    assert reverse("risk:assess", args=[world.child.pk]) + f"?episode={missing.pk}" in html
    assert (
        reverse("panels:record_meeting", args=[world.child.pk]) + f"?deadline={strategy.pk}" in html
    )
    assert reverse("returns:record", args=[returned.child_id]) + f"?episode={returned.pk}" in html
    assert reverse("episodes:safe_and_well_check", args=[returned.pk]) in html


def test_filter_by_rule_and_by_team(client, world, queue):
    MembershipFactory(user=world.team_manager, team=world.other_team, role=Role.TEAM_MANAGER)
    other_child = ChildFactory(responsible_authority=world.council, given_name="Olive")
    AllocationFactory(
        child=other_child,
        team=world.other_team,
        worker=world.other_social_worker,
        started_at=hours_ago(9000),
    )
    episode = report_episode(
        acting_user=world.other_social_worker,
        child=other_child,
        category="missing",
        last_seen_at=hours_ago(100),
        reported_at=hours_ago(99),
    )
    record_return(acting_user=world.other_social_worker, episode=episode, returned_at=hours_ago(90))
    sweep(now=NOW)
    client = signed_in(client, world.team_manager)
    by_rule = client.get(URL, {"rule": "return_interview"}).context["deadlines"]
    assert {(row.rule, row.child.given_name) for row in by_rule} == {
        ("return_interview", "Robin"),
        ("return_interview", "Olive"),
    }
    by_team = client.get(URL, {"team": world.other_team.pk}).context["deadlines"]
    assert {row.child.given_name for row in by_team} == {"Olive"}
    both = client.get(URL, {"team": world.team.pk, "rule": "return_interview"}).context["deadlines"]
    assert [row.child.given_name for row in both] == ["Robin"]
    page = client.get(URL, {"team": world.team.pk}).content.decode()
    assert f'<option value="{world.team.pk}" selected>' in page


def test_a_filter_of_a_team_not_managed_or_an_unknown_rule_is_ignored(client, world, queue):
    client = signed_in(client, world.team_manager)
    everything = {row.pk for row in client.get(URL).context["deadlines"]}
    assert {
        row.pk for row in client.get(URL, {"team": world.other_team.pk}).context["deadlines"]
    } == everything
    assert {
        row.pk for row in client.get(URL, {"rule": "nonsense"}).context["deadlines"]
    } == everything


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("team_manager", True),
        ("missing_coordinator", True),
        ("social_worker", False),
        ("other_social_worker", False),
        ("other_police_liaison", False),
        ("outsider", False),
    ],
)
def test_only_managers_of_the_childs_team_or_authority_see_its_deadlines(
    client, world, queue, persona, sees
):
    response = signed_in(client, world.personas()[persona]).get(URL)
    assert response.status_code == 200
    assert bool(response.context["deadlines"]) is sees


def test_a_manager_of_another_team_sees_nothing_of_this_team(client, world, queue):
    MembershipFactory(user=world.other_social_worker, team=world.other_team, role=Role.TEAM_MANAGER)
    response = signed_in(client, world.other_social_worker).get(URL)
    assert response.context["manages_teams"] and response.context["deadlines"] == []


def test_anonymous_is_sent_to_sign_in(client, world):
    assert_redirects_to_sign_in(client.get(URL))


def test_the_queue_runs_a_constant_number_of_queries(client, world, queue):
    signed_in(client, world.team_manager)

    def more():
        for _ in range(4):
            returned_episode(
                world, allocated_child(world), last_seen_hours_ago=100, returned_hours_ago=90
            )
        sweep(now=NOW)

    small, _large = constant_queries(client, URL, more)
    assert len(client.get(URL).context["deadlines"]) > 8


def test_the_queue_pages_rather_than_growing_without_bound(client, world, queue, monkeypatch):
    """Issue 13: an authority's queue holds hundreds of deadlines; the page shows one page
    of them, in the queue's order, with links to the next and previous pages."""
    import casework.deadlines

    everything = [
        row.pk for row in signed_in(client, world.team_manager).get(URL).context["deadlines"]
    ]
    assert len(everything) >= 3
    monkeypatch.setattr(casework.deadlines, "QUEUE_PAGE_SIZE", 2)
    seen = []
    page_url = URL
    for _ in everything:
        response = client.get(page_url)
        rows = [row.pk for row in response.context["deadlines"]]
        assert 1 <= len(rows) <= 2
        seen.extend(rows)
        if not response.context["next_url"]:
            break
        assert 'rel="next"' in response.content.decode()
        page_url = response.context["next_url"]
    assert seen == everything
    assert response.context["previous_url"]
    beyond = client.get(URL + f"?page={len(everything) + 5}")
    assert beyond.status_code == 200 and not beyond.context["deadlines"]
    assert "Go to the first page" in beyond.content.decode()


def test_the_next_page_keeps_the_filters_and_a_page_that_is_not_a_number_is_the_first(
    client, world, queue, monkeypatch
):
    import casework.deadlines

    monkeypatch.setattr(casework.deadlines, "QUEUE_PAGE_SIZE", 1)
    response = signed_in(client, world.team_manager).get(URL + f"?team={world.team.pk}&page=x")
    assert response.context["page"] == 1
    assert response.context["selected_team"] == world.team.pk
    assert f"team={world.team.pk}" in response.context["next_url"]
    assert "page=2" in response.context["next_url"]
    assert not response.context["previous_url"]


@pytest.mark.parametrize("page", ["9" * 25, "²", "٣", "-2", ""])
@pytest.mark.parametrize("team", ["9" * 25, "²", ""])
def test_a_page_or_team_that_no_bigint_or_int_can_hold_is_the_first_page_not_an_error(
    client, world, queue, page, team
):
    response = signed_in(client, world.team_manager).get(URL, {"page": page, "team": team})
    assert response.status_code == 200
    assert response.context["page"] == 1 and response.context["selected_team"] is None
