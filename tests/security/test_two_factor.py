"""A second factor for every browser user (issue 14, decision 0015).

A person signed in with a password only sees nothing but the pages that finish signing
in: every URL of the site, the admin and the API's session use included, sends them to
set up an authenticator app (no device yet) or to enter a code (a device). A TOTP code,
or a single-use backup code, verifies the session; wrong codes back off.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from pathlib import Path

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.services import AUTHENTICATOR_NAME, reset_second_factor
from core.errors import NotAllowed
from tests.conftest import force_login_unverified
from tests.factories import TEST_PASSWORD, UserFactory
from tests.security.test_headers import inline_content

OPEN = {
    reverse("login"),
    reverse("logout"),
    reverse("two_factor_setup"),
    reverse("two_factor_challenge"),
    reverse("two_factor_backup_code"),
    reverse("accessibility"),
    reverse("privacy"),
    reverse("protocol:health"),
    "/favicon.ico",
}
CONVERTERS = {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "str": "x", "path": "x"}


def every_path() -> list[str]:
    """One concrete path for every URL pattern of the site (route patterns; the admin's
    regex ones are covered by its index and change lists)."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if route.startswith("^"):
                continue
            route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTERS[m.group(1) or "str"], route)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                paths.append("/" + prefix + route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths) - OPEN)


def code_for(device: TOTPDevice, *, step_offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=step_offset):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)


def test_every_page_sends_a_person_without_a_second_factor_to_set_one_up(world):
    client = Client()
    force_login_unverified(client, world.social_worker)
    paths = every_path()
    assert len(paths) > 80, paths
    setup = reverse("two_factor_setup")
    for path in paths:
        response = client.get(path)
        if path.startswith("/api/"):
            assert response.status_code == 401, path
            assert response["Content-Type"] == "application/problem+json", path
            assert "second_factor_required" in response.json()["type"]
        else:
            assert response.status_code == 302, path
            assert response["Location"].startswith(setup + "?next="), (path, response["Location"])
    # Posting is refused the same way: nothing is changed on a password alone.
    response = client.post(reverse("notifications:keep_alive"))
    assert response.status_code == 302 and response["Location"] == setup


def test_every_page_sends_a_person_with_an_authenticator_to_enter_a_code(world):
    confirmed_device(world.police_liaison)
    client = Client()
    force_login_unverified(client, world.police_liaison)
    challenge = reverse("two_factor_challenge")
    for path in every_path():
        response = client.get(path)
        if not path.startswith("/api/"):
            assert response["Location"].startswith(challenge + "?next="), path


def test_the_admin_is_behind_the_second_factor_too(world):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    force_login_unverified(client, admin)
    for path in ["/admin/", "/admin/agencies/user/", f"/admin/agencies/user/{admin.pk}/change/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("two_factor_setup"))
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_htmx_requests_are_sent_to_the_whole_page(world):
    client = Client()
    force_login_unverified(client, world.social_worker)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("two_factor_setup"))


def test_the_sign_in_page_leads_to_set_up_then_backup_codes_then_the_page_asked_for(world):
    client = Client()
    asked_for = reverse("notifications:index")
    response = client.post(
        reverse("login") + f"?next={asked_for}",
        {"username": "alice", "password": TEST_PASSWORD, "next": asked_for},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_setup") + "?next=%2Fnotifications%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<svg" in html and 'aria-label="QR code' in html
    assert inline_content(html) == [], "the set-up page must pass the strict CSP"
    device = TOTPDevice.objects.get(user=world.social_worker, confirmed=False)
    secret = page.context["secret"].replace(" ", "")
    assert len(secret) == 32  # 20 random bytes in base32

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000", "next": asked_for})
    assert wrong.status_code == 200
    assert "The code is not right" in wrong.content.decode()
    assert client.get(asked_for).status_code == 302

    # The wrong code backed off for a second: wait it out, then the right one.
    time.sleep(1.1)
    done = client.post(reverse("two_factor_setup"), {"code": code_for(device), "next": asked_for})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "Save your backup codes" in done.content.decode()
    assert TOTPDevice.objects.get(user=world.social_worker).confirmed
    assert client.get(asked_for).status_code == 200


def test_a_code_signs_in_once_and_a_replayed_code_is_refused(world):
    device = confirmed_device(world.social_worker)
    first, second = Client(), Client()
    for client in (first, second):
        client.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD})
    code = code_for(device)
    response = first.post(reverse("two_factor_challenge"), {"code": code, "next": "/children/"})
    assert response.status_code == 302 and response["Location"] == "/children/"
    assert first.get(reverse("home")).status_code == 200
    replayed = second.post(reverse("two_factor_challenge"), {"code": code})
    assert replayed.status_code == 200
    assert "already used" in replayed.content.decode()
    assert second.get(reverse("home")).status_code == 302


