"""The home page, by role, and the time-left words it uses."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.services import report_episode
from children.templatetags.timewords import time_left_in_words
from notifications.models import Channel, DeliveryStatus, Kind, Notification
from tests.factories import AllocationFactory, ChildFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def reported(world, child, *, hours_ago: float):
    return report_episode(
        acting_user=world.social_worker,
        child=child,
        category="missing",
        last_seen_at=NOW - dt.timedelta(hours=hours_ago + 1),
        reported_at=NOW - dt.timedelta(hours=hours_ago),
        # Police were told when it was reported: police_report_check opens nothing here.
        reported_to_police_at=NOW - dt.timedelta(hours=hours_ago),
    )


def my_child(world, name: str):
    child = ChildFactory(
        responsible_authority=world.council, given_name=name, family_name="Homecase"
    )
    AllocationFactory(child=child, team=world.team, worker=world.social_worker)
    return child


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


# --- Time left in words -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (dt.timedelta(days=2), "due in 2 days"),
        (dt.timedelta(days=2) - dt.timedelta(seconds=1), "due in 1 day"),
        (dt.timedelta(days=1), "due in 1 day"),
        (dt.timedelta(days=1) - dt.timedelta(seconds=1), "due in 23 hours"),
        (dt.timedelta(hours=5), "due in 5 hours"),
        (dt.timedelta(hours=5) - dt.timedelta(seconds=1), "due in 4 hours"),
        (dt.timedelta(hours=1), "due in 1 hour"),
        (dt.timedelta(minutes=59, seconds=59), "due in 59 minutes"),
        (dt.timedelta(minutes=1), "due in 1 minute"),
        (dt.timedelta(seconds=59), "due in less than a minute"),
        (dt.timedelta(0), "due now"),
        (-dt.timedelta(seconds=1), "overdue by less than a minute"),
        (-dt.timedelta(minutes=1), "overdue by 1 minute"),
        (-dt.timedelta(hours=2), "overdue by 2 hours"),
        (-(dt.timedelta(days=2) - dt.timedelta(seconds=1)), "overdue by 1 day"),
        (-dt.timedelta(days=2), "overdue by 2 days"),
    ],
)
def test_time_left_is_the_largest_whole_unit_rounded_down(delta, words):
    assert time_left_in_words(NOW + delta, NOW) == words


def test_time_left_across_the_spring_clock_change_counts_elapsed_hours():
    # 00:30 GMT to 03:30 BST on 29 March 2026 is two elapsed hours, not three.
    start = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    assert time_left_in_words(start + dt.timedelta(hours=2), start) == "due in 2 hours"


# --- The page ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_social_worker_sees_their_children_and_open_episodes(client, world):
    episode = reported(world, world.child, hours_ago=3)
    not_mine = ChildFactory(responsible_authority=world.council, given_name="Other")
    AllocationFactory(child=not_mine, team=world.other_team, worker=world.other_social_worker)
    response = home(client, world.social_worker)
    assert [row.child.pk for row in response.context["children"]] == [world.child.pk]
    html = response.content.decode()
    assert reverse("episodes:detail", args=[episode.pk]) in html
    assert "Other Example" not in html


def test_my_deadlines_show_due_soon_and_overdue_in_words_and_leave_out_later_ones(client, world):
    due_soon = my_child(world, "Soon")
    overdue = my_child(world, "Late")
    later = my_child(world, "Later")
    reported(world, due_soon, hours_ago=67)  # unrated: assessment due in 5 hours
    reported(world, overdue, hours_ago=74)  # overdue by 2 hours
    reported(world, later, hours_ago=1)  # due in 71 hours: not yet
    response = home(client, world.social_worker)
    deadlines = response.context["deadlines"]
    overdue = [(row.deadline.child.given_name, row.deadline.rule) for row in deadlines.overdue]
    due_soon = [(row.deadline.child.given_name, row.deadline.rule) for row in deadlines.due_soon]
    assert ("Late", "risk_assessment") in overdue
    assert due_soon == [("Soon", "risk_assessment")]
    assert "Later" not in {name for name, _rule in overdue + due_soon}
    # The manager escalation is Homeward's own notification, not the worker's to meet.
    assert all(row.deadline.rule != "manager_escalation" for row in deadlines.overdue)
    html = response.content.decode()
    assert "overdue by 2 hours" in html and "due in 5 hours" in html


def test_deadlines_read_overdue_first_the_most_overdue_on_top_then_due_soon(client, world):
    a_little_late = my_child(world, "Little")
    very_late = my_child(world, "Very")
    soon = my_child(world, "Soon")
    reported(world, a_little_late, hours_ago=73)  # overdue by 1 hour
    reported(world, very_late, hours_ago=80)  # overdue by 8 hours
    reported(world, soon, hours_ago=67)  # due in 5 hours
    response = home(client, world.social_worker)
    deadlines = response.context["deadlines"]
    assessments = [
        row.deadline.child.given_name
        for row in deadlines.overdue
        if row.deadline.rule == "risk_assessment"
    ]
    assert assessments == ["Very", "Little"]
    html = response.content.decode()
    assert html.index('id="my-deadlines-overdue"') < html.index('id="my-deadlines-due-soon"')


def test_a_team_manager_sees_the_escalation_summary_with_a_link_to_the_queue(client, world):
    reported(world, world.child, hours_ago=74)  # breach-worthy, open past its due-soon point
    html = home(client, world.team_manager).content.decode()
    assert 'id="escalation-summary"' in html
    assert reverse("casework:escalations") in html
    assert 'id="escalation-summary"' not in home(client, world.social_worker).content.decode()


def test_mash_triage_sees_the_triage_queue_count(client, world):
    reported(world, world.child, hours_ago=2)
    reported(world, my_child(world, "Second"), hours_ago=1)
    response = home(client, world.mash_triage)
    assert response.context["triage_count"] == 2
    html = response.content.decode()
    assert "2 referrals awaiting triage" in " ".join(html.split()).replace("</span> ", " ").replace(
        '<span class="govuk-heading-l govuk-!-margin-bottom-0">', ""
    )
    assert reverse("risk:index") in html
    assert home(client, world.social_worker).context["triage_count"] is None


def test_the_unread_notification_count_is_shown(client, world):
    for index, read_at in enumerate([None, None, NOW]):
        Notification.objects.create(
            recipient=world.social_worker,
            channel=Channel.IN_APP,
            kind=Kind.INFORMATION,
            dedupe_key=f"test:{index}",
            subject="Something happened",
            body="",
            created_at=NOW,
            next_attempt_at=NOW,
            status=DeliveryStatus.SENT,
            sent_at=NOW,
            read_at=read_at,
        )
    response = home(client, world.social_worker)
    assert response.context["unread_count"] == 2
    assert home(client, world.team_manager).context["unread_count"] == 0


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def test_home_renders_in_the_same_number_of_queries_whatever_the_caseload(client, world):
    client.force_login(world.social_worker)
    reported(world, world.child, hours_ago=70)
    client.get(reverse("home"))
    small = _home_queries(client)
    for index in range(5):
        reported(world, my_child(world, f"Case{index}"), hours_ago=60 + index * 3)
    large = _home_queries(client)
    deadlines = client.get(reverse("home")).context["deadlines"]
    assert len(deadlines.due_soon) + len(deadlines.overdue) >= 4
    assert small == large
