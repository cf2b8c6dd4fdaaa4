"""Reporting an episode, and the return, safe and well check, reclassification and
entered-in-error pages: access by persona, the protocol's refusals as GOV.UK errors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from casework.services import report_episode
from episodes.models import Episode, Reclassification, SafeAndWellCheck
from episodes.services import record_return
from protocol.models import Deadline
from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
# After both 2026 clock changes (29 March, 25 October), for the DST tests.
AFTER_AUTUMN = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def report_url(child) -> str:
    return reverse("episodes:report", args=[child.pk])


def form(**overrides) -> dict:
    """A report of the world child last seen at 09:30 on 10 June 2026 (BST: 08:30 UTC)."""
    data = {
        "last_seen_day": "10",
        "last_seen_month": "6",
        "last_seen_year": "2026",
        "last_seen_time": "09:30",
        "last_seen_location": "Outside Northwick Academy",
        "missing_from": "home",
        "category": "missing",
        "circumstances": "Did not come home after school.",
        "reported_to_police": "yes",
        "police_force": "",
        "police_reference": "NW-2026-0042",
        "police_risk": "medium",
    }
    data.update(overrides)
    return data


def existing_episode(world, child=None, *, hours_ago: float = 5, category: str = "missing"):
    return report_episode(
        acting_user=world.social_worker,
        child=child or world.child,
        category=category,
        last_seen_at=NOW - dt.timedelta(hours=hours_ago),
        reported_at=NOW - dt.timedelta(hours=hours_ago - 1),
    )


def assert_sign_in_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def twelve_year_old(world):
    child = ChildFactory(
        responsible_authority=world.council,
        given_name="Ash",
        family_name="Younger",
        date_of_birth=dt.date(2013, 6, 11),  # 12 until tomorrow
    )
    AllocationFactory(child=child, team=world.team, worker=world.social_worker)
    return child


# --- Reporting ---------------------------------------------------------------------------


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
        ("outsider", 404),
    ],
)
def test_the_report_form_is_for_those_who_may_see_the_child(client, world, persona, status):
    client.force_login(world.personas()[persona])
    assert client.get(report_url(world.child)).status_code == status
    assert client.post(report_url(world.child), form()).status_code in (status, 302)
    assert Episode.objects.exists() == (status == 200)


def test_anonymous_is_sent_to_sign_in_from_reporting(client, world):
    assert_sign_in_redirect(client.post(report_url(world.child), form()))
    assert not Episode.objects.exists()


def test_reporting_records_the_episode_and_shows_the_deadlines_it_opened(client, world):
    client.force_login(world.social_worker)
    response = client.post(report_url(world.child), form(), follow=True)
    episode = Episode.objects.get()
    assert response.redirect_chain == [(reverse("episodes:detail", args=[episode.pk]), 302)]
    assert episode.last_seen_at == dt.datetime(2026, 6, 10, 8, 30, tzinfo=dt.UTC)
    assert (episode.category, episode.police_reference, episode.police_risk) == (
        "missing",
        "NW-2026-0042",
        "medium",
    )
    html = response.content.decode()
    assert "govuk-notification-banner--success" in html
    assert "Missing episode reported for Jamie Fictional" in html
    # Police graded it medium: police's, not the rating. Until MASH triages it, the risk
    # assessment is due 72 hours after the report (decision 0012).
    assessment = Deadline.objects.get(episode=episode, rule="risk_assessment")
    assert assessment.due_at == NOW + dt.timedelta(hours=72)
    assert 'data-rule="risk_assessment"' in html and "due in 3 days" in html


def test_absent_is_offered_for_a_child_aged_13_or_over(client, world):
    client.force_login(world.social_worker)
    html = client.get(report_url(world.child)).content.decode()
    assert 'value="absent"' in html


def test_absent_is_not_offered_for_a_child_aged_12_and_the_form_says_why(client, world):
    child = twelve_year_old(world)
    client.force_login(world.social_worker)
    html = client.get(report_url(child)).content.decode()
    assert 'value="absent"' not in html
    assert (
        "Ash is 12: a child aged 12 or under whose whereabouts are unknown is always missing"
        in html
    )


def test_a_posted_absent_for_a_child_aged_12_is_refused_with_the_reason(client, world):
    child = twelve_year_old(world)
    client.force_login(world.social_worker)
    response = client.post(report_url(child), form(category="absent"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Ash was 12 when last seen: a child aged 12 or under" in html
    assert 'href="#id_category_0"' in html
    assert not Episode.objects.filter(child=child).exists()


def test_away_without_authorisation_is_offered_only_for_a_looked_after_child(client, world):
    client.force_login(world.social_worker)
    assert (
        'value="away_without_authorisation"'
        not in client.get(report_url(world.child)).content.decode()
    )
    LegalStatusFactory(child=world.child, status="looked_after", start_date=dt.date(2025, 1, 1))
    assert (
        'value="away_without_authorisation"' in client.get(report_url(world.child)).content.decode()
    )


@pytest.mark.parametrize(
    ("overrides", "message", "anchor"),
    [
        (
            {"last_seen_time": "14:00"},
            "The time last seen cannot be in the future.",
            "last_seen_day",
        ),
        ({"last_seen_day": "11"}, "The time last seen cannot be in the future.", "last_seen_day"),
        ({"last_seen_time": ""}, "Enter the time of the date and time last seen", "last_seen_time"),
        (
            {"last_seen_time": "25:10"},
            "Enter the time in 24-hour hours and minutes",
            "last_seen_time",
        ),
        ({"last_seen_month": "13"}, "Date and time last seen must be a real date", "last_seen_day"),
        ({"last_seen_location": ""}, "Enter where the child was last seen", "last_seen_location"),
        ({"category": ""}, "Choose whether the child is missing or absent", "category_0"),
    ],
)
def test_impossible_or_missing_answers_are_refused_with_govuk_errors(
    client, world, overrides, message, anchor
):
    client.force_login(world.social_worker)
    response = client.post(report_url(world.child), form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert f'href="#id_{anchor}"' in html
    assert "<title>Error: " in html
    assert not Episode.objects.exists()


def test_a_last_seen_time_of_now_is_accepted_and_a_minute_later_refused(client, world):
    """12:00 UTC is 13:00 BST. A report cannot precede the last sighting it reports."""
    client.force_login(world.social_worker)
    refused = client.post(report_url(world.child), form(last_seen_time="13:01"))
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.content.decode()
    assert not Episode.objects.exists()
    accepted = client.post(report_url(world.child), form(last_seen_time="13:00"))
    assert accepted.status_code == 302
    assert Episode.objects.get().last_seen_at == NOW


def test_a_last_seen_before_the_previous_episode_ended_is_refused(client, world):
    earlier = existing_episode(world, hours_ago=30)
    record_return(
        acting_user=world.social_worker, episode=earlier, returned_at=NOW - dt.timedelta(hours=2)
    )
    client.force_login(world.social_worker)
    # 09:30 BST is 08:30 UTC: before the return at 10:00 UTC.
    response = client.post(report_url(world.child), form())
    html = response.content.decode()
    assert "An episode cannot start before the child&#x27;s previous episode ended" in html
    assert Episode.objects.count() == 1


def test_a_second_open_episode_is_refused(client, world):
    existing_episode(world, hours_ago=30)
    client.force_login(world.social_worker)
    html = client.post(report_url(world.child), form()).content.decode()
    assert "Jamie already has an open episode" in html
    assert Episode.objects.count() == 1


@time_machine.travel(AFTER_AUTUMN, tick=False)
def test_a_time_skipped_by_the_spring_clock_change_is_refused(client, world):
    client.force_login(world.social_worker)
    response = client.post(
        report_url(world.child),
        form(
            last_seen_day="29", last_seen_month="3", last_seen_year="2026", last_seen_time="01:30"
        ),
    )
    html = response.content.decode()
    assert "01:30 on 29 March 2026 does not exist in the UK" in html
    assert not Episode.objects.exists()


@time_machine.travel(AFTER_AUTUMN, tick=False)
def test_a_time_repeated_by_the_autumn_clock_change_asks_bst_or_gmt(client, world):
    client.force_login(world.social_worker)
    autumn = form(
        last_seen_day="25", last_seen_month="10", last_seen_year="2026", last_seen_time="01:30"
    )
    html = client.post(report_url(world.child), autumn).content.decode()
    assert "happened twice in the UK: say whether BST or GMT" in html
    assert 'name="last_seen_clock"' in html
    assert not Episode.objects.exists()

    assert (
        client.post(report_url(world.child), {**autumn, "last_seen_clock": "gmt"}).status_code
        == 302
    )
    assert Episode.objects.get().last_seen_at == dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)


@time_machine.travel(AFTER_AUTUMN, tick=False)
def test_the_first_autumn_time_is_bst(client, world):
    client.force_login(world.social_worker)
    autumn = form(
        last_seen_day="25",
        last_seen_month="10",
        last_seen_year="2026",
        last_seen_time="01:30",
        last_seen_clock="bst",
    )
    assert client.post(report_url(world.child), autumn).status_code == 302
    assert Episode.objects.get().last_seen_at == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)


# --- The episode page and what follows ---------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("social_worker", 200),
        ("team_manager", 200),
        ("other_social_worker", 404),
        ("other_police_liaison", 404),
        ("outsider", 404),
    ],
)
def test_the_episode_page_follows_the_childs_visibility(client, world, persona, status):
    episode = existing_episode(world)
    client.force_login(world.personas()[persona])
    for name in ("detail", "record_return", "reclassify"):
        assert client.get(reverse(f"episodes:{name}", args=[episode.pk])).status_code == status


@pytest.mark.parametrize("name", ["detail", "record_return", "reclassify", "entered_in_error"])
def test_anonymous_is_sent_to_sign_in_from_the_episode_pages(client, world, name):
    episode = existing_episode(world)
    assert_sign_in_redirect(client.get(reverse(f"episodes:{name}", args=[episode.pk])))


def return_form(**overrides) -> dict:
    data = {
        "returned_day": "10",
        "returned_month": "6",
        "returned_year": "2026",
        "returned_time": "12:15",
        "return_location": "Home",
        "how_found": "returned_themselves",
    }
    data.update(overrides)
    return data


def test_recording_the_return_closes_the_episode_with_a_banner(client, world):
    episode = existing_episode(world)
    client.force_login(world.social_worker)
    response = client.post(
        reverse("episodes:record_return", args=[episode.pk]), return_form(), follow=True
    )
    episode.refresh_from_db()
    assert episode.returned_at == dt.datetime(2026, 6, 10, 11, 15, tzinfo=dt.UTC)
    html = response.content.decode()
    assert "Return recorded" in html
    assert 'data-rule="return_interview"' in html and 'data-rule="safe_and_well_check"' in html


def test_a_return_before_the_child_was_last_seen_is_refused(client, world):
    episode = existing_episode(world, hours_ago=2)  # last seen 10:00 UTC, 11:00 BST
    client.force_login(world.social_worker)
    html = client.post(
        reverse("episodes:record_return", args=[episode.pk]), return_form(returned_time="10:59")
    ).content.decode()
    assert "The return cannot be before the child was last seen." in html
    assert 'href="#id_returned_day"' in html
    episode.refresh_from_db()
    assert episode.returned_at is None


def test_recording_the_safe_and_well_check(client, world):
    episode = existing_episode(world, hours_ago=8)
    record_return(
        acting_user=world.social_worker, episode=episode, returned_at=NOW - dt.timedelta(hours=3)
    )
    client.force_login(world.social_worker)
    response = client.post(
        reverse("episodes:safe_and_well_check", args=[episode.pk]),
        {
            "checked_day": "10",
            "checked_month": "6",
            "checked_year": "2026",
            "checked_time": "12:30",
            "officer_name": "PC Evans",
            "concerns": "",
        },
        follow=True,
    )
    check = SafeAndWellCheck.objects.get(episode=episode)
    assert check.checked_at == dt.datetime(2026, 6, 10, 11, 30, tzinfo=dt.UTC)
    assert "Safe and well check recorded." in response.content.decode()
    assert Deadline.objects.get(episode=episode, rule="safe_and_well_check").status == "met"


def test_reclassifying_absent_to_missing_keeps_the_reason(client, world):
    episode = existing_episode(world, category="absent")
    client.force_login(world.social_worker)
    url = reverse("episodes:reclassify", args=[episode.pk])
    assert 'value="absent"' not in client.get(url).content.decode()
    missing_reason = client.post(url, {"category": "missing", "reason": ""}).content.decode()
    assert "Give the reason for the reclassification" in missing_reason
    response = client.post(
        url, {"category": "missing", "reason": "No contact; phone off."}, follow=True
    )
    change = Reclassification.objects.get(episode=episode)
    assert (change.from_category, change.to_category, change.reason) == (
        "absent",
        "missing",
        "No contact; phone off.",
    )
    html = response.content.decode()
    assert "Episode reclassified." in html and "No contact; phone off." in html


def test_only_a_manager_may_mark_an_episode_entered_in_error(client, world):
    episode = existing_episode(world)
    url = reverse("episodes:entered_in_error", args=[episode.pk])
    client.force_login(world.social_worker)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "Duplicate"}).status_code == 403
    assert (
        "Mark as entered in error"
        not in client.get(reverse("episodes:detail", args=[episode.pk])).content.decode()
    )
    client.force_login(world.other_social_worker)
    assert client.post(url, {"reason": "Duplicate"}).status_code == 404
    episode.refresh_from_db()
    assert not episode.entered_in_error

    client.force_login(world.team_manager)
    response = client.post(url, {"reason": "Reported twice by mistake"}, follow=True)
    episode.refresh_from_db()
    assert episode.entered_in_error
    assert "Its deadlines are cancelled." in response.content.decode()
    assert not Deadline.objects.filter(episode=episode).exclude(status="cancelled").exists()
