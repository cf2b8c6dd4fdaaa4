"""The reports in a real browser: filters, charts with tables, oversight lists, axe."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import LegalStatusFactory
from tests.reports.support import add_episode
from tests.risk.support import fill_date

HOUR = dt.timedelta(hours=1)


def test_the_missing_coordinator_reads_the_reports(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    now = timezone.now()
    LegalStatusFactory(child=world.child, status="looked_after")
    add_episode(world.child, now - 400 * HOUR, now - 390 * HOUR, reported_by=world.social_worker)
    add_episode(world.child, now - 30 * HOUR, None, reported_by=world.social_worker)

    signed_in(page, world.missing_coordinator)
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing children: committee report")
    expect(page.get_by_role("img", name="Episodes by month and category")).to_be_visible()
    expect(page.get_by_test_id("table-episodes_by_month")).to_contain_text("Total")
    axe_check(page)

    # The filters are a GET form: the report is a URL.
    page.get_by_label("Category", exact=True).select_option("absent")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(url("reports:index") + "?" + page.url.split("?", 1)[1])
    assert "category=absent" in page.url
    fill_date(page, "From", dt.date(2030, 1, 1))
    fill_date(page, "To", dt.date(2029, 1, 1))
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "must be the same as or after its start"
    )
    axe_check(page)

    page.get_by_role("link", name="Oversight lists").click()
    missing_now = page.get_by_test_id("list-missing_now")
    expect(missing_now).to_contain_text("Jamie Fictional")
    expect(missing_now).to_contain_text("Looked after (CLA)")
    axe_check(page)
    missing_now.get_by_role("link", name="Jamie Fictional").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jamie Fictional")


def test_police_have_no_reports_link(page, e2e_world, signed_in, url):
    signed_in(page, e2e_world.police_liaison)
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)
    response = page.goto(url("reports:index"))
    assert response is not None and response.status == 403
