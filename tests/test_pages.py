"""The service's own pages (issue 11): error pages in its style and never a debug page,
a favicon, a council brand rather than GOV.UK's, the accessibility statement and privacy
notice, and what a printed page carries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.risk.support import report

ROOT = Path(__file__).resolve().parent.parent
DEBUG_MARKERS = ("Traceback", "You're seeing this error because you have", "technical_500")


def test_production_settings_turn_debug_off():
    """DJANGO_ENV=production, read by a fresh interpreter as a deployment would."""
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "p" * 60,
        "ALLOWED_HOSTS": "homeward.example",
        "DJANGO_SETTINGS_MODULE": "missing.settings",
    }
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


@override_settings(DEBUG=False)
def test_a_page_that_does_not_exist_is_the_services_404(client, world):
    client.force_login(world.social_worker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    assert 'class="govuk-service-navigation' in html
    assert not any(marker in html for marker in DEBUG_MARKERS)


@override_settings(DEBUG=False)
def test_a_refused_page_is_the_services_403(client, world):
    """The Assistant Director sees the child but does not rate risk: told so, kindly."""
    report(world)
    client.force_login(world.senior_manager)
    response = client.get(reverse("risk:assess", args=[world.child.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html
    assert not any(marker in html for marker in DEBUG_MARKERS)


@override_settings(DEBUG=False, ROOT_URLCONF="tests.error_urls")
def test_a_failure_is_the_services_500_with_no_debug_detail(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.social_worker)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "a bug the tests put here on purpose" not in html
    assert not any(marker in html for marker in DEBUG_MARKERS)


def test_the_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == settings.STATIC_URL + "favicon.svg"
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page


def test_the_brand_is_the_councils_arial_and_no_crown(client):
    css = (ROOT / "static/vendor/govuk-frontend/govuk-frontend.min.css").read_text()
    assert "GDS Transport" not in css and "govuk-crest" not in css
    assert "font-family:arial,sans-serif" in css
    assert not (ROOT / "static/vendor/govuk-frontend/assets/fonts").exists()
    page = client.get(reverse("login")).content.decode()
    for brand in ("govuk-header__logo", "crown", "GOV.UK", "Crown copyright"):
        assert brand not in page


@pytest.mark.parametrize("name", ["accessibility", "privacy"])
def test_the_accessibility_statement_and_privacy_notice_are_public_and_in_the_footer(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert f'class="govuk-footer__link" href="{reverse(name)}"' in response.content.decode()


def test_a_printed_page_is_marked_official_sensitive_with_who_printed_it(client, world):
    client.force_login(world.social_worker)
    html = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert "<strong>OFFICIAL-SENSITIVE</strong> · Printed by Alice Tester," in html
    css = (ROOT / "static/css/homeward.css").read_text()
    print_rules = css[css.index("@media print") :]
    for hidden in (".govuk-service-navigation__wrapper", ".govuk-button", ".govuk-footer"):
        assert hidden in print_rules
    assert ".govuk-details__text" in print_rules


def test_no_one_signed_out_is_shown_a_print_marking_with_no_name(client):
    assert "OFFICIAL-SENSITIVE" not in client.get(reverse("login")).content.decode()
