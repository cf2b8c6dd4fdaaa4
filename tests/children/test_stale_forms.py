"""Issue 14: the child's identity and Philomena profile forms carry the version of the
record they were drawn at. Two people load the form; the first saves; the second's
submission is refused with who changed it and when, and nothing of it is saved."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from children.models import Child
from core.forms import VERSION_FIELD
from tests.kit import utc

NOW = utc(2026, 6, 10, 13, 5)  # 14:05 in London (BST)
REFUSED = "changed this record at 14:05; your changes were not saved."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def form_data(page) -> dict[str, str]:
    """What the browser would send back: every field as the page drew it."""
    form = page.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else str(value)
    assert data.get(VERSION_FIELD), "the form carries the version it was drawn at"
    return data


def _two(world, client) -> tuple[Client, Client]:
    first, second = client, Client()
    first.force_login(world.team_manager)
    second.force_login(world.social_worker)
    return first, second


def test_a_stale_identity_correction_is_refused_and_changes_nothing(world, client):
    url = reverse("children:identity", args=[world.child.pk])
    first, second = _two(world, client)
    first_form, second_form = form_data(first.get(url)), form_data(second.get(url))
    assert first_form[VERSION_FIELD] == second_form[VERSION_FIELD]

    saved = first.post(url, {**first_form, "known_as": "JJ"})
    assert saved.status_code == 302, saved.content.decode()[:500]
    assert Child.objects.get(pk=world.child.pk).known_as == "JJ"

    stale = second.post(url, {**second_form, "known_as": "Jay", "school": "Elm Park"})
    assert stale.status_code == 200
    text = stale.content.decode()
    assert f"{world.team_manager.get_full_name()} {REFUSED}" in text
    assert "govuk-error-summary" in text
    child = Child.objects.get(pk=world.child.pk)
    assert (child.known_as, child.school) == ("JJ", world.child.school), "nothing saved"

    # Having now seen the record as it is, the second person sends again: saved.
    again = form_data(stale)
    assert again[VERSION_FIELD] != second_form[VERSION_FIELD]
    fresh = second.post(url, {**again, "known_as": "Jay"})
    assert fresh.status_code == 302
    assert Child.objects.get(pk=world.child.pk).known_as == "Jay"


def test_a_stale_philomena_profile_is_refused_and_changes_nothing(world, client):
    url = reverse("children:philomena", args=[world.child.pk])
    first, second = _two(world, client)
    first_form, second_form = form_data(first.get(url)), form_data(second.get(url))

    saved = first.post(url, {**first_form, "clothing_style": "Black tracksuit"})
    assert saved.status_code == 302, saved.content.decode()[:500]

    stale = second.post(url, {**second_form, "clothing_style": "School uniform"})
    assert stale.status_code == 200
    assert f"{world.team_manager.get_full_name()} {REFUSED}" in stale.content.decode()
    assert Child.objects.get(pk=world.child.pk).clothing_style == "Black tracksuit"

    fresh = second.post(url, {**form_data(stale), "clothing_style": "School uniform"})
    assert fresh.status_code == 302
    assert Child.objects.get(pk=world.child.pk).clothing_style == "School uniform"
