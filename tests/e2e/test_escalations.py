"""The manager's escalation queue in a real browser."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import AllocationFactory, ChildFactory, LegalStatusFactory
from tests.risk.support import report_at, returned_at, run_sweep_delivering_now

HOUR = dt.timedelta(hours=1)


def test_the_manager_works_the_escalation_queue(
    page, e2e_world, signed_in, axe_check, url, settings
):
    world = e2e_world
    now = timezone.now()
    LegalStatusFactory(child=world.child, status="looked_after")
    report_at(
        world.social_worker, world.child, last_seen_at=now - 60 * HOUR, reported_at=now - 59 * HOUR
    )
    robin = ChildFactory(
        given_name="Robin", family_name="Returned", responsible_authority=world.council
    )
    AllocationFactory(
        child=robin, team=world.team, worker=world.social_worker, started_at=now - 400 * 24 * HOUR
    )
    episode = returned_at(
        world.social_worker, robin, last_seen_at=now - 100 * HOUR, returned=now - 90 * HOUR
    )
    run_sweep_delivering_now(settings)

    signed_in(page, world.team_manager)
    page.get_by_role("link", name="Escalations").first.click()
    rows = page.get_by_test_id("escalation-queue").locator("tbody tr")
    expect(rows.first).to_contain_text("Jamie Fictional")
    expect(rows.first).to_contain_text("Looked after, missing over 24 hours")
    expect(
        rows.filter(has_text="Robin Returned").filter(has_text="Return interview")
    ).to_contain_text("Breached")
    axe_check(page)

    page.get_by_label("Rule").select_option(label="Return interview")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Robin Returned")
    expect(page.get_by_label("Rule")).to_have_value("return_interview")
    axe_check(page)
    expect(rows.first.get_by_role("link", name="Robin Returned", exact=True)).to_have_attribute(
        "href", f"/children/{robin.pk}/"
    )

    rows.first.get_by_role("link", name="Record interview").click()
    expect(page.get_by_role("heading", name="Record a return interview")).to_be_visible()
    expect(page.get_by_role("checkbox").first).to_be_checked()
    assert page.url.endswith(f"/return-interviews/children/{robin.pk}/record/?episode={episode.pk}")
    axe_check(page)
