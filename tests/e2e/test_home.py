"""Browser journey: home, by role."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from casework.services import report_episode


def test_home_shows_a_workers_children_and_deadlines_and_a_managers_escalations(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    now = timezone.now()
    # Unrated: the risk assessment is due 72 hours after the report, so in about 5 hours.
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(hours=68),
        reported_at=now - dt.timedelta(hours=67, minutes=1),
    )
    signed_in(page, world.social_worker)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, Alice Tester")
    expect(page.locator("#my-children")).to_contain_text("Jamie Fictional")
    expect(page.locator("#my-children")).to_contain_text("Missing since")
    due_soon = page.locator("#my-deadlines-due-soon tr[data-rule=risk_assessment]")
    expect(due_soon).to_contain_text("due in 4 hours")
    overdue = page.locator("#my-deadlines-overdue tr[data-rule=strategy_meeting]")
    expect(overdue).to_contain_text("overdue by")
    expect(page.locator("#unread-notifications")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Sign out").click()
    signed_in(page, world.team_manager)
    expect(page.locator("#escalation-summary")).to_contain_text("breached")
    axe_check(page)
    page.locator("#escalation-summary").get_by_role("link").click()
    expect(page).to_have_url(url("casework:escalations"))


def test_home_for_mash_shows_the_triage_queue(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    now = timezone.now()
    report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(hours=3),
        reported_at=now - dt.timedelta(hours=2),
    )
    signed_in(page, world.mash_triage)
    expect(page.locator("#triage-summary")).to_contain_text("referral awaiting triage")
    axe_check(page)
    page.locator("#triage-summary").get_by_role("link").click()
    expect(page).to_have_url(url("risk:index"))