def test_a_code_in_other_digits_than_ascii_is_refused_as_not_a_code(world):
    device = confirmed_device(world.social_worker)
    client = Client()
    client.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD})
    # The right code, in Arabic-Indic digits: str.isdigit() and int() both accept it.
    code = code_for(device).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = client.post(reverse("two_factor_challenge"), {"code": code})
    assert response.status_code == 200
    assert "Enter the 6-digit code from your authenticator app." in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_a_next_to_another_site_is_not_followed(world):
    device = confirmed_device(world.social_worker)
    client = Client()
    client.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD})
    response = client.post(
        reverse("two_factor_challenge"),
        {"code": code_for(device), "next": "https://attacker.example/"},
    )
    assert response["Location"] == reverse("home")


def test_wrong_codes_back_off_so_the_right_code_waits(world):
    device = confirmed_device(world.social_worker)
    client = Client()
    client.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD})
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        for _attempt in range(4):
            client.post(reverse("two_factor_challenge"), {"code": "123456"})
            traveller.shift(dt.timedelta(seconds=0.5))
        device.refresh_from_db()
        assert device.throttling_failure_count >= 1
        # After the failures, the next wait has not passed: even the right code waits.
        refused = client.post(reverse("two_factor_challenge"), {"code": code_for(device)})
        assert "too many wrong codes" in refused.content.decode()
        assert client.get(reverse("home")).status_code == 302
        traveller.shift(dt.timedelta(seconds=2**device.throttling_failure_count))
        accepted = client.post(reverse("two_factor_challenge"), {"code": code_for(device)})
        assert accepted.status_code == 302
        assert client.get(reverse("home")).status_code == 200
        device.refresh_from_db()
        assert device.throttling_failure_count == 0


def test_a_backup_code_signs_in_once(world):
    client = Client()
    client.force_login(world.social_worker)
    codes = client.post(reverse("two_factor_new_backup_codes")).context["codes"]
    assert StaticToken.objects.filter(device__user=world.social_worker).count() == 10

    for attempt, expected in [(codes[0], 302), (codes[0], 200)]:
        other = Client()
        other.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD})
        response = other.post(reverse("two_factor_backup_code"), {"code": codes[0].upper()})
        assert response.status_code == expected, attempt
        time.sleep(1.1)  # the refused second use backs off a second
    assert StaticToken.objects.filter(device__user=world.social_worker).count() == 9


def test_new_backup_codes_replace_the_old_ones(world):
    client = Client()
    client.force_login(world.social_worker)
    old = client.post(reverse("two_factor_new_backup_codes")).context["codes"]
    new = client.post(reverse("two_factor_new_backup_codes")).context["codes"]
    assert not set(old) & set(new)
    held = set(
        StaticToken.objects.filter(device__user=world.social_worker).values_list("token", flat=True)
    )
    assert held == set(new)
    page = client.get(reverse("two_factor_manage")).content.decode()
    assert "Backup codes left" in page and ">10<" in page


