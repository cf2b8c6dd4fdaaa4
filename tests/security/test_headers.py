"""Headers (issue 14): a strict Content-Security-Policy and `Cache-Control: no-store` on
every page and API answer, no inline script or style for the policy to refuse, and the
API's docs served from Homeward's own origin."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.test_link_crawl import NOW, links_on, seeded  # noqa: F401 (a fixture)

STRICT = settings.CONTENT_SECURITY_POLICY


class _Inline(HTMLParser):
    """Anything a strict policy refuses: inline scripts, event handler attributes,
    <style> elements, style attributes, javascript: URLs, scripts from another origin."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            source = values.get("src")
            if not source:
                self._in_script = True
            elif not source.startswith("/") or source.startswith("//"):
                self.found.append(f"script from {source}")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style" or name.startswith("hx-on"):
                self.found.append(f"{tag} {name}={value!r}")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value!r}")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:60]!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def inline_content(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


def assert_no_store(response) -> None:
    assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


PERSONAS = ["social_worker", "police_liaison", "mash_triage", "missing_coordinator"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_a_persona_reaches_is_strict_and_not_stored(seeded, persona):  # noqa: F811
    """Each persona's crawl (as tests/test_link_crawl.py walks it): every page carries the
    strict policy and no-store, and has nothing inline for the policy to refuse."""
    client = Client()
    client.force_login(getattr(seeded, persona))
    seen: set[str] = set()
    queue = deque(["/"])
    problems: list[str] = []
    with time_machine.travel(NOW, tick=False):
        while queue and len(seen) < 150:
            path = queue.popleft()
            if path in seen or path.startswith(("/admin/", "/api/")):
                continue
            seen.add(path)
            response = client.get(path, follow=True)
            if response["Content-Security-Policy"] != STRICT:
                problems.append(f"{path}: CSP {response.get('Content-Security-Policy')!r}")
            if "no-store" not in response.get("Cache-Control", ""):
                problems.append(f"{path}: Cache-Control {response.get('Cache-Control')!r}")
            if "text/html" not in response["Content-Type"]:
                continue
            html = response.content.decode()
            problems += [f"{path}: {item}" for item in inline_content(html)]
            queue.extend(link for link in links_on(path, html) if link not in seen)
    assert len(seen) > 10, seen  # a crawl that reached nothing would prove nothing
    assert problems == []


def test_the_sign_in_and_error_pages_are_strict_too(db):
    client = Client()
    for path in ["/sign-in/", "/no-such-page/"]:
        response = client.get(path)
        assert response["Content-Security-Policy"] == STRICT
        assert_no_store(response)
        assert inline_content(response.content.decode()) == []


def test_the_policy_allows_only_self(db):
    directives = dict(part.split(" ", 1) for part in STRICT.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in STRICT


def test_static_files_keep_their_cache_lifetime(db):
    """The other side: no-store is for what Django renders, not the stylesheets."""
    response = Client().get("/static/css/homeward.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_every_api_answer_is_not_stored(world):
    client = APIClient()
    assert_no_store(client.get("/api/v1/children/"))  # 401/403, still not stored
    client.force_authenticate(world.social_worker)
    for path in [
        "/api/v1/children/",
        f"/api/v1/children/{world.child.pk}/",
        "/api/v1/episodes/",
        "/api/v1/deadlines/",
        "/api/v1/no-such-thing/",
        "/api/schema/",
    ]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_no_store(response)
        assert response["Content-Security-Policy"] == STRICT


def test_swagger_ui_is_served_from_our_origin_with_no_inline_script(db):
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert page["Content-Security-Policy"] == STRICT
    html = page.content.decode()
    assert inline_content(html) == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert b"/api/schema/" in script.content
    bundle = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200


def test_redoc_is_served_from_our_origin_with_no_inline_script(db):
    client = Client()
    page = client.get("/api/redoc/")
    assert page.status_code == 200
    html = page.content.decode()
    assert inline_content(html) == []
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    # ReDoc's own policy: its styled-components styles and search worker, still no
    # inline or foreign script.
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "worker-src blob:" in policy
    assert client.get("/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")[
        "Content-Type"
    ]
