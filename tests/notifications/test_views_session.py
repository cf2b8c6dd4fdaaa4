"""Staying signed in (the keep-alive behind the timeout warning) and the sign-in lockout."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from tests.factories import TEST_PASSWORD
from tests.risk.support import NOW, signed_in


def test_the_page_carries_the_session_timeout_warning_for_signed_in_people(client, world, settings):
    settings.SESSION_COOKIE_AGE = 1800
    html = signed_in(client, world.social_worker).get(reverse("home")).content.decode()
    assert 'data-timeout-seconds="1800"' in html and 'data-warning-seconds="120"' in html
    assert "we will not save it for you" in html
    assert reverse("notifications:keep_alive") in html
    client.logout()
    assert "data-session-timeout" not in client.get(reverse("login")).content.decode()


def test_keep_alive_renews_the_session(client, world, settings):
    settings.SESSION_COOKIE_AGE = 600
    with time_machine.travel(NOW, tick=False) as traveller:
        signed_in(client, world.social_worker)
        client.get(reverse("home"))
        traveller.shift(dt.timedelta(seconds=550))
        response = client.post(reverse("notifications:keep_alive"))
        assert response.status_code == 200 and response.json() == {
            "signed_in": True,
            "expires_in": 600,
        }
        traveller.shift(dt.timedelta(seconds=550))  # 1,100 s after sign-in, 550 s after keep-alive
        assert client.get(reverse("notifications:index")).status_code == 200


def test_without_keep_alive_the_session_ends(client, world, settings):
    settings.SESSION_COOKIE_AGE = 600
    with time_machine.travel(NOW, tick=False) as traveller:
        signed_in(client, world.social_worker)
        client.get(reverse("home"))
        traveller.shift(dt.timedelta(seconds=601))
        assert client.get(reverse("notifications:index")).status_code == 302
        response = client.post(reverse("notifications:keep_alive"))
        assert response.status_code == 401 and response.json() == {"signed_in": False}


def test_keep_alive_needs_a_post(client, world):
    assert (
        signed_in(client, world.social_worker).get(reverse("notifications:keep_alive")).status_code
        == 405
    )


def _sign_in(client, password):
    return client.post(reverse("login"), {"username": "alice", "password": password})


def test_five_failed_sign_ins_lock_the_account_and_show_the_locked_out_page(
    client, world, settings
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        response = _sign_in(client, "wrong-password")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()
    locked = _sign_in(client, "wrong-password")
    assert locked.status_code == 429
    assert "Your account is locked" in locked.content.decode()
    # Even the right password is refused while the lock holds.
    right = _sign_in(client, TEST_PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_four_failures_then_the_right_password_signs_in(client, world):
    for _attempt in range(4):
        _sign_in(client, "wrong-password")
    response = _sign_in(client, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.social_worker.pk)
