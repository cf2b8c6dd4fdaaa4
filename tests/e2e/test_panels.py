"""Strategy meetings and the exploitation panel in a real browser."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from panels.models import PanelAction, StrategyMeeting
from protocol.models import Deadline
from risk.services import record_risk_assessment
from tests.factories import AllocationFactory, ChildFactory
from tests.risk.support import fill_date, report_at, returned_at

HOUR = dt.timedelta(hours=1)


def test_a_strategy_meeting_recorded_from_its_deadline(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    now = timezone.now()
    episode = report_at(
        world.social_worker, world.child, last_seen_at=now - 30 * HOUR, reported_at=now - 29 * HOUR
    )
    deadline = Deadline.objects.get(episode=episode, rule="strategy_meeting")

    signed_in(page, world.team_manager)
    page.goto(url("panels:record_meeting", world.child.pk) + f"?deadline={deadline.pk}")
    expect(page.get_by_test_id("deadline")).to_contain_text("strategy meeting deadline")
    expect(page.get_by_label("Strategy meeting", exact=True)).to_be_checked()
    expect(page.get_by_label("Why the meeting was held")).to_have_value("missing_over_24_hours")
    expect(page.get_by_label("Episode")).to_have_value(str(episode.pk))
    axe_check(page)
    fill_date(page, "When the meeting was held", now - HOUR)
    page.get_by_label("Attendee 1: name").fill("Bob Tester")
    page.get_by_label("Attendee 1: agency").select_option(label="Borough of Northwick")
    page.get_by_label("Attendee 1: role").fill("Team manager")
    page.get_by_label("Attendee 2: name").fill("Evan Tester")
    page.get_by_label("Attendee 2: agency").select_option(label="Northwick Police")
    page.get_by_label("Attendee 2: role").fill("Missing persons unit")
    page.get_by_label("Decisions").fill(
        "Police to visit known addresses; school to share attendance."
    )
    fill_date(page, "Next review date", timezone.localdate(now) + dt.timedelta(days=14))
    page.get_by_role("button", name="Save meeting").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Strategy meeting recorded"
    )
    expect(page.locator("main")).to_contain_text(
        "Evan Tester, Missing persons unit (Northwick Police)"
    )
    expect(page.get_by_test_id("deadlines-met")).to_contain_text("Strategy meeting: met")
    axe_check(page)
    assert StrategyMeeting.objects.get().attendees.count() == 2


def test_the_exploitation_panel_agenda_and_actions(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    now = timezone.now()
    rita = ChildFactory(given_name="Rita", family_name="Red", responsible_authority=world.council)
    AllocationFactory(
        child=rita, team=world.team, worker=world.social_worker, started_at=now - 400 * 24 * HOUR
    )
    episode = returned_at(
        world.social_worker, rita, last_seen_at=now - 40 * HOUR, returned=now - 30 * HOUR
    )
    record_risk_assessment(
        acting_user=world.social_worker,
        child=rita,
        rag="red",
        threshold_level=4,
        episode=episode,
        rationale="Seen with older men.",
    )
    report_at(
        world.social_worker, world.child, last_seen_at=now - 3 * HOUR, reported_at=now - 2 * HOUR
    )

    signed_in(page, world.missing_coordinator)
    page.goto(url("panels:index"))
    axe_check(page)
    page.get_by_role("link", name="Schedule a panel meeting").click()
    page.get_by_label("Multi-Agency Child Exploitation panel (MACE)").check()
    fill_date(page, "When the panel meets", now + 48 * HOUR)
    page.get_by_role("button", name="Schedule meeting").click()

    candidates = page.get_by_test_id("agenda-candidates").locator("tbody tr")
    expect(candidates).to_have_count(2)
    expect(candidates.filter(has_text="Rita Red")).to_contain_text("Rated Red")
    expect(candidates.filter(has_text="Jamie Fictional")).to_contain_text("Missing now")
    axe_check(page)
    candidates.filter(has_text="Rita Red").get_by_role("button", name="Add to agenda").click()
    expect(page.get_by_test_id("agenda-case")).to_have_count(1)
    expect(page.get_by_test_id("agenda-candidates").locator("tbody tr")).to_have_count(1)

    case = page.get_by_test_id("agenda-case")
    case.get_by_text("Add an action for Rita Red").click()
    case.get_by_label("Action").fill("Disruption notice to the address in Northwick")
    case.get_by_label("Owner").select_option(label="Northwick Police")
    fill_date(case, "Due date", timezone.localdate(now) + dt.timedelta(days=7))
    case.get_by_role("button", name="Add action").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Action added for Rita Red"
    )
    expect(page.get_by_test_id("agenda-case")).to_contain_text(
        "Disruption notice to the address in Northwick"
    )
    axe_check(page)
    page.get_by_test_id("agenda-case").get_by_role("button", name="Mark done").click()
    expect(page.get_by_test_id("agenda-case").locator(".govuk-tag--green")).to_have_text("Done")
    assert PanelAction.objects.get().done_at is not None
