"""Return interview pages: the officer's list, the interview form, attempts and outcome."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from protocol.models import Deadline
from returns.models import ReturnInterview
from returns.services import record_return_interview
from tests.risk.support import (
    NOW,
    allocated_child,
    assert_redirects_to_sign_in,
    constant_queries,
    gov_date,
    hours_ago,
    returned_episode,
    signed_in,
)

# NOW is 13:00 in London (BST); the form takes London wall-clock times.
OFFERED = "2026-06-10T12:00"
HELD = "2026-06-10T12:30"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def record_url(child, episode=None) -> str:
    return reverse("returns:record", args=[child.pk]) + (
        f"?episode={episode.pk}" if episode else ""
    )


def test_the_officer_sees_returns_awaiting_interview_soonest_first_with_time_left(client, world):
    first = returned_episode(
        world, last_seen_hours_ago=100, returned_hours_ago=80
    )  # overdue by 8 hours
    other = allocated_child(world, given_name="Robin")
    returned_episode(world, other, last_seen_hours_ago=30, returned_hours_ago=10)  # due in 2 days
    response = signed_in(client, world.return_officer).get(reverse("returns:index"))
    assert response.status_code == 200
    assert [d.child.given_name for d in response.context["deadlines"]] == ["Jamie", "Robin"]
    html = response.content.decode()
    assert "overdue by 8 hours" in html and "due in 2 days" in html
    assert record_url(world.child, first) in html


def test_one_interview_covers_several_episodes_and_records_what_was_said(client, world):
    earlier = returned_episode(world, last_seen_hours_ago=100, returned_hours_ago=90)
    later = returned_episode(world, last_seen_hours_ago=30, returned_hours_ago=10)
    client = signed_in(client, world.return_officer)
    page = client.get(record_url(world.child, later))
    assert page.status_code == 200
    assert page.context["form"]["episodes"].initial == [later.pk]
    assert "independence-warning" not in page.content.decode()
    response = client.post(
        record_url(world.child, later),
        {
            "episodes": [earlier.pk, later.pk],
            **gov_date("offered_at", OFFERED),
            "outcome": "held",
            **gov_date("held_at", HELD),
            "seen_alone": "yes",
            "push_factors": ["conflict_at_home", "boundaries"],
            "pull_factors": ["friends"],
            "disclosures": "Stayed at a friend's flat.",
            "follow_ups": "Refer to youth service.",
        },
    )
    interview = ReturnInterview.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "returns:interview", args=[interview.pk]
    )
    assert set(interview.episodes.values_list("pk", flat=True)) == {earlier.pk, later.pk}
    assert interview.outcome == "held" and interview.seen_alone is True and interview.is_independent
    assert interview.push_factors == [
        "boundaries",
        "conflict_at_home",
    ] and interview.pull_factors == ["friends"]
    statuses = set(
        Deadline.objects.filter(rule="return_interview").values_list("status", flat=True)
    )
    assert statuses == {"met"}
    detail = client.get(response["Location"]).content.decode()
    assert "Conflict at home or placement" in detail and "Friends" in detail
    # Both episodes are interviewed: neither is offered again.
    assert (
        list(client.get(record_url(world.child)).context["form"].fields["episodes"].queryset) == []
    )


def test_the_allocated_worker_is_warned_that_they_are_not_independent(client, world):
    episode = returned_episode(world)
    client = signed_in(client, world.social_worker)
    page = client.get(record_url(world.child, episode)).content.decode()
    assert 'data-testid="independence-warning"' in page
    assert "allocated social worker" in page
    client.post(
        record_url(world.child, episode),
        {"episodes": [episode.pk], **gov_date("offered_at", OFFERED)},
    )
    interview = ReturnInterview.objects.get()
    assert interview.is_independent is False
    detail = client.get(reverse("returns:interview", args=[interview.pk])).content.decode()
    assert "recorded as not independent" in detail


def test_no_engagement_needs_recorded_attempts(client, world):
    episode = returned_episode(world)
    client = signed_in(client, world.return_officer)
    refused = client.post(
        record_url(world.child, episode),
        {"episodes": [episode.pk], **gov_date("offered_at", OFFERED), "outcome": "no_engagement"},
    )
    assert refused.status_code == 200
    assert "Record the attempts" in refused.context["form"].errors["outcome"][0]
    assert not ReturnInterview.objects.exists()
    accepted = client.post(
        record_url(world.child, episode),
        {
            "episodes": [episode.pk],
            **gov_date("offered_at", OFFERED),
            "outcome": "no_engagement",
            **gov_date("attempt_1_at", "2026-06-10T12:10"),
            "attempt_1_method": "phone",
            **gov_date("attempt_2_at", "2026-06-10T12:40"),
            "attempt_2_method": "visit",
            "attempt_2_notes": "No answer at the door.",
        },
    )
    assert accepted.status_code == 302
    interview = ReturnInterview.objects.get()
    assert [a.method for a in interview.attempts.order_by("attempted_at")] == ["phone", "visit"]
    assert Deadline.objects.get(rule="return_interview").status == "met"


def test_an_attempt_row_needs_both_time_and_method(client, world):
    episode = returned_episode(world)
    response = signed_in(client, world.return_officer).post(
        record_url(world.child, episode),
        {
            "episodes": [episode.pk],
            **gov_date("offered_at", OFFERED),
            **gov_date("attempt_1_at", "2026-06-10T12:10"),
        },
    )
    assert response.context["form"].errors["attempt_1_method"] == ["Choose how attempt 1 was made"]
    assert not ReturnInterview.objects.exists()


def test_an_offer_in_the_future_or_at_a_time_that_does_not_exist_is_refused(client, world):
    episode = returned_episode(world)
    client = signed_in(client, world.return_officer)
    future = client.post(
        record_url(world.child, episode),
        {"episodes": [episode.pk], **gov_date("offered_at", "2026-06-10T13:01")},
    )
    assert future.context["form"].errors["offered_at"] == [
        "The interview cannot be offered in the future."
    ]
    gap = client.post(
        record_url(world.child, episode),
        {"episodes": [episode.pk], **gov_date("offered_at", "2026-03-29T01:30")},
    )
    assert "does not exist in the UK" in gap.context["form"].errors["offered_at"][0]
    assert not ReturnInterview.objects.exists()


def test_an_offered_interview_gets_its_attempts_and_outcome_later(client, world):
    episode = returned_episode(world)
    client = signed_in(client, world.return_officer)
    client.post(
        record_url(world.child, episode),
        {"episodes": [episode.pk], **gov_date("offered_at", OFFERED)},
    )
    interview = ReturnInterview.objects.get()
    assert interview.outcome == ""
    listed = client.get(reverse("returns:index"))
    assert reverse("returns:interview", args=[interview.pk]) in listed.content.decode()
    attempt = client.post(
        reverse("returns:add_attempt", args=[interview.pk]),
        {**gov_date("attempted_at", "2026-06-10T12:20"), "method": "message"},
    )
    assert attempt.status_code == 302
    outcome = client.post(
        reverse("returns:record_outcome", args=[interview.pk]),
        {"outcome": "declined", "seen_alone": ""},
    )
    assert outcome.status_code == 302
    interview.refresh_from_db()
    assert interview.outcome == "declined" and interview.attempts.count() == 1
    again = client.post(
        reverse("returns:record_outcome", args=[interview.pk]),
        {"outcome": "held", **gov_date("held_at", HELD)},
    )
    assert again.status_code == 400 and "already recorded" in again.content.decode()


def test_a_held_outcome_without_its_time_is_a_field_error(client, world):
    episode = returned_episode(world)
    client = signed_in(client, world.return_officer)
    client.post(
        record_url(world.child, episode),
        {"episodes": [episode.pk], **gov_date("offered_at", OFFERED)},
    )
    interview = ReturnInterview.objects.get()
    response = client.post(
        reverse("returns:record_outcome", args=[interview.pk]), {"outcome": "held"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["held_at"] == [
        "Give the date and time the interview was held."
    ]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("return_officer", 200),
        ("social_worker", 200),
        ("team_manager", 200),
        ("other_social_worker", 404),
        ("other_police_liaison", 404),
        ("outsider", 404),
    ],
)
def test_the_interview_pages_are_404_for_a_child_the_persona_may_not_see(
    client, world, persona, expected
):
    episode = returned_episode(world)
    interview = record_return_interview(
        acting_user=world.return_officer,
        child=world.child,
        episodes=[episode],
        offered_at=hours_ago(1),
        interviewer=world.return_officer,
    )
    client = signed_in(client, world.personas()[persona])
    assert client.get(record_url(world.child, episode)).status_code == expected
    assert client.get(reverse("returns:interview", args=[interview.pk])).status_code == expected
    if expected == 404:
        response = client.post(
            reverse("returns:record_outcome", args=[interview.pk]), {"outcome": "declined"}
        )
        assert response.status_code == 404
        interview.refresh_from_db()
        assert interview.outcome == ""
        assert not client.get(reverse("returns:index")).context["deadlines"]


def test_anonymous_is_sent_to_sign_in(client, world):
    episode = returned_episode(world)
    assert_redirects_to_sign_in(client.get(reverse("returns:index")))
    assert_redirects_to_sign_in(client.get(record_url(world.child, episode)))


def test_the_list_runs_a_constant_number_of_queries(client, world):
    returned_episode(world)
    signed_in(client, world.return_officer)

    def more():
        for _ in range(4):
            returned_episode(world, allocated_child(world))

    constant_queries(client, reverse("returns:index"), more)
    assert len(client.get(reverse("returns:index")).context["deadlines"]) == 5


def test_the_interview_page_runs_a_constant_number_of_queries(client, world):
    first = returned_episode(world, last_seen_hours_ago=100, returned_hours_ago=90)
    interview = record_return_interview(
        acting_user=world.return_officer,
        child=world.child,
        episodes=[first],
        offered_at=hours_ago(80),
        attempts=[{"attempted_at": hours_ago(79), "method": "phone"}],
    )
    signed_in(client, world.return_officer)
    url = reverse("returns:interview", args=[interview.pk])

    def more():
        from returns.services import record_interview_attempt

        for hour in (70, 60, 50):
            record_interview_attempt(
                acting_user=world.return_officer,
                interview=interview,
                attempted_at=hours_ago(hour),
                method="visit",
            )

    constant_queries(client, url, more)


def test_the_interview_form_runs_a_constant_number_of_queries(client, world):
    returned_episode(world, last_seen_hours_ago=200, returned_hours_ago=190)
    signed_in(client, world.return_officer)

    def more():
        for start in (150, 100, 50):
            returned_episode(world, last_seen_hours_ago=start, returned_hours_ago=start - 10)

    constant_queries(client, record_url(world.child), more)
    assert len(client.get(record_url(world.child)).context["form"].fields["episodes"].queryset) == 4
