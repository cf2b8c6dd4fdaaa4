"""Finding a child, adding one, and the child's record: access, content, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from casework.services import report_episode
from children.models import Child, RecordAccess
from core.clock import LONDON
from episodes.services import record_return
from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory, PlacementFactory
from tests.kit import count_queries

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def episode(world, child=None, *, last_seen_at, returned_at=None, **fields):
    made = report_episode(
        acting_user=world.social_worker,
        child=child or world.child,
        category=fields.pop("category", "missing"),
        last_seen_at=last_seen_at,
        reported_at=last_seen_at + dt.timedelta(minutes=30),
        **fields,
    )
    if returned_at is not None:
        made = record_return(acting_user=world.social_worker, episode=made, returned_at=returned_at)
    return made


def past_episodes(world, child, count: int) -> None:
    """`count` returned episodes a week apart, ending before NOW."""
    for index in range(count):
        start = NOW - dt.timedelta(days=7 * (count - index), hours=10)
        episode(world, child, last_seen_at=start, returned_at=start + dt.timedelta(hours=6))


def assert_sign_in_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The child's record ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("social_worker", 200),
        ("team_manager", 200),
        ("missing_coordinator", 200),
        ("other_social_worker", 404),
        ("mash_triage", 404),
        ("police_liaison", 404),
        ("other_police_liaison", 404),
        ("return_officer", 404),
        ("outsider", 404),
    ],
)
def test_the_record_is_shown_only_to_those_who_may_see_the_child(client, world, persona, status):
    client.force_login(world.personas()[persona])
    response = client.get(reverse("casework:child_record", args=[world.child.pk]))
    assert response.status_code == status
    if status == 404:
        assert b"Jamie" not in response.content


def test_a_record_that_does_not_exist_is_404_like_one_you_may_not_see(client, world):
    client.force_login(world.social_worker)
    assert (
        client.get(reverse("casework:child_record", args=[world.child.pk + 999])).status_code == 404
    )


def test_anonymous_is_sent_to_sign_in_from_the_record(client, world):
    assert_sign_in_redirect(client.get(reverse("casework:child_record", args=[world.child.pk])))


def test_opening_the_record_writes_an_access_event_and_shows_the_access_log(client, world):
    client.force_login(world.team_manager)
    url = reverse("casework:child_record", args=[world.child.pk])
    client.get(url)
    access = RecordAccess.objects.get(child=world.child)
    assert (access.user, access.via, access.channel, access.accessed_at) == (
        world.team_manager,
        f"GET {url}",
        "web",
        NOW,
    )
    # The record links to the access log, a page of its own (decision 0025), which
    # lists the first visit and is itself an access.
    log_url = reverse("casework:child_access_log", args=[world.child.pk])
    assert f'href="{log_url}"' in client.get(url).content.decode()
    html = client.get(log_url).content.decode()
    assert "Bob Tester" in html and f"GET {url}" in html
    assert RecordAccess.objects.filter(child=world.child, via=f"GET {log_url}").exists()


def test_the_access_log_says_when_it_shows_only_the_latest_50(client, world):
    RecordAccess.objects.bulk_create(
        RecordAccess(
            user=world.social_worker,
            child=world.child,
            accessed_at=NOW - dt.timedelta(minutes=minutes),
            via=f"GET /children/{world.child.pk}/",
            channel="web",
        )
        for minutes in range(1, 50)
    )
    client.force_login(world.team_manager)
    log_url = reverse("casework:child_access_log", args=[world.child.pk])
    # 49 accesses: all of them, nothing said. The visit itself is the 50th.
    first = client.get(log_url)
    assert len(first.context["rows"]) == 49
    assert "(the latest 50)" not in first.content.decode()
    second = client.get(log_url)
    assert len(second.context["rows"]) == 50
    assert "(the latest 50)" in second.content.decode()


def test_a_worker_who_may_not_see_the_child_leaves_no_access_event(client, world):
    client.force_login(world.other_social_worker)
    client.get(reverse("casework:child_record", args=[world.child.pk]))
    assert not RecordAccess.objects.exists()


def test_the_record_shows_summary_legal_status_placement_allocation_and_profile(client, world):
    LegalStatusFactory(child=world.child, status="looked_after", start_date=dt.date(2024, 1, 5))
    PlacementFactory(
        child=world.child,
        kind="residential",
        name="Oak House",
        host_authority=world.other_council,
        start_date=dt.date(2025, 2, 1),
    )
    Child.objects.filter(pk=world.child.pk).update(
        known_associates="Two older boys from the park", description="Tall, red coat"
    )
    client.force_login(world.social_worker)
    html = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert "Looked after (CLA) since 5 January 2024" in html
    assert "Residential children&#x27;s home: Oak House" in html
    assert "Out of area: placed by Borough of Northwick in Borough of Southmere" in html
    assert "Alice Tester, Children in Care 1" in html
    assert "Two older boys from the park" in html and "Tall, red coat" in html
    assert "No photo held" in html


def test_the_photo_is_shown_where_consent_is_recorded(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    child = world.child
    child.photo.save("jamie.png", ContentFile(b"\x89PNG fake"), save=False)
    child.photo_consent_given_by = "Parent"
    child.photo_consent_recorded_at = NOW
    child.save()
    client.force_login(world.social_worker)
    html = client.get(reverse("casework:child_record", args=[child.pk])).content.decode()
    assert 'alt="Photo of Jamie Fictional"' in html
    assert "Consent given by Parent" in html


def test_the_record_lists_deadlines_with_reason_source_and_status_tags(client, world):
    returned = episode(
        world, last_seen_at=NOW - dt.timedelta(days=20), returned_at=NOW - dt.timedelta(days=19)
    )
    episode(world, last_seen_at=NOW - dt.timedelta(hours=70))
    client.force_login(world.social_worker)
    response = client.get(reverse("casework:child_record", args=[world.child.pk]))
    deadlines = {
        (row.deadline.rule, row.deadline.episode_id): row
        for row in response.context["record"].deadlines
    }
    # The 20-day-old return interview is overdue (the sweep has not run in this test).
    interview = deadlines[("return_interview", returned.pk)]
    assert (interview.tag_text, interview.tag_class) == ("Overdue", "govuk-tag--red")
    html = response.content.decode()
    assert "Source: Haringey protocol 22.2; DfE 2014 guidance" in html
    assert "an independent return interview offered" in html
    assert "Due soon" in html  # the risk assessment: 70 hours into its 72


def test_the_record_shows_the_timeline_and_links_to_the_change_history(client, world):
    made = episode(
        world, last_seen_at=NOW - dt.timedelta(days=3), returned_at=NOW - dt.timedelta(days=2)
    )
    client.force_login(world.social_worker)
    response = client.get(reverse("casework:child_record", args=[world.child.pk]))
    kinds = [entry.kind for entry in response.context["record"].timeline]
    assert kinds == ["return", "episode"]
    history_url = reverse("casework:child_history", args=[world.child.pk])
    assert f'href="{history_url}"' in response.content.decode()
    history = client.get(history_url).context["rows"]
    assert {(change.what, change.action) for change in history} >= {
        ("Child", "insert"),
        ("Episode", "insert"),
        ("Episode", "update"),
    }
    assert all(change.what != "Deadline" for change in history)
    assert f'href="{reverse("episodes:detail", args=[made.pk])}"' in response.content.decode()


@pytest.mark.parametrize(
    ("started", "in_90_days", "in_6_months"),
    [
        # 10 June 2026: 90 days before is 12 March; 6 months before is 10 December 2025.
        (london(2026, 3, 12, 0, 5), 1, 1),
        (london(2026, 3, 11, 23, 55), 0, 1),
        (london(2025, 12, 10, 0, 5), 0, 1),
        (london(2025, 12, 9, 23, 55), 0, 0),
    ],
)
def test_episode_counts_include_the_first_day_of_the_window_and_no_earlier(
    client, world, started, in_90_days, in_6_months
):
    episode(world, last_seen_at=started, returned_at=started + dt.timedelta(hours=2))
    client.force_login(world.social_worker)
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).context["record"]
    assert (record.episodes_last_90_days, record.episodes_last_6_months) == (
        in_90_days,
        in_6_months,
    )


def test_the_record_renders_in_the_same_number_of_queries_whatever_its_length(client, world):
    small = ChildFactory(responsible_authority=world.council, given_name="Small")
    large = ChildFactory(responsible_authority=world.council, given_name="Large")
    for child in (small, large):
        AllocationFactory(child=child, team=world.team, worker=world.social_worker)
    past_episodes(world, small, 1)
    past_episodes(world, large, 6)
    client.force_login(world.social_worker)
    # Warm the session and any per-process caches first.
    client.get(reverse("casework:child_record", args=[small.pk]))
    counts = [
        count_queries(client, reverse("casework:child_record", args=[child.pk]))
        for child in (small, large)
    ]
    assert counts[0] == counts[1], counts
    assert large.deadlines.count() >= 6 * small.deadlines.count()


# --- Finding a child -------------------------------------------------------------------


def search(client, user, query: str):
    client.force_login(user)
    return client.get(reverse("children:index"), {"q": query})


@pytest.mark.parametrize(
    "query", ["zoe", "ZOË", "Zoe Fictionel", "Fictional", "14/02/2012", "2012-02-14", "NW-2026-77"]
)
def test_search_finds_by_name_without_case_or_accents_by_date_of_birth_and_police_reference(
    client, world, query
):
    zoe = ChildFactory(
        responsible_authority=world.council,
        given_name="Zoë",
        family_name="Fictional",
        date_of_birth=dt.date(2012, 2, 14),
    )
    AllocationFactory(child=zoe, team=world.team, worker=world.social_worker)
    episode(world, zoe, last_seen_at=NOW - dt.timedelta(hours=3), police_reference="NW-2026-77")
    response = search(client, world.social_worker, query)
    assert response.status_code == 200
    assert zoe in [row.child for row in response.context["results"]]
    assert "Missing now" in response.content.decode()


def test_search_never_shows_a_child_of_another_team(client, world):
    response = search(client, world.other_social_worker, "Jamie")
    assert response.context["results"] == []
    assert "No children found" in response.content.decode()


def test_anonymous_is_sent_to_sign_in_from_search(client, world):
    assert_sign_in_redirect(client.get(reverse("children:index"), {"q": "Jamie"}))


def test_search_renders_in_the_same_number_of_queries_for_one_result_or_many(client, world):
    for index in range(8):
        child = ChildFactory(
            responsible_authority=world.council, given_name=f"Robin{index}", family_name="Many"
        )
        AllocationFactory(child=child, team=world.team, worker=world.social_worker)
    client.force_login(world.social_worker)
    client.get(reverse("children:index"))
    one = count_queries(client, reverse("children:index") + "?q=Jamie")
    many = count_queries(client, reverse("children:index") + "?q=Many")
    assert one == many


# --- Adding a child --------------------------------------------------------------------


def child_form(**overrides) -> dict:
    data = {
        "given_name": "Riley",
        "family_name": "Newcase",
        "known_as": "",
        "date_of_birth_day": "3",
        "date_of_birth_month": "4",
        "date_of_birth_year": "2013",
        "sex": "not_known",
        "legal_status": "child_in_need",
    }
    data.update(overrides)
    return data


def test_a_social_worker_adds_a_child_allocated_to_them(client, world):
    client.force_login(world.social_worker)
    response = client.post(reverse("children:create"), child_form())
    child = Child.objects.get(family_name="Newcase")
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:child_record", args=[child.pk])
    assert child.date_of_birth == dt.date(2013, 4, 3)
    assert child.allocations.get().worker == world.social_worker
    assert child.legal_statuses.get().status == "child_in_need"


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the date of birth"),
        ("3", "", "2013", "Date of birth must include a month"),
        ("31", "2", "2013", "Date of birth must be a real date"),
        ("²", "4", "2013", "Date of birth must be a real date"),
        ("3", "4", "2030", "Date of birth must be today or in the past"),
    ],
)
def test_a_bad_date_of_birth_is_refused_with_a_govuk_error(
    client, world, day, month, year, message
):
    client.force_login(world.social_worker)
    response = client.post(
        reverse("children:create"),
        child_form(date_of_birth_day=day, date_of_birth_month=month, date_of_birth_year=year),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert 'href="#id_date_of_birth_day"' in html
    assert not Child.objects.filter(family_name="Newcase").exists()


def test_a_possible_duplicate_the_user_may_see_is_shown_before_adding(client, world):
    client.force_login(world.social_worker)
    response = client.post(
        reverse("children:create"),
        child_form(
            given_name="Jamey",
            family_name="Fictional",
            date_of_birth_day="1",
            date_of_birth_month="6",
            date_of_birth_year="2010",
        ),
    )
    assert response.status_code == 200
    assert response.context["duplicates_visible"] == [world.child]
    assert response.context["duplicates_hidden"] == 0
    assert Child.objects.filter(family_name="Fictional").count() == 1


def test_a_possible_duplicate_the_user_may_not_see_is_counted_but_not_named(client, world):
    client.force_login(world.other_social_worker)
    response = client.post(
        reverse("children:create"),
        child_form(
            given_name="Jamie",
            family_name="Fictional",
            date_of_birth_day="1",
            date_of_birth_month="6",
            date_of_birth_year="2010",
        ),
    )
    html = response.content.decode()
    assert response.context["duplicates_hidden"] == 1
    assert "1 other record you cannot see has the same date of birth" in html
    assert reverse("casework:child_record", args=[world.child.pk]) not in html


def test_confirming_the_child_is_different_adds_them(client, world):
    client.force_login(world.social_worker)
    data = child_form(
        given_name="Jamie",
        family_name="Fictional",
        date_of_birth_day="1",
        date_of_birth_month="6",
        date_of_birth_year="2010",
        confirmed_not_duplicate="on",
    )
    assert client.post(reverse("children:create"), data).status_code == 302
    assert Child.objects.filter(family_name="Fictional").count() == 2


@pytest.mark.parametrize("persona", ["police_liaison", "return_officer", "outsider"])
def test_only_council_casework_roles_may_add_a_child(client, world, persona):
    client.force_login(world.personas()[persona])
    assert client.get(reverse("children:create")).status_code == 403
    assert client.post(reverse("children:create"), child_form()).status_code == 403
    assert not Child.objects.filter(family_name="Newcase").exists()


def test_anonymous_is_sent_to_sign_in_from_adding_a_child(client, world):
    assert_sign_in_redirect(client.post(reverse("children:create"), child_form()))
    assert not Child.objects.filter(family_name="Newcase").exists()
