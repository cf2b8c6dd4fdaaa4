"""Screenshots of Homeward's main pages, for the README: `make screenshots`.

1. A fresh demo database (SCREENSHOT_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/homeward_screenshots: dropped and created each run,
   so the pictures never show anything but synthetic demo data), migrated and filled by
   `manage.py seed_demo`, then swept once (`manage.py protocol_sweep`), as beat would.
2. `manage.py runserver` on a free local port, against that database.
3. Debian's Chromium (/usr/bin/chromium, or CHROMIUM) through Playwright signs in as the
   demo personas (password `homeward-demo`, then a code from the demo authenticator key)
   and saves full-page PNGs in docs/screenshots/.

Dates on the pages are relative to today, as seed_demo makes them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
DATABASE_URL = os.environ.get(
    "SCREENSHOT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeward_screenshots"
)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "homeward-demo"
# seed_demo's DEMO_TOTP_SECRET: every demo user's authenticator key (demo only).
DEMO_TOTP_SECRET = "HOMEWARDDEMOONLYHOMEWARDDEMOONLY"


def demo_totp_code() -> str:
    """The code an authenticator app with the demo key shows now (each user has their
    own device, so one code serves every persona once)."""
    import base64

    from django_otp.oath import totp

    return f"{totp(base64.b32decode(DEMO_TOTP_SECRET)):06d}"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "DJANGO_ENV": "development",
            "DEBUG": "true",
            # The demo never sends e-mail and needs no Celery worker for these pages.
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def fresh_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str) -> None:
    # Our own interpreter and manage.py, with arguments from this file: no untrusted input.
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=environment(), check=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def web_server() -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 (our interpreter and manage.py)
        [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/sign-in/", timeout=2)  # noqa: S310 (local)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the web server did not start") from None
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def demo_ids() -> dict[str, int]:
    """Which child to show: the social worker's child missing now, and one at home."""
    os.environ.update(environment())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from children.models import Child

    mine = Child.objects.filter(
        allocations__worker__username="social_worker", allocations__ended_at__isnull=True
    )
    missing = mine.filter(episodes__returned_at__isnull=True, episodes__entered_in_error=False)
    missing_child = missing.order_by("pk").first()
    at_home = mine.exclude(pk__in=missing.values("pk")).order_by("pk").first()
    if missing_child is None or at_home is None:
        raise RuntimeError(
            "seed_demo made no missing child, or no child at home, for social_worker"
        )
    return {"missing_child": missing_child.pk, "child_at_home": at_home.pk}


def take(base: str, ids: dict[str, int]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = [
        ("social_worker", "/", "home.png"),
        ("social_worker", f"/children/{ids['missing_child']}/", "child-record.png"),
        ("social_worker", f"/episodes/report/{ids['child_at_home']}/", "report-episode.png"),
        ("social_worker", "/children/?q=a", "find-a-child.png"),
        ("mash_triage", "/mash/", "mash-triage-queue.png"),
        ("team_manager", "/escalations/", "escalation-queue.png"),
        ("return_officer", "/return-interviews/", "return-interviews.png"),
        ("team_manager", "/protocol/", "protocol.png"),
        # The top of the committee report: filters, the first chart and its table.
        ("missing_coordinator", "/reports/", "reports.png"),
    ]
    # Pages too long for one picture: the first screens only.
    first_screens = {"reports.png"}
    OUT.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        try:
            for username in dict.fromkeys(user for user, _path, _name in shots):
                context = browser.new_context(
                    viewport={"width": 1280, "height": 900},
                    locale="en-GB",
                    timezone_id="Europe/London",
                )
                page = context.new_page()
                page.goto(base + "/sign-in/")
                page.get_by_label("Username", exact=True).fill(username)
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
                # The second factor: the demo users' public authenticator key (README).
                page.get_by_label("Code from your authenticator app").fill(demo_totp_code())
                page.get_by_role("button", name="Continue").click()
                page.wait_for_load_state()
                if "/sign-in/" in page.url:
                    raise RuntimeError(f"could not sign in as {username}")
                for user, path, name in shots:
                    if user != username:
                        continue
                    response = page.goto(base + path)
                    if response is None or response.status != 200:
                        raise RuntimeError(f"{path} answered {response and response.status}")
                    target = OUT / name
                    if name in first_screens:
                        page.set_viewport_size({"width": 1280, "height": 1400})
                    page.screenshot(path=str(target), full_page=name not in first_screens)
                    saved.append(target)
                    print(f"saved {target.relative_to(ROOT)} ({username} {path})")
                context.close()
        finally:
            browser.close()
    return saved


def main() -> int:
    fresh_database()
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    # What beat does within a minute of `make run`: breach what is overdue, meet the
    # escalations, so the pages show the ledger as people would see it.
    manage("protocol_sweep")
    ids = demo_ids()
    with web_server() as base:
        take(base, ids)
    pdf_first_page()
    return 0


PDF_SCRIPT = """
import datetime as dt
from django.utils import timezone
from agencies.models import User
from core.clock import london_date
from reports.counting import default_period
from reports.pdf import committee_pack
user = User.objects.get(username="missing_coordinator")
period = default_period(london_date(timezone.now()))
parameters = {"from": period.start.isoformat(), "to": period.end.isoformat()}
open(OUT_PATH, "wb").write(committee_pack(user, parameters, suppress=False, now=timezone.now()))
"""


def pdf_first_page() -> None:
    """The PDF committee pack for the demo Missing Co-ordinator, its first page as a PNG
    (pdftoppm, from Debian's poppler-utils)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "pack.pdf"
        manage("shell", "-c", f"OUT_PATH = {str(pdf)!r}\n" + PDF_SCRIPT)
        # Debian's pdftoppm (poppler-utils), on fixed arguments: no untrusted input.
        subprocess.run(  # noqa: S603
            [
                "/usr/bin/pdftoppm",
                "-png",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(OUT / "reports-pdf"),
            ],
            check=True,
        )
    print("saved docs/screenshots/reports-pdf.png (the PDF committee pack, page 1)")


if __name__ == "__main__":
    sys.exit(main())
