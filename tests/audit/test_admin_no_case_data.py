"""Admins administer, they don't read cases (issue 14): every registered admin model's
list and every one of its rows' change pages, opened as a superuser, shows no child's
name, date of birth or case content, even with case data behind every kind of row (a
notification about the child, an access event, an API key of the police officer)."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.services import create_api_key
from children.services import grant_child_access
from core.actors import ENGINE
from notifications.models import Notification
from tests.factories import UserFactory
from tests.kit import report

SECRETS = ("Fictional", "Jamie", "2010-06-01", "1 June 2010", "Larchfield", "Covering the duty")


def test_every_admin_list_and_change_page_shows_no_case_data(world):
    report(
        world,
        last_seen_at=timezone.now() - dt.timedelta(hours=3),
        circumstances="Left after an argument; seen near Larchfield Road.",
    )
    grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.outsider,
        expires_at=timezone.now() + dt.timedelta(days=7),
        reason="Covering the duty desk this week.",
    )
    create_api_key(acting_user=ENGINE, user=world.police_liaison, name="Force system")
    now = timezone.now()
    Notification.objects.create(
        recipient=world.social_worker,
        channel="in_app",
        kind="breached",
        child=world.child,
        dedupe_key="admin-walk-1",
        subject="Jamie Fictional: a deadline was breached",
        body="Jamie Fictional was last seen near Larchfield Road.",
        created_at=now,
        next_attempt_at=now,
    )
    browser = Client()
    sw = Client()
    sw.force_login(world.social_worker)
    assert sw.get(f"/children/{world.child.pk}/").status_code == 200  # an access event
    browser.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))

    pages = leaks = 0
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        urls = [changelist] + [
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
            for pk in model._default_manager.values_list("pk", flat=True)[:50]
        ]
        for url in urls:
            response = browser.get(url)
            assert response.status_code == 200, (url, response.status_code)
            pages += 1
            html = response.content.decode()
            found = [secret for secret in SECRETS if secret in html]
            leaks += len(found)
            assert not found, (url, found)
    print(f"admin walk: {len(admin.site._registry)} models, {pages} pages, {leaks} leaks")
    assert pages > len(admin.site._registry)  # change pages too, not lists alone
