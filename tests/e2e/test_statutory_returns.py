"""The statutory returns page in a real browser: reached from the reports, errors, axe."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_coordinator_prepares_the_ssda903_files(page, e2e_world, signed_in, axe_check):
    signed_in(page, e2e_world.missing_coordinator)
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name="Statutory returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statutory returns")
    axe_check(page)

    page.get_by_label("Collection year").fill("2099")
    page.get_by_role("button", name="Prepare the SSDA903 files").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("has not started yet")
    axe_check(page)

    page.get_by_label("Collection year").fill("2025")
    page.get_by_role("button", name="Prepare the SSDA903 files").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SSDA903 return (Missing)")


def test_a_team_manager_sees_reports_but_no_returns_link(page, e2e_world, signed_in):
    signed_in(page, e2e_world.team_manager)
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("committee report")
    expect(page.get_by_role("link", name="Statutory returns")).to_have_count(0)
