"""Strategy meetings from the deadline that requires them, and the exploitation panel."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from agencies.models import Role
from panels.models import PanelAction, PanelCase, PanelMeeting, PanelReferral, StrategyMeeting
from panels.services import add_panel_action, add_panel_case, schedule_panel_meeting
from protocol.models import Deadline
from risk.services import record_risk_assessment
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.risk.support import (
    NOW,
    allocated_child,
    assert_redirects_to_sign_in,
    constant_queries,
    gov_date,
    hours_ago,
    report,
    returned_episode,
    signed_in,
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def meeting_url(child, deadline=None) -> str:
    return reverse("panels:record_meeting", args=[child.pk]) + (
        f"?deadline={deadline.pk}" if deadline else ""
    )


def meeting_post(**overrides) -> dict:
    data = {
        "kind": "strategy_meeting",
        "trigger": "missing_over_24_hours",
        "episode": "",
        **gov_date("held_at", "2026-06-10T11:00"),
        "attendee_1_name": "Bob Tester",
        "attendee_1_role": "Team manager",
        "attendee_2_name": "PC Evan Tester",
        "attendee_2_role": "Missing persons",
        "decisions": "Police to search known addresses.",
        **gov_date("next_review_on", "2026-07-01"),
    }
    for name in ("held_at", "next_review_on"):
        if name in overrides:
            data |= gov_date(name, overrides.pop(name))
    data.update(overrides)
    return data


def test_a_meeting_from_a_strategy_meeting_deadline_is_prefilled_and_meets_it(client, world):
    episode = report(world, last_seen_hours_ago=30, reported_hours_ago=29)
    deadline = Deadline.objects.get(episode=episode, rule="strategy_meeting")
    client = signed_in(client, world.team_manager)
    page = client.get(meeting_url(world.child, deadline))
    assert page.status_code == 200
    form = page.context["form"]
    assert (form["kind"].value(), form["trigger"].value(), form["episode"].value()) == (
        "strategy_meeting",
        "missing_over_24_hours",
        episode.pk,
    )
    data = meeting_post(
        episode=episode.pk, attendee_1_agency=world.council.pk, attendee_2_agency=world.force.pk
    )
    response = client.post(meeting_url(world.child, deadline), data)
    meeting = StrategyMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "panels:meeting", args=[meeting.pk]
    )
    assert sorted((a.name, a.agency.name) for a in meeting.attendees.all()) == [
        ("Bob Tester", "Borough of Northwick"),
        ("PC Evan Tester", "Northwick Police"),
    ]
    assert meeting.next_review_on == dt.date(2026, 7, 1)
    deadline.refresh_from_db()
    assert deadline.status == "met"
    detail = client.get(response["Location"]).content.decode()
    assert "Police to search known addresses." in detail and "Northwick Police" in detail


def test_a_third_episode_in_90_days_prefills_the_repeat_trigger(client, world):
    returned_episode(world, last_seen_hours_ago=24 * 40, returned_hours_ago=24 * 39)
    returned_episode(world, last_seen_hours_ago=24 * 20, returned_hours_ago=24 * 19)
    episode = report(world)
    deadline = Deadline.objects.get(key=f"strategy_meeting:episode:{episode.pk}:repeat")
    form = (
        signed_in(client, world.team_manager)
        .get(meeting_url(world.child, deadline))
        .context["form"]
    )
    assert form["trigger"].value() == "repeat_episodes"


def test_a_strategy_discussion_deadline_prefills_a_discussion(client, world):
    episode = report(world, last_seen_hours_ago=130, reported_hours_ago=129)
    deadline = Deadline.objects.get(episode=episode, rule="strategy_discussion")
    form = (
        signed_in(client, world.team_manager)
        .get(meeting_url(world.child, deadline))
        .context["form"]
    )
    assert (form["kind"].value(), form["trigger"].value()) == (
        "strategy_discussion",
        "missing_five_days",
    )


def test_an_attendee_with_neither_agency_nor_role_and_a_review_before_the_meeting_are_field_errors(
    client, world
):
    # A parent or carer attends without an agency, named by role (issue 12); an attendee
    # with neither is an error.
    client = signed_in(client, world.team_manager)
    response = client.post(meeting_url(world.child), meeting_post(attendee_1_role=""))
    assert response.context["form"].errors["attendee_1_agency"] == [
        "Choose attendee 1's agency, or give their role (a parent or carer)"
    ]
    response = client.post(
        meeting_url(world.child),
        meeting_post(
            attendee_1_agency=world.council.pk,
            attendee_2_agency=world.force.pk,
            next_review_on="2026-06-01",
        ),
    )
    assert response.context["form"].errors["next_review_on"] == [
        "The next review cannot be before the meeting."
    ]
    assert not StrategyMeeting.objects.exists()


def test_a_deadline_of_another_child_is_404(client, world):
    other = allocated_child(world)
    episode = report(world, other, last_seen_hours_ago=30, reported_hours_ago=29)
    deadline = Deadline.objects.get(episode=episode, rule="strategy_meeting")
    assert (
        signed_in(client, world.team_manager).get(meeting_url(world.child, deadline)).status_code
        == 404
    )


def test_a_referral_reaches_the_agenda_and_the_discussion_meets_the_panel_referral_deadline(
    client, world
):
    # Issue 12: the deadline is met when the panel discusses the child, not by the form.
    episode = report(world)
    record_risk_assessment(
        acting_user=world.social_worker,
        child=world.child,
        rag="red",
        rationale="Seen with older men.",
        threshold_level=4,
        episode=episode,
    )
    assert Deadline.objects.get(rule="panel_referral").status == "open"
    meeting = schedule_panel_meeting(
        acting_user=world.missing_coordinator,
        authority=world.council,
        kind="mase",
        meets_at=NOW + dt.timedelta(days=2),
    )
    client = signed_in(client, world.team_manager)
    refused = client.post(
        reverse("panels:refer", args=[world.child.pk]), {"reason": "Rated Red: CSE concerns."}
    )
    assert refused.status_code == 400 and "Choose the panel" in refused.content.decode()
    response = client.post(
        reverse("panels:refer", args=[world.child.pk]),
        {"reason": "Rated Red: CSE concerns.", "panel_kind": "mase", "indicators": ["cse"]},
    )
    assert response.status_code == 302
    referral = PanelReferral.objects.get()
    assert (referral.reason, referral.indicators) == ("Rated Red: CSE concerns.", ["cse"])
    assert Deadline.objects.get(rule="panel_referral").status == "open"
    case = PanelCase.objects.get(meeting=meeting, child=world.child)
    assert case.referral == referral
    discussed = client.post(
        reverse("panels:discuss", args=[case.pk]),
        {f"discuss-{case.pk}-discussion": "Disruption plan agreed."},
    )
    assert discussed.status_code == 302
    ledger = Deadline.objects.get(rule="panel_referral")
    assert (ledger.status, ledger.met_at) == ("met", NOW)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("team_manager", 200),
        ("social_worker", 200),
        ("other_social_worker", 404),
        ("other_police_liaison", 404),
        ("outsider", 404),
    ],
)
def test_strategy_meeting_pages_are_404_for_a_child_the_persona_may_not_see(
    client, world, persona, expected
):
    episode = report(world, last_seen_hours_ago=30, reported_hours_ago=29)
    deadline = Deadline.objects.get(episode=episode, rule="strategy_meeting")
    from panels.services import record_strategy_meeting

    meeting = record_strategy_meeting(
        acting_user=world.team_manager, child=world.child, held_at=hours_ago(1), episode=episode
    )
    client = signed_in(client, world.personas()[persona])
    assert client.get(meeting_url(world.child, deadline)).status_code == expected
    assert client.get(reverse("panels:meeting", args=[meeting.pk])).status_code == expected
    assert client.get(reverse("panels:refer", args=[world.child.pk])).status_code == expected
    if expected == 404:
        client.post(meeting_url(world.child), meeting_post(attendee_1_name="", attendee_2_name=""))
        client.post(reverse("panels:refer", args=[world.child.pk]), {"reason": "x"})
        assert StrategyMeeting.objects.count() == 1 and not PanelReferral.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, world):
    for url in (reverse("panels:index"), meeting_url(world.child), reverse("panels:schedule")):
        assert_redirects_to_sign_in(client.get(url))


# The exploitation panel -------------------------------------------------------------


def panel_world(world):
    """Children who meet each agenda criterion, and one who meets none."""
    red = allocated_child(world, given_name="Rita", family_name="Red")
    episode = returned_episode(world, red)
    record_risk_assessment(
        acting_user=world.social_worker,
        child=red,
        rag="red",
        threshold_level=4,
        episode=episode,
        rationale="Seen with older men.",
    )
    repeat = allocated_child(world, given_name="Remy", family_name="Repeat")
    for start in (24 * 80, 24 * 50, 24 * 20):
        returned_episode(world, repeat, last_seen_hours_ago=start, returned_hours_ago=start - 5)
    missing = allocated_child(world, given_name="Mo", family_name="Missing")
    report(world, missing)
    quiet = allocated_child(world, given_name="Quinn", family_name="Quiet")
    returned_episode(world, quiet, last_seen_hours_ago=24 * 100, returned_hours_ago=24 * 99)
    return red, repeat, missing, quiet


def test_scheduling_a_panel_and_its_agenda_from_the_criteria(client, world):
    red, repeat, missing, quiet = panel_world(world)
    client = signed_in(client, world.missing_coordinator)
    response = client.post(
        reverse("panels:schedule"),
        {
            "authority": world.council.pk,
            "kind": "mace",
            **gov_date("meets_at", "2026-06-17T10:00"),
            "notes": "",
        },
    )
    panel = PanelMeeting.objects.get()
    assert response["Location"] == reverse("panels:panel", args=[panel.pk])
    page = client.get(response["Location"])
    reasons = {child.given_name: child.reason for child in page.context["candidates"]}
    assert reasons == {"Rita": "Rated Red", "Remy": "3 episodes in 90 days", "Mo": "Missing now"}
    added = client.post(
        reverse("panels:add_case", args=[panel.pk]), {"child": red.pk, "reason": "Rated Red"}
    )
    assert added.status_code == 302
    page = client.get(reverse("panels:panel", args=[panel.pk]))
    assert [case.child.given_name for case in page.context["cases"]] == ["Rita"]
    assert "Rita" not in {child.given_name for child in page.context["candidates"]}


def test_the_children_to_consider_come_a_page_at_a_time(client, world, monkeypatch):
    from children.models import RecordAccess

    monkeypatch.setattr("panels.views.CANDIDATE_PAGE_SIZE", 2)
    red, repeat, missing, _quiet = panel_world(world)
    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=hours_ago(-24)
    )
    client = signed_in(client, world.missing_coordinator)
    url = reverse("panels:panel", args=[panel.pk])

    first = client.get(url)
    assert [c.given_name for c in first.context["candidates"]] == ["Mo", "Rita"]
    assert first.context["previous_candidates_url"] == ""
    assert first.context["next_candidates_url"] == f"{url}?candidates=2#candidates-heading"
    assert "1 to 2, by family name" in first.content.decode()
    assert not RecordAccess.objects.filter(child=repeat, user=world.missing_coordinator).exists()

    second = client.get(url, {"candidates": "2"})
    assert [c.given_name for c in second.context["candidates"]] == ["Remy"]
    assert second.context["previous_candidates_url"] == f"{url}?candidates=1#candidates-heading"
    assert second.context["next_candidates_url"] == ""
    assert "3 to 3, by family name" in second.content.decode()
    assert RecordAccess.objects.filter(child=repeat, user=world.missing_coordinator).exists()

    beyond = client.get(url, {"candidates": "3"})
    assert beyond.context["candidates"] == []
    assert "There are no more children to consider" in beyond.content.decode()

    for nonsense in ("abc", "0", "-1", "9" * 30):
        page = client.get(url, {"candidates": nonsense})
        assert page.status_code == 200
        assert [c.given_name for c in page.context["candidates"]] == ["Mo", "Rita"], nonsense

    # The page's links are in the markup, and a page exactly full has no next page.
    assert f'href="{url}?candidates=2#candidates-heading" rel="next"' in first.content.decode()
    monkeypatch.setattr("panels.views.CANDIDATE_PAGE_SIZE", 3)
    full = client.get(url)
    assert [c.given_name for c in full.context["candidates"]] == ["Mo", "Rita", "Remy"]
    assert full.context["next_candidates_url"] == ""
    assert "govuk-pagination" not in full.content.decode()


def test_actions_have_an_owner_and_due_date_are_done_and_open_ones_carry_to_the_next_panel(
    client, world
):
    red, *_ = panel_world(world)
    first = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=hours_ago(24 * 7)
    )
    case = add_panel_case(
        acting_user=world.missing_coordinator, meeting=first, child=red, reason="Rated Red"
    )
    client = signed_in(client, world.missing_coordinator)
    prefix = f"case-{case.pk}"
    refused = client.post(
        reverse("panels:add_action", args=[case.pk]),
        {
            f"{prefix}-description": "Disruption notice",
            **gov_date(f"{prefix}-due_on", "2026-06-20"),
        },
    )
    assert refused.status_code == 400
    assert "Choose who owns the action" in refused.content.decode()
    for description in ("Disruption notice", "Return home visit"):
        response = client.post(
            reverse("panels:add_action", args=[case.pk]),
            {
                f"{prefix}-description": description,
                f"{prefix}-owner_agency": world.force.pk,
                **gov_date(f"{prefix}-due_on", "2026-06-20"),
            },
        )
        assert response.status_code == 302
    done = PanelAction.objects.get(description="Return home visit")
    assert client.post(reverse("panels:complete_action", args=[done.pk])).status_code == 302
    done.refresh_from_db()
    assert done.done_at == NOW
    second = schedule_panel_meeting(
        acting_user=world.missing_coordinator,
        authority=world.council,
        meets_at=NOW + dt.timedelta(days=7),
    )
    client.post(
        reverse("panels:add_case", args=[second.pk]), {"child": red.pk, "reason": "Rated Red"}
    )
    carried = PanelCase.objects.get(meeting=second).actions.get()
    assert carried.description == "Disruption notice" and carried.carried_from.case == case
    page = client.get(reverse("panels:panel", args=[second.pk])).content.decode()
    assert "Carried from the panel of 3 June 2026" in page


def test_the_panel_shows_only_children_the_persona_may_see(client, world):
    panel_world(world)
    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=NOW
    )
    MembershipFactory(user=world.other_social_worker, team=world.other_team, role=Role.PANEL_MEMBER)
    page = signed_in(client, world.other_social_worker).get(
        reverse("panels:panel", args=[panel.pk])
    )
    assert page.status_code == 200
    assert page.context["candidates"] == []
    response = client.post(
        reverse("panels:add_case", args=[panel.pk]), {"child": world.child.pk, "reason": "x"}
    )
    assert response.status_code == 404
    assert not PanelCase.objects.exists()


def test_a_panel_of_another_authority_is_404(client, world):
    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=NOW
    )
    stranger = UserFactory(username="sam_south")
    MembershipFactory(
        user=stranger, team=TeamFactory(agency=world.other_council), role=Role.PANEL_MEMBER
    )
    assert (
        signed_in(client, stranger).get(reverse("panels:panel", args=[panel.pk])).status_code == 404
    )
    index = client.get(reverse("panels:index")).context
    assert index["upcoming"] == [] and index["past"] == []


def test_the_panel_page_runs_a_constant_number_of_queries(client, world):
    red, repeat, missing, quiet = panel_world(world)
    first = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=hours_ago(24 * 7)
    )
    panel = schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=NOW
    )
    case = add_panel_case(
        acting_user=world.missing_coordinator, meeting=panel, child=red, reason="Rated Red"
    )
    add_panel_action(
        acting_user=world.missing_coordinator,
        case=case,
        description="One",
        due_on=dt.date(2026, 6, 1),
        owner_agency=world.force,
    )
    signed_in(client, world.missing_coordinator)

    def more():
        for child in (repeat, missing):
            earlier = add_panel_case(
                acting_user=world.missing_coordinator, meeting=first, child=child, reason="Earlier"
            )
            add_panel_action(
                acting_user=world.missing_coordinator,
                case=earlier,
                description="Carried",
                due_on=dt.date(2026, 6, 1),
                owner=world.team_manager,
            )
            later = add_panel_case(
                acting_user=world.missing_coordinator, meeting=panel, child=child, reason="Again"
            )
            add_panel_action(
                acting_user=world.missing_coordinator,
                case=later,
                description="New",
                due_on=dt.date(2026, 6, 30),
                owner_agency=world.council,
            )
        for _ in range(3):
            report(world, allocated_child(world))

    constant_queries(client, reverse("panels:panel", args=[panel.pk]), more)
    page = client.get(reverse("panels:panel", args=[panel.pk]))
    assert len(page.context["cases"]) == 3 and len(page.context["candidates"]) == 3


def test_the_meeting_page_runs_a_constant_number_of_queries(client, world):
    from panels.services import record_strategy_meeting

    attendees = [{"agency": world.council, "name": "Bob Tester"}]
    meeting = record_strategy_meeting(
        acting_user=world.team_manager, child=world.child, held_at=hours_ago(1), attendees=attendees
    )
    signed_in(client, world.team_manager)
    url = reverse("panels:meeting", args=[meeting.pk])

    def more():
        meeting.attendees.create(agency=world.force, name="PC Evan Tester")
        meeting.attendees.create(agency=world.other_council, name="Sam Southmere")

    constant_queries(client, url, more)


def test_the_meeting_form_runs_a_constant_number_of_queries(client, world):
    returned_episode(world, last_seen_hours_ago=150, returned_hours_ago=140)
    signed_in(client, world.team_manager)

    def more():
        returned_episode(world, last_seen_hours_ago=100, returned_hours_ago=90)
        returned_episode(world, last_seen_hours_ago=50, returned_hours_ago=40)

    constant_queries(client, meeting_url(world.child), more)


def test_the_panel_list_runs_a_constant_number_of_queries(client, world):
    schedule_panel_meeting(
        acting_user=world.missing_coordinator, authority=world.council, meets_at=NOW
    )
    signed_in(client, world.missing_coordinator)

    def more():
        red, repeat, missing, _quiet = panel_world(world)
        for days in (7, 14, 21):
            panel = schedule_panel_meeting(
                acting_user=world.missing_coordinator,
                authority=world.council,
                meets_at=NOW + dt.timedelta(days=days),
            )
            add_panel_case(
                acting_user=world.missing_coordinator, meeting=panel, child=red, reason="Rated Red"
            )

    constant_queries(client, reverse("panels:index"), more)
    assert len(client.get(reverse("panels:index")).context["meetings"]) == 4
