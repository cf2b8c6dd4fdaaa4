"""Return interviews in a real browser: the officer's list, one interview for two returns."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from protocol.models import Deadline
from returns.models import ReturnInterview
from tests.risk.support import fill_date, returned_at

HOUR = dt.timedelta(hours=1)


def test_the_officer_records_one_interview_covering_two_returns(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    now = timezone.now()
    earlier = returned_at(
        world.social_worker, world.child, last_seen_at=now - 100 * HOUR, returned=now - 80.5 * HOUR
    )
    later = returned_at(
        world.social_worker, world.child, last_seen_at=now - 30 * HOUR, returned=now - 10 * HOUR
    )

    signed_in(page, world.return_officer)
    page.get_by_role("link", name="Return interviews").first.click()
    rows = page.get_by_test_id("awaiting-interview").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("overdue by 8 hours")
    expect(rows.nth(1)).to_contain_text("due in 2 days")
    axe_check(page)

    rows.nth(1).get_by_role("link", name="Record interview").click()
    expect(page.get_by_role("heading", name="Record a return interview")).to_be_visible()
    expect(page.get_by_test_id("independence-warning")).to_have_count(0)
    episodes = page.get_by_role("group", name="Episodes this interview covers")
    expect(episodes.get_by_role("checkbox")).to_have_count(2)
    expect(episodes.get_by_role("checkbox").nth(0)).to_be_checked()  # the later one, from the link
    episodes.get_by_role("checkbox").nth(1).check()
    fill_date(page, "When the interview was offered", now - 2 * HOUR)
    fill_date(page, "Attempt 1: when", now - 3 * HOUR)
    page.get_by_label("Attempt 1: how").select_option("phone")
    page.get_by_role("group", name="Outcome").get_by_label("Held").check()
    fill_date(page, "When the interview was held", now - HOUR)
    page.get_by_role("group", name="Was the child seen alone?").get_by_label("Yes").check()
    page.get_by_label("Conflict at home or placement").check()
    page.get_by_label("Exploitation or grooming").check()
    page.get_by_label("Disclosures").fill("Was given money to carry a package.")
    page.get_by_label("Follow-up actions").fill("Refer to the exploitation panel.")
    axe_check(page)
    page.get_by_role("button", name="Save interview").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Return interview recorded"
    )
    expect(page.get_by_test_id("outcome")).to_contain_text("Held")
    expect(page.locator("main")).to_contain_text("Conflict at home or placement")
    expect(page.locator("main")).to_contain_text("Exploitation or grooming")
    axe_check(page)
    interview = ReturnInterview.objects.get()
    assert set(interview.episodes.all()) == {earlier, later}
    assert interview.seen_alone is True and interview.attempts.count() == 1
    assert set(
        Deadline.objects.filter(rule="return_interview").values_list("status", flat=True)
    ) == {"met"}

    page.get_by_role("link", name="Return interviews").first.click()
    expect(page.locator("main")).to_contain_text("No returns are waiting for an interview.")


def test_the_allocated_worker_is_warned_they_are_not_independent(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    now = timezone.now()
    returned_at(
        world.social_worker, world.child, last_seen_at=now - 30 * HOUR, returned=now - 10 * HOUR
    )
    signed_in(page, world.social_worker)
    page.goto(url("returns:record", world.child.pk))
    expect(page.get_by_test_id("independence-warning")).to_contain_text("allocated social worker")
    axe_check(page)
