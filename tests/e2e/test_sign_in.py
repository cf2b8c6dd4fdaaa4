"""Signing in (a password, then a TOTP code) and out, lockout after repeated failures,
and the session timeout warning."""

from __future__ import annotations

import base64
import time

from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import authenticator_of, totp_code
from tests.factories import TEST_PASSWORD


def _attempt(page, url, username: str, password: str) -> None:
    page.goto(url("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_first_sign_in_sets_up_an_authenticator_then_a_backup_code_signs_in(
    page, e2e_world, axe_check, url
):
    page.goto(url("home"))
    expect(page.get_by_role("heading", name="Sign in to Homeward")).to_be_visible()
    axe_check(page)
    _attempt(page, url, "alice", "not-the-password")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )
    axe_check(page)
    _attempt(page, url, "alice", TEST_PASSWORD)
    # No authenticator yet: set one up, from the QR code or the key typed in by hand.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    axe_check(page)
    page.goto(url("notifications:index"))
    assert "/sign-in/set-up/" in page.url, "no page before the second factor"
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#authenticator-key").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    axe_check(page)
    time.sleep(1.1)  # a wrong code backs off a second
    page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Save your backup codes")).to_be_visible()
    axe_check(page)
    backup_codes = page.locator(".hw-backup-codes code").all_inner_texts()
    assert len(backup_codes) == 10
    page.get_by_role("link", name="I have saved my backup codes").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Signed in as")
    page.get_by_role("button", name="Sign out").click()

    # The next sign-in asks for a code; a backup code does instead, once.
    _attempt(page, url, "alice", TEST_PASSWORD)
    expect(page.get_by_label("Code from your authenticator app")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Use a backup code instead").click()
    page.get_by_label("Backup code").fill(backup_codes[0])
    axe_check(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have 9 left")
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("9")
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()


def test_signing_in_with_a_code_and_out(page, e2e_world, axe_check, url):
    device = authenticator_of(e2e_world.social_worker)
    _attempt(page, url, "alice", TEST_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
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
    reason = page.get_by_label("Why refer to the panel")
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
