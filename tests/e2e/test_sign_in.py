"""Signing in and out, lockout after repeated failures, and the session timeout warning."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD


def _attempt(page, url, username: str, password: str) -> None:
    page.goto(url("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_signing_in_and_out(page, e2e_world, axe_check, url):
    page.goto(url("home"))
    expect(page.get_by_role("heading", name="Sign in to Homeward")).to_be_visible()
    axe_check(page)
    _attempt(page, url, "alice", "not-the-password")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )
    axe_check(page)
    _attempt(page, url, "alice", TEST_PASSWORD)
    expect(page.locator("header")).to_contain_text("Signed in as")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "You have signed out"
    )
    page.goto(url("notifications:index"))
    assert "/sign-in/" in page.url


def test_five_failed_sign_ins_lock_the_account(page, e2e_world, axe_check, url, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt_number in range(4):
        _attempt(page, url, "alice", "wrong-password")
        expect(page.locator(".govuk-error-summary")).to_be_visible()
    _attempt(page, url, "alice", "wrong-password")
    expect(page.get_by_role("heading", name="Your account is locked")).to_be_visible()
    axe_check(page)
    _attempt(page, url, "alice", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="Your account is locked")).to_be_visible()
    page.goto(url("home"))
    assert "/sign-in/" in page.url


def test_the_session_timeout_warns_offers_to_stay_and_never_loses_a_half_filled_form(
    page, e2e_world, signed_in, axe_check, url, settings
):
    # A short session: the warning shows when 4 of its 8 seconds are left.
    settings.SESSION_COOKIE_AGE = 8
    world = e2e_world
    signed_in(page, world.social_worker)
    page.goto(url("panels:refer", world.child.pk))
    reason = page.get_by_label("Why refer to the exploitation panel")
    reason.fill("Seen with older men near the station.")

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("You will be signed out soon", timeout=8000)
    expect(dialog).to_contain_text("we will not save it for you")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    axe_check(page)
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()

    # Leaving the page with unsaved changes asks first; staying keeps what was typed.
    prompts = []

    def stay_on_page(prompt):
        prompts.append(prompt.type)
        prompt.dismiss()

    page.on("dialog", stay_on_page)
    page.get_by_role("link", name="Home").first.click()
    page.wait_for_timeout(500)
    assert prompts == ["beforeunload"]
    assert "/refer/" in page.url
    expect(reason).to_have_value("Seen with older men near the station.")

    # Ignored, the warning runs out: the page says so, saves nothing, keeps the answers.
    expect(dialog).to_contain_text("You have been signed out", timeout=12000)
    expect(dialog).to_contain_text("nothing on this page was saved")
    dialog.get_by_role("button", name="Close and copy my answers").click()
    expect(dialog).to_be_hidden()
    expect(reason).to_have_value("Seen with older men near the station.")
    from panels.models import PanelReferral

    assert not PanelReferral.objects.exists()