def test_an_administrator_resets_a_lost_authenticator_and_a_manager_cannot(world):
    confirmed_device(world.social_worker)
    with pytest.raises(NotAllowed):
        reset_second_factor(acting_user=world.team_manager, user=world.social_worker)
    assert TOTPDevice.objects.filter(user=world.social_worker).exists()

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/agencies/user/",
        {"action": "reset_second_factor", "_selected_action": [world.social_worker.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.social_worker).exists()
    entry = LogEntry.objects.get(object_id=str(world.social_worker.pk))
    assert entry.user == admin and "Reset two-factor" in entry.get_change_message()

    # At the next sign-in, the person sets up a new authenticator.
    person = Client()
    response = person.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD})
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_the_admin_shows_no_ones_authenticator_key(world):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_an_api_key_needs_no_second_factor(world):
    from api.services import create_api_key
    from core.actors import ENGINE

    _api_key, key = create_api_key(acting_user=ENGINE, user=world.police_liaison)
    response = Client().get("/api/v1/episodes/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200


def test_demo_users_sign_in_with_the_documented_demo_key(db, settings):
    """`make run`: every demo user has the README's public authenticator key."""
    import base64
    import io

    from django.core.management import call_command

    from agencies.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    settings.IS_PRODUCTION = False
    call_command("seed_demo", stdout=io.StringIO())
    assert DEMO_TOTP_SECRET in Path("README.md").read_text()
    key = base64.b32decode(DEMO_TOTP_SECRET)
    client = Client()
    response = client.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD})
    assert response["Location"].startswith(reverse("two_factor_challenge"))
    response = client.post(reverse("two_factor_challenge"), {"code": f"{totp(key):06d}"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    # Seeding again keeps one demo device per person.
    call_command("seed_demo", stdout=io.StringIO())
    assert TOTPDevice.objects.filter(user__username="admin").count() == 1


# Decision 0019: the verified device is read once a session, and read again after any
# change that takes a second factor away.


def _device_reads(client: Client, path: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    reads = sum("otp_totp_totpdevice" in query["sql"] for query in captured.captured_queries)
    return response.status_code, reads


def test_a_verified_session_reads_its_device_once_not_on_every_page(world):
    client = Client()
    client.force_login(world.social_worker)
    assert _device_reads(client, reverse("home")) == (200, 1)
    assert _device_reads(client, reverse("home")) == (200, 0)
    assert _device_reads(client, reverse("home")) == (200, 0)


@pytest.mark.parametrize(
    "take_away",
    [
        pytest.param(lambda user: TOTPDevice.objects.filter(user=user).delete(), id="deleted"),
        pytest.param(
            lambda user: TOTPDevice.objects.filter(user=user).update(confirmed=False),
            id="unconfirmed",
        ),
        pytest.param(
            lambda user: TOTPDevice.objects.filter(user=user).update(
                user=UserFactory(username="someone_else")
            ),
            id="given to another person",
        ),
    ],
)
def test_a_device_taken_away_ends_the_verified_session_at_the_next_request(world, take_away):
    client = Client()
    client.force_login(world.social_worker)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("home")).status_code == 200  # trusted from the session now
    take_away(world.social_worker)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(
        (reverse("two_factor_challenge"), reverse("two_factor_setup"))
    )


def test_an_administrators_reset_ends_the_persons_verified_session_at_once(world):
    client = Client()
    client.force_login(world.social_worker)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    reset_second_factor(acting_user=admin, user=world.social_worker)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_a_stale_save_of_the_person_cannot_undo_the_record_of_a_device_taken_away(world):
    person = type(world.social_worker).objects.get(pk=world.social_worker.pk)
    confirmed_device(person)
    before = person.second_factor_epoch
    TOTPDevice.objects.filter(user=person).delete()
    person.job_title = "Senior practitioner"
    person.save()  # the instance still holds the epoch read before the delete
    person.refresh_from_db()
    assert person.second_factor_epoch == before + 1


def test_new_backup_codes_unverify_a_session_signed_in_with_the_old_ones(world):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    confirmed_device(world.social_worker)
    codes = StaticDevice.objects.create(user=world.social_worker, name="Backup", confirmed=True)
    client = Client()
    client.force_login(world.social_worker)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = codes.persistent_id
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("home")).status_code == 200
    StaticDevice.objects.filter(pk=codes.pk).delete()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_challenge"))
