"""Production that serves (issue 14, finding 5): the production settings collect their
static files, boot under gunicorn and serve the sign-in page and a static file; the
deploy check is clean; the demo seed refuses to run in production."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def production_env(static_root: Path) -> dict[str, str]:
    database = settings.DATABASES["default"]
    # A deployment's environment, not this test run's: the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE in this process, which no deployment may carry.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        # The test database pytest-django made: the sign-in page needs no rows.
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    # Behind the council's TLS proxy: production redirects plain HTTP to HTTPS otherwise.
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    static_root = tmp_path_factory.mktemp("staticfiles")
    result = manage(production_env(static_root), "collectstatic", "--noinput")
    assert result.returncode == 0, result.stderr
    assert (static_root / "staticfiles.json").exists()
    return static_root


@pytest.fixture
def gunicorn(collected: Path, db: None) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "missing.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=production_env(collected),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                fetch(base + "/health/")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start in 60 seconds"
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()


def test_gunicorn_serves_the_sign_in_page_and_its_static_files(gunicorn: str) -> None:
    status, headers, page = fetch(gunicorn + reverse("login"))
    assert status == 200, page
    assert "Sign in" in page
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "no-store" in headers["Cache-Control"]
    stylesheet = re.search(r'href="(/static/css/homeward\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page links the hashed stylesheet from the manifest"
    status, headers, css = fetch(gunicorn + stylesheet.group(1))
    assert status == 200
    assert "max-age=315360000" in headers["Cache-Control"]  # hashed: cached for ever
    script = re.search(r'src="(/static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js)"', page)
    assert script
    assert fetch(gunicorn + script.group(1))[0] == 200
    # And a file that is not there is a 404, not a 500.
    assert fetch(gunicorn + "/static/no-such-file.js")[0] == 404


def test_plain_http_is_redirected_to_https(gunicorn: str) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(gunicorn + reverse("login"), timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://127.0.0.1")


def test_the_deploy_check_is_clean(collected: Path) -> None:
    result = manage(production_env(collected), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_a_short_secret_key(collected: Path) -> None:
    env = {**production_env(collected), "SECRET_KEY": "too-short"}
    result = manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_seed_demo_refuses_to_run_in_production(settings, db) -> None:
    from agencies.models import User

    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run when DJANGO_ENV=production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_runs_outside_production(settings, db) -> None:
    from agencies.models import User

    settings.IS_PRODUCTION = False
    call_command("seed_demo")
    assert User.objects.filter(username__isnull=False).exists()
