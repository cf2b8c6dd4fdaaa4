"""API keys stay key-only (no second factor: a police system has no one to type a code)
but expire, and record when they were last used (issue 14, decision 0015)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from api.models import ApiKey
from api.services import create_api_key
from core.actors import ENGINE
from tests.api.conftest import NOW


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_a_key_works_until_it_expires_then_answers_401_problem_json(world, frozen_clock):
    api_key, key = create_api_key(acting_user=ENGINE, user=world.police_liaison, lifetime_days=30)
    assert api_key.expires_at == NOW + dt.timedelta(days=30)
    client = _client(key)
    frozen_clock.move_to(api_key.expires_at - dt.timedelta(seconds=1))
    assert client.get("/api/v1/children/").status_code == 200
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == api_key.expires_at - dt.timedelta(
        seconds=1
    )
    frozen_clock.move_to(api_key.expires_at)
    response = client.get("/api/v1/children/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Api-Key"
    assert "expired on 2026-04-29 12:00 UTC" in response.json()["detail"]
    assert not ApiKey.objects.get(pk=api_key.pk).is_active


def test_a_new_key_lasts_a_year_by_default(world, settings):
    assert settings.API_KEY_LIFETIME_DAYS == 365
    api_key, _key = create_api_key(acting_user=ENGINE, user=world.police_liaison)
    assert api_key.expires_at == NOW + dt.timedelta(days=365)


def test_the_command_sets_the_expiry_and_says_it(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "pc_evans", "--days", "90", stdout=out, stderr=err)
    api_key = ApiKey.objects.get(user=world.police_liaison)
    assert api_key.expires_at == NOW + dt.timedelta(days=90)
    assert "expires 2026-06-28" in err.getvalue()
    with pytest.raises(CommandError, match="from 1 to 730 days"):
        call_command("create_api_key", "pc_evans", "--days", "0", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="from 1 to 730 days"):
        call_command("create_api_key", "pc_evans", "--days", "731", stdout=out, stderr=err)
    assert ApiKey.objects.count() == 1


def test_the_admin_lists_each_keys_expiry_and_last_use(world):
    from tests.factories import UserFactory

    create_api_key(acting_user=ENGINE, user=world.police_liaison, name="Force system")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/api/apikey/").content.decode()
    assert "Expires at" in page and "Last used at" in page
    assert "30 Mar 2027, 1 p.m." in page  # a year on, shown in London time
