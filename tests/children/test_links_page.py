"""The linked practitioners page (/children/<id>/links/): every persona; the child's
social worker, team manager and Missing Co-ordinator link and end links, with history."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from children.models import ChildLink

MAY_LINK = {"social_worker", "team_manager", "missing_coordinator"}
SEE_BUT_MAY_NOT_LINK = {"head_of_service"}


def test_every_persona_gets_the_page_only_if_they_may_link(world):
    url = reverse("children:links", args=[world.child.pk])
    for name, persona in world.every_persona().items():
        client = Client()
        if name != "anonymous":
            client.force_login(persona)
        status = client.get(url).status_code
        if name == "anonymous":
            assert status == 302, name
        elif name in MAY_LINK:
            assert status == 200, name
        elif name in SEE_BUT_MAY_NOT_LINK:
            assert status == 403, name
        else:
            assert status == 404, f"{name}: {status}"


def test_a_social_worker_links_and_ends_a_link_from_the_page(world):
    client = Client()
    client.force_login(world.social_worker)
    url = reverse("children:links", args=[world.child.pk])
    response = client.post(url, {"username": "sam", "role": "school_safeguarding_lead"})
    assert response.status_code == 302
    link = ChildLink.objects.get()
    assert (link.user, link.role, link.created_by) == (
        world.school_lead,
        "school_safeguarding_lead",
        world.social_worker,
    )
    record = client.get(reverse("casework:child_record", args=[world.child.pk])).content.decode()
    assert reverse("children:links", args=[world.child.pk]) in record
    client.post(reverse("children:link_end", args=[world.child.pk, link.pk]))
    link.refresh_from_db()
    assert link.ended_at is not None


def test_a_person_without_the_role_is_refused_and_nothing_is_linked(world):
    client = Client()
    client.force_login(world.social_worker)
    url = reverse("children:links", args=[world.child.pk])
    response = client.post(url, {"username": "olly", "role": "youth_justice"})
    assert response.status_code == 200
    assert "does not hold that role" in response.content.decode()
    response = client.post(url, {"username": "nobody-here", "role": "youth_justice"})
    assert response.status_code == 200
    assert not ChildLink.objects.exists()
