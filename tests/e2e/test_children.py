"""Browser journeys: finding a child, adding one past a near-duplicate warning, and the record."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from casework.services import report_episode
from children.models import Child, RecordAccess
from episodes.services import record_return


def test_finding_a_child_and_opening_their_record(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    now = timezone.now()
    episode = report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category="missing",
        last_seen_at=now - dt.timedelta(days=10),
        reported_at=now - dt.timedelta(days=10) + dt.timedelta(minutes=20),
        police_reference="NW-2026-0099",
    )
    record_return(
        acting_user=world.social_worker, episode=episode, returned_at=now - dt.timedelta(days=9)
    )
    signed_in(page, world.social_worker)
    page.get_by_role("link", name="Children").click()
    axe_check(page)

    # htmx swaps in the results without a page load (the marker survives) and keeps the URL.
    page.evaluate("window.beforeSearch = true")
    page.get_by_label("Search by name, date of birth or police reference").fill("jamie fictionel")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_contain_text("1 child found")
    assert page.evaluate("window.beforeSearch === true")
    expect(page).to_have_url(re.compile(r"\?q=jamie(\+|%20)fictionel$"))
    axe_check(page)
    page.get_by_label("Search by name, date of birth or police reference").fill("NW-2026-0099")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Jamie Fictional").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Jamie Fictional")
    expect(page.locator("#episode-counts")).to_contain_text("1 in the last 90 days")
    expect(page.locator("tr[data-rule=return_interview] .govuk-tag")).to_have_text("Overdue")
    expect(page.locator("#timeline")).to_contain_text("Returned")
    axe_check(page)
    # The access log and the change history are pages of their own (decision 0025).
    page.get_by_role("link", name="Who opened this record").click()
    expect(page.locator("#access-log")).to_contain_text("Alice Tester")
    axe_check(page)
    page.get_by_role("link", name="Back to Jamie Fictional's record").click()
    page.get_by_role("link", name="Change history").click()
    expect(page.locator("#change-history")).to_contain_text("Return recorded")
    axe_check(page)
    assert RecordAccess.objects.filter(child=world.child, user=world.social_worker).exists()


def test_another_teams_child_is_not_found_and_their_record_is_not_there(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    signed_in(page, world.other_social_worker)
    page.goto(url("children:index") + "?q=Jamie")
    expect(page.locator("#results-heading")).to_contain_text("No children found")
    response = page.goto(url("casework:child_record", world.child.pk))
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text("Jamie")
    axe_check(page)


def test_adding_a_child_warns_of_a_possible_duplicate_first(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    signed_in(page, world.social_worker)
    page.goto(url("children:create"))
    axe_check(page)
    page.get_by_label("Given name").fill("Jaimie")
    page.get_by_label("Family name").fill("Fictional")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2010")
    page.get_by_label("Child in need").check()
    page.get_by_role("button", name="Add child").click()

    expect(page.locator("#possible-duplicates")).to_contain_text("may already be in Homeward")
    expect(page.get_by_role("link", name="Jamie Fictional")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="This is a different child: add them").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Jaimie Fictional added to Homeward."
    )
    axe_check(page)
    assert Child.objects.filter(given_name="Jaimie").count() == 1
