"""The service navigation by role (issue 11): each person is shown what their role uses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

EVERYONE = ["Home", "Children", "Notifications", "Protocol"]
NAVIGATION = {
    "social_worker": ["Home", "Children", "Return interviews", "Meetings", "Notifications", "Protocol"],
    "team_manager": [
        "Home", "Children", "Return interviews", "Meetings", "Escalations", "Notifications", "Protocol",
    ],
    "mash_triage": ["Home", "Children", "MASH triage", "Notifications", "Protocol"],
    "police_liaison": EVERYONE,
    "missing_coordinator": [
        "Home", "Children", "MASH triage", "Return interviews", "Meetings", "Hotspots",
        "Escalations", "Checks asked of us", "Notifications", "Protocol",
    ],
    "senior_manager": [
        "Home", "Children", "Meetings", "Hotspots", "Escalations", "Notifications", "Protocol",
    ],
    "return_officer": ["Home", "Children", "Return interviews", "Notifications", "Protocol"],
    "panel_member": ["Home", "Children", "Meetings", "Hotspots", "Notifications", "Protocol"],
    "outsider": EVERYONE,
}  # fmt: skip


@pytest.mark.parametrize(("persona", "expected"), NAVIGATION.items())
def test_each_persona_is_shown_the_sections_their_role_uses(client, world, persona, expected):
    client.force_login(getattr(world, persona))
    response = client.get(reverse("home"))
    assert [item.label for item in response.context["navigation"]] == expected


def test_the_administrator_is_also_shown_administration(client, world):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    labels = [item.label for item in client.get(reverse("home")).context["navigation"]]
    assert labels[-1] == "Administration" and "Escalations" in labels


def test_the_current_section_is_marked(client, world):
    client.force_login(world.mash_triage)
    html = client.get(reverse("risk:index")).content.decode()
    assert 'href="/mash/" aria-current="page"' in html
    assert 'href="/" aria-current' not in html


def test_signed_out_there_is_no_navigation(client):
    assert "govuk-service-navigation__list" not in client.get(reverse("login")).content.decode()
