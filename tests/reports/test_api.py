"""GET /api/v1/reports/committee/: access, shape, and the same numbers as the page and export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import create_api_key
from core.actors import ENGINE
from reports.exports import build_export, request_export
from returns.models import ReturnInterview
from tests.factories import AllocationFactory, ChildFactory
from tests.reports.support import add_episode, london

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
URL = "/api/v1/reports/committee/"
QUERY = {"from": "2026-04-01", "to": "2026-05-31"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def api(user) -> APIClient:
    client = APIClient()
    _key, key = create_api_key(acting_user=ENGINE, user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.fixture
def scene(world):
    other = ChildFactory(
        given_name="Robin", responsible_authority=world.council, date_of_birth=dt.date(2009, 1, 1)
    )
    AllocationFactory(child=other, team=world.other_team, started_at=london(2020, 1, 1))
    sw = world.social_worker
    returned = add_episode(
        world.child, london(2026, 4, 2, 12), london(2026, 4, 2, 20), reported_by=sw
    )
    add_episode(
        world.child,
        london(2026, 4, 20, 12),
        london(2026, 4, 22, 13),
        reported_by=sw,
        missing_from="placement",
    )
    add_episode(world.child, london(2026, 5, 5, 12), london(2026, 5, 9, 12), reported_by=sw)
    add_episode(
        other, london(2026, 5, 7, 12), london(2026, 5, 7, 13), reported_by=sw, category="absent"
    )
    add_episode(other, london(2026, 5, 30, 12), None, reported_by=sw)
    interview = ReturnInterview.objects.create(
        child=world.child,
        offered_at=returned.returned_at,
        outcome="declined",
        outcome_recorded_at=returned.returned_at,
        recorded_by=sw,
    )
    interview.covered.create(episode=returned)


def test_the_api_the_page_and_the_csv_export_give_the_same_numbers(client, world, scene):
    numbers = (
        api(world.missing_coordinator).get(URL, {**QUERY, "authority": world.council.pk}).json()
    )
    april, may = numbers["episodes_by_month"]
    assert (
        april["month"],
        april["episodes"],
        april["children"],
        april["missing_from_placement"],
    ) == ("2026-04", 2, 1, 1)
    assert (may["episodes"], may["children"], may["absent"]) == (3, 2, 1)
    assert numbers["duration_bands"] == {
        "under_24_hours": 2,
        "one_day": 0,
        "two_days": 1,
        "three_days_or_more": 1,
        "still_missing": 1,
    }
    assert numbers["children_by_episode_count"] == {
        "1": 0,
        "2": 1,
        "3": 1,
        "4": 0,
        "5-9": 0,
        "10+": 0,
    }
    assert (
        numbers["return_interviews"]["declined"] == 1
        and numbers["return_interviews"]["not_offered"] == 3
    )

    client.force_login(world.missing_coordinator)
    page = client.get(
        reverse("reports:index"), {"from_date": QUERY["from"], "to_date": QUERY["to"]}
    )
    rows = page.context["sections"][0]["tables"][0]["rows"]
    assert [(r[0], r[5], r[6]) for r in rows[:2]] == [
        ("Apr 2026", str(april["episodes"]), str(april["children"])),
        ("May 2026", str(may["episodes"]), str(may["children"])),
    ]
    bands = page.context["sections"][2]["tables"][0]["rows"][-1]
    assert bands[1:] == [
        str(numbers["duration_bands"][k])
        for k in ("under_24_hours", "one_day", "two_days", "three_days_or_more", "still_missing")
    ]

    export = request_export(
        acting_user=world.missing_coordinator,
        kind="committee",
        format="csv",
        parameters={
            "from": QUERY["from"],
            "to": QUERY["to"],
            "authority": world.council.pk,
            "sections": ["episodes", "how_long", "how_often"],
        },
        for_publication=False,
    )
    built = build_export(export.pk)
    lines = list(csv.reader(io.StringIO(bytes(built.content).decode("utf-8-sig"))))
    assert [
        "Apr 2026",
        "1",
        "1",
        "0",
        "0",
        "2",
        "1",
    ] in lines  # home, placement, away, absent, episodes, children
    assert ["May 2026", "2", "0", "0", "1", "3", "2"] in lines
    assert ["Total", "2", "0", "1", "1", "1"] in lines, "duration bands, as the API's"
    assert ["2", "1"] in lines and ["3", "1"] in lines, "children by episode count, as the API's"


def test_a_team_manager_counts_only_their_teams_and_gets_403_elsewhere(world, scene):
    manager = api(world.team_manager)
    numbers = manager.get(URL, QUERY).json()
    assert sum(m["episodes"] for m in numbers["episodes_by_month"]) == 3, "the team's child only"
    response = manager.get(URL, {**QUERY, "authority": world.other_council.pk})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("persona", ["police_liaison", "social_worker", "outsider"])
def test_police_and_caseworkers_get_403(world, scene, persona):
    assert api(getattr(world, persona)).get(URL, QUERY).status_code == 403


def test_the_missing_coordinator_gets_403_for_an_authority_not_theirs(world, scene):
    assert (
        api(world.missing_coordinator)
        .get(URL, {**QUERY, "authority": world.other_council.pk})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"from": "2026-04-01"},
        {"from": "2026-05-01", "to": "2026-04-01"},
        {"from": "2010-01-01", "to": "2026-04-01"},
        {"from": "yesterday", "to": "2026-04-01"},
    ],
)
def test_bad_queries_are_400_problems(world, query):
    response = api(world.missing_coordinator).get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_no_key_is_401(world):
    assert APIClient().get(URL, QUERY).status_code == 401
