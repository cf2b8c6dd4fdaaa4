"""Browser journeys: reporting an episode (keyboard only), the refusals, and what follows:
the return, the safe and well check, reclassification, entered in error.

The live server runs in another thread, so time is not frozen: times are relative to now.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from casework.services import report_episode
from core.clock import LONDON
from episodes.models import Episode, Reclassification, SafeAndWellCheck
from episodes.services import record_return


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`: keyboard only, no clicks."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def london_parts(instant: dt.datetime) -> tuple[str, str, str, str]:
    local = instant.astimezone(LONDON)
    return str(local.day), str(local.month), str(local.year), f"{local:%H:%M}"


def test_reporting_an_episode_with_the_keyboard_alone(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    signed_in(page, world.social_worker)
    page.goto(url("casework:child_record", world.child.pk))
    axe_check(page)

    tab_to(page, f"a[href$='/episodes/report/{world.child.pk}/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Report an episode")).to_be_visible()
    axe_check(page)
    # A twelve-year-old would not be offered "absent"; Jamie is 16 and is.
    expect(page.locator("input[name=category][value=absent]")).to_have_count(1)

    last_seen = timezone.now() - dt.timedelta(hours=2)
    day, month, year, time = london_parts(last_seen)
    tab_to(page, "#id_last_seen_day")
    page.keyboard.type(day)
    page.keyboard.press("Tab")
    page.keyboard.type(month)
    page.keyboard.press("Tab")
    page.keyboard.type(year)
    page.keyboard.press("Tab")
    page.keyboard.type(time)
    tab_to(page, "#id_last_seen_location")
    page.keyboard.type("Northwick bus station")
    tab_to(page, "input[name=missing_from][value=home]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=category]")
    page.keyboard.press("Space")  # the first option: missing
    tab_to(page, "#id_circumstances")
    page.keyboard.type("Left school at lunchtime and did not come home.")
    tab_to(page, "input[name=reported_to_police][value=yes]")
    page.keyboard.press("Space")
    tab_to(page, "#id_police_reference")
    page.keyboard.type("NW-E2E-0001")
    tab_to(page, "button[type=submit]:not(.govuk-password-input__toggle)")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Missing episode reported for Jamie Fictional")
    expect(page.locator("#episode-deadlines tr[data-rule=risk_assessment]")).to_contain_text(
        "due in"
    )
    axe_check(page)
    episode = Episode.objects.get(child=world.child)
    assert episode.police_reference == "NW-E2E-0001"
    assert abs(episode.last_seen_at - last_seen.replace(second=0, microsecond=0)) < dt.timedelta(
        seconds=1
    )


def test_an_impossible_time_is_refused_with_the_error_summary(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    signed_in(page, world.social_worker)
    page.goto(url("episodes:report", world.child.pk))
    tomorrow = timezone.now() + dt.timedelta(days=1)
    day, month, year, time = london_parts(tomorrow)
    page.locator("#id_last_seen_day").fill(day)
    page.locator("#id_last_seen_month").fill(month)
    page.locator("#id_last_seen_year").fill(year)
    page.locator("#id_last_seen_time").fill(time)
    page.locator("#id_last_seen_location").fill("Home")
    page.locator("input[name=missing_from][value=home]").check()
    page.locator("input[name=category][value=missing]").check()
    page.locator("input[name=reported_to_police][value=no]").check()
    page.get_by_role("button", name="Report episode").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The time last seen cannot be in the future.")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(page).to_have_title(re.compile(r"^Error: "))
    axe_check(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_last_seen_day")).to_be_focused()
    assert not Episode.objects.exists()


def _open_episode(world, hours_ago: float = 5, category: str = "missing") -> Episode:
    now = timezone.now()
    return report_episode(
        acting_user=world.social_worker,
        child=world.child,
        category=category,
        last_seen_at=now - dt.timedelta(hours=hours_ago),
        reported_at=now - dt.timedelta(hours=hours_ago - 1),
    )


def _fill_when(page, prefix: str, instant: dt.datetime) -> None:
    day, month, year, time = london_parts(instant)
    page.locator(f"#id_{prefix}_day").fill(day)
    page.locator(f"#id_{prefix}_month").fill(month)
    page.locator(f"#id_{prefix}_year").fill(year)
    page.locator(f"#id_{prefix}_time").fill(time)


def test_recording_the_return_and_the_safe_and_well_check(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    episode = _open_episode(world)
    signed_in(page, world.social_worker)
    page.goto(url("episodes:detail", episode.pk))
    axe_check(page)
    page.get_by_role("link", name="Record the return").click()
    axe_check(page)
    _fill_when(page, "returned", timezone.now() - dt.timedelta(hours=1))
    page.get_by_label("Where were they found, or where did they return to?").fill("Home")
    page.get_by_label("Returned of their own accord").check()
    page.get_by_role("button", name="Record return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Return recorded")
    expect(page.locator("tr[data-rule=return_interview]")).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="Record the safe and well check").click()
    _fill_when(page, "checked", timezone.now() - dt.timedelta(minutes=30))
    page.get_by_label("Officer who carried out the check (optional)").fill("PC Evans")
    page.get_by_role("button", name="Record check").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Safe and well check recorded."
    )
    expect(page.locator("tr[data-rule=safe_and_well_check] .govuk-tag")).to_have_text("Met")
    axe_check(page)
    episode.refresh_from_db()
    assert episode.returned_at is not None
    assert SafeAndWellCheck.objects.filter(episode=episode, officer_name="PC Evans").exists()


def test_reclassifying_absent_to_missing_with_the_reason(
    page, e2e_world, signed_in, axe_check, url
):
    world = e2e_world
    episode = _open_episode(world, hours_ago=3, category="absent")
    signed_in(page, world.social_worker)
    page.goto(url("episodes:detail", episode.pk))
    page.get_by_role("link", name="Reclassify").click()
    axe_check(page)
    page.get_by_role("button", name="Reclassify").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the new category")
    axe_check(page)
    page.get_by_label("Missing", exact=True).check()
    page.get_by_label("Why is the episode being reclassified?").fill("No contact; phone off.")
    page.get_by_role("button", name="Reclassify").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Episode reclassified."
    )
    expect(page.locator("#reclassifications")).to_contain_text("No contact; phone off.")
    axe_check(page)
    assert Reclassification.objects.get(episode=episode).to_category == "missing"


def test_a_manager_marks_an_episode_entered_in_error(page, e2e_world, signed_in, axe_check, url):
    world = e2e_world
    episode = _open_episode(world)
    record_return(
        acting_user=world.social_worker,
        episode=episode,
        returned_at=timezone.now() - dt.timedelta(hours=1),
    )
    signed_in(page, world.team_manager)
    page.goto(url("episodes:detail", episode.pk))
    page.get_by_role("link", name="Mark as entered in error").click()
    axe_check(page)
    page.get_by_label("Why was this episode entered in error?").fill("Reported twice by mistake")
    page.get_by_role("button", name="Mark as entered in error").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Its deadlines are cancelled."
    )
    expect(page.locator("#episode-deadlines .govuk-tag").first).to_have_text("Cancelled")
    axe_check(page)
    episode.refresh_from_db()
    assert episode.entered_in_error
