"""Admins administer, they don't read cases (issue 14, finding 3): the admin holds no
case model, no history event of one and no access grant; the access log shows a child's
reference, never their name; audit rows cannot be changed or deleted from the admin."""

from __future__ import annotations

import datetime as dt
from collections import deque

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.test import Client
from django.utils import timezone

from children.models import ChildAccessGrant, RecordAccess
from children.services import grant_child_access, record_access
from tests.factories import UserFactory
from tests.kit import report
from tests.test_link_crawl import links_on

# Everything the admin may hold: people, their teams and agencies, API keys (prefix
# only), the access log by reference, and the sign-in audit and lock-outs.
ADMINISTRATION = {
    "agencies.user",
    "agencies.agency",
    "agencies.team",
    "auth.group",
    "api.apikey",
    "children.recordaccess",
    "children.erasure",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


@pytest.fixture
def administrator(world) -> Client:
    person = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def case_data(world):
    """A child with an episode, an access log row and a grant to another person."""
    report(
        world,
        last_seen_at=timezone.now() - dt.timedelta(hours=3),
        circumstances="Left after an argument; seen near Larchfield Road.",
    )
    record_access(user=world.social_worker, child=world.child, via="GET /children/1/")
    grant = grant_child_access(
        acting_user=world.team_manager,
        child=world.child,
        user=world.outsider,
        expires_at=timezone.now() + dt.timedelta(days=7),
        reason="Covering the duty desk this week.",
    )
    return grant


def test_the_admin_holds_only_administration():
    registered = {
        f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
    }
    assert registered == ADMINISTRATION


def test_no_history_events_and_no_grants_in_the_admin(administrator, case_data):
    assert administrator.get("/admin/pghistory/events/").status_code == 404
    assert administrator.get("/admin/children/childaccessgrant/").status_code == 404
    grant_url = f"/admin/children/childaccessgrant/{case_data.pk}/change/"
    assert administrator.get(grant_url).status_code == 404
    # Editing an expired grant to extend it (the finding) has nowhere to happen.
    response = administrator.post(grant_url, {"expires_at_0": "2099-01-01"})
    assert response.status_code == 404
    assert ChildAccessGrant.objects.get(pk=case_data.pk).expires_at == case_data.expires_at


def test_no_admin_page_shows_a_childs_name_or_case_content(administrator, world, case_data):
    """Every admin page an administrator can reach, breadth first: the child's name, their
    date of birth, the episode's circumstances and the grant's reason appear on none."""
    secrets = [
        world.child.family_name,
        world.child.given_name,
        world.child.date_of_birth.isoformat(),
        "Larchfield Road",
        "Covering the duty desk",
    ]
    seen: set[str] = set()
    queue = deque(["/admin/"])
    leaks: list[str] = []
    while queue and len(seen) < 200:
        path = queue.popleft()
        if path in seen or not path.startswith("/admin/") or "logout" in path:
            continue
        seen.add(path)
        response = administrator.get(path)
        assert response.status_code in (200, 302, 403), (path, response.status_code)
        if response.status_code != 200:
            continue
        html = response.content.decode()
        leaks += [f"{path}: {secret}" for secret in secrets if secret in html]
        queue.extend(link.split("?", 1)[0] for link in links_on(path, html))
    assert "/admin/children/recordaccess/" in seen
    assert any(
        path.startswith("/admin/children/recordaccess/") and "change" in path for path in seen
    )
    assert leaks == []


def test_the_access_log_shows_the_child_by_reference(administrator, world, case_data):
    access = RecordAccess.objects.get(child=world.child)
    listing = administrator.get("/admin/children/recordaccess/").content.decode()
    assert f">{world.child.pk}<" in listing
    detail = administrator.get(f"/admin/children/recordaccess/{access.pk}/change/")
    assert detail.status_code == 200  # read, as an auditor would
    assert world.child.family_name not in detail.content.decode()


def test_the_admin_cannot_change_or_delete_the_access_log(administrator, world, case_data):
    access = RecordAccess.objects.get(child=world.child)
    delete = administrator.post(
        f"/admin/children/recordaccess/{access.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    bulk = administrator.post(
        "/admin/children/recordaccess/",
        {"action": "delete_selected", "_selected_action": [access.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    change = administrator.post(
        f"/admin/children/recordaccess/{access.pk}/change/", {"via": "GET /nothing/"}
    )
    assert change.status_code == 403
    assert RecordAccess.objects.get(pk=access.pk).via == "GET /children/1/"


def test_the_admin_cannot_delete_the_sign_in_audit_but_can_clear_a_lockout(administrator):
    log = AccessLog.objects.create(
        username="alice",
        ip_address="127.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/sign-in/",
        attempt_time=timezone.now(),
    )
    response = administrator.post(f"/admin/axes/accesslog/{log.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    bulk = administrator.post(
        "/admin/axes/accesslog/",
        {"action": "delete_selected", "_selected_action": [log.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AccessLog.objects.filter(pk=log.pk).exists()
    # The other side: a lock-out is state, not audit, and clearing it lets a person in.
    attempt = AccessAttempt.objects.create(
        username="alice",
        ip_address="127.0.0.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/sign-in/",
        attempt_time=timezone.now(),
        failures_since_start=5,
        get_data="",
        post_data="",
    )
    response = administrator.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_people_teams_and_agencies_are_deactivated_not_deleted(administrator, world):
    """Deleting would cascade into case records and audit; its summary names children."""
    for path in [
        f"/admin/agencies/user/{world.social_worker.pk}/delete/",
        f"/admin/agencies/team/{world.team.pk}/delete/",
        f"/admin/agencies/agency/{world.council.pk}/delete/",
    ]:
        assert administrator.get(path).status_code == 403, path
    # The other side: an administrator still deactivates a person.
    page = administrator.get(f"/admin/agencies/user/{world.social_worker.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_active"' in page.content.decode()
