"""The in-app inbox in a real browser: told by the sweep, counted in the header, read."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification
from tests.risk.support import returned_at, run_sweep_delivering_now

HOUR = dt.timedelta(hours=1)


def test_breaches_reach_the_workers_inbox_and_are_marked_read(
    page, e2e_world, signed_in, axe_check, url, settings
):
    world = e2e_world
    now = timezone.now()
    returned_at(
        world.social_worker, world.child, last_seen_at=now - 100 * HOUR, returned=now - 90 * HOUR
    )
    run_sweep_delivering_now(settings)
    mine = Notification.objects.filter(
        recipient=world.social_worker, channel="in_app", status="sent"
    )
    total = mine.count()
    assert total >= 2, "the sweep should tell the allocated worker of the breaches"

    signed_in(page, world.social_worker)
    nav_link = page.get_by_role("link", name="Notifications")
    expect(nav_link).to_contain_text(f"{total} unread")
    nav_link.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    items = page.get_by_test_id("inbox").locator("> li")
    expect(items).to_have_count(total)
    expect(page.get_by_test_id("inbox")).to_contain_text("Jamie")
    axe_check(page)

    items.first.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("link", name="Notifications")).to_contain_text(f"{total - 1} unread")
    expect(page.get_by_test_id("inbox").locator(".govuk-tag--blue")).to_have_count(total - 1)

    page.get_by_role("button", name="Mark all as read").click()
    left = total - 1
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"{left} notification{'' if left == 1 else 's'} marked as read"
    )
    expect(page.get_by_role("link", name="Notifications")).not_to_contain_text("unread")
    axe_check(page)
    assert not mine.filter(read_at__isnull=True).exists()
