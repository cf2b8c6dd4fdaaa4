"""Alerts for partner agencies (HAR 18.5, 24.1): high-risk children missing now, in
Homeward and as GET /api/v1/alerts/ (cursor-paged), withdrawn when the child returns;
each reader sees only the children they may see, for every persona."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from children.services import link_practitioner
from episodes.services import record_return
from tests.kit import report

HOUR = dt.timedelta(hours=1)


def alerts_api(persona) -> list[int]:
    client = APIClient()
    if persona.is_authenticated:
        client.force_authenticate(persona)
    response = client.get("/api/v1/alerts/")
    if not persona.is_authenticated:
        assert response.status_code in (401, 403)
        return []
    assert response.status_code == 200, response.content
    assert "next" in response.json(), "cursor-paged"
    return [row["child"] for row in response.json()["results"]]


def test_a_high_risk_child_missing_is_an_alert_for_those_who_see_it_until_the_return(world):
    link_practitioner(
        acting_user=world.social_worker,
        child=world.child,
        user=world.health_professional,
        role="health_named_professional",
    )
    episode = report(world, last_seen_at=timezone.now() - HOUR, police_risk="high")
    alerted = {
        name
        for name, persona in world.every_persona().items()
        if world.child.pk in alerts_api(persona)
    }
    assert alerted == {
        "social_worker",
        "team_manager",
        "missing_coordinator",
        "head_of_service",
        "mash_triage",
        "health_professional",
    }
    client = Client()
    client.force_login(world.health_professional)
    page = client.get(reverse("casework:alerts")).content.decode()
    assert "Jamie Fictional" in page and "Police grade the risk high" in page
    client.force_login(world.school_lead)
    assert "Jamie Fictional" not in client.get(reverse("casework:alerts")).content.decode()

    record_return(acting_user=world.social_worker, episode=episode, returned_at=timezone.now())
    assert alerts_api(world.health_professional) == []
    client.force_login(world.health_professional)
    assert 'id="no-alerts"' in client.get(reverse("casework:alerts")).content.decode()


def test_a_child_who_is_not_high_risk_is_no_alert(world):
    report(world, last_seen_at=timezone.now() - HOUR, police_risk="medium")
    assert alerts_api(world.social_worker) == []
