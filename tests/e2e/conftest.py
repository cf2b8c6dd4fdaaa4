"""Real-browser tests: pytest-playwright driving Debian's Chromium against Django's live server.

Every test here is marked ``e2e`` (the marker is added to each collected item in this folder,
so a test cannot forget it). Fixtures:

- ``browser_type_launch_args``: Debian's /usr/bin/chromium; Playwright never downloads a browser.
- ``e2e_world``: the shared ``world`` personas, in a database the live server's thread can see
  (``transactional_db``: the live server runs in another thread, so a test's transaction
  would hide the rows from it).
- ``signed_in(page, user)``: signs ``user`` in through the real sign-in form and the second
  factor's page, typing a TOTP code computed from the user's authenticator (made for them if
  they have none, as if set up before); returns the page.
- ``axe_check(page)``: runs axe-core on the page and fails on any serious or critical violation.
- ``url(name, *args)``: the live server's absolute URL for a URL name.

Time: the live server runs in another thread, so freezing time in the test does not freeze it
there. Create data relative to the real now instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD

# Playwright's sync API runs an asyncio event loop in this thread; Django refuses database
# calls from a thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
FAILING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # London time and British English, as the people using Homeward see it.
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture
def e2e_world(transactional_db, world):
    """The shared personas, committed where the live server's thread can read them."""
    return world


@pytest.fixture
def url(live_server) -> Callable[..., str]:
    def _url(name: str, *args: Any, **kwargs: Any) -> str:
        return live_server.url + reverse(name, args=args or None, kwargs=kwargs or None)

    return _url


def totp_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now, as django-otp computes it.

    A code is accepted once (django-otp keeps the last step used), so a second sign-in
    within the same 30 seconds types the next step's code, which the server's tolerance
    of one step accepts; past that, it waits for the clock.
    """
    while True:
        device.refresh_from_db()
        now_step = int((time.time() - device.t0) // device.step)
        step = max(now_step, device.last_t + 1)
        if step <= now_step + device.drift + device.tolerance:
            return f"{totp(device.bin_key, device.step, device.t0, device.digits, step - now_step):06d}"
        time.sleep(1)


def authenticator_of(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def signed_in(live_server) -> Callable[..., Any]:
    """Sign a user in through the real sign-in form and the code page, as a person would."""

    def _sign_in(page, user, password: str = TEST_PASSWORD):
        device = authenticator_of(user)
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("Username", exact=True).fill(user.get_username())
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/sign-in/code/" in page.url, f"{user.get_username()} was not asked for a code"
        page.get_by_label("Code from your authenticator app").fill(totp_code(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        assert "/sign-in/" not in page.url, f"{user.get_username()} could not sign in"
        return page

    return _sign_in


_axe = Axe()


def _describe(violation: dict[str, Any]) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} ({targets})"


@pytest.fixture
def axe_check() -> Callable[..., list[dict[str, Any]]]:
    """Run axe-core on the page; fail on serious or critical violations, listing them."""

    def _check(page, context: Any = None) -> list[dict[str, Any]]:
        results = _axe.run(page, context=context)
        violations = results.response["violations"]
        failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
        assert not failing, f"axe found accessibility violations on {page.url}:\n" + "\n".join(
            _describe(v) for v in failing
        )
        return violations

    return _check
