"""The WSGI module sets the garbage collector for serving requests (core.collector)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.collector import MIDDLE_EVERY, SAFETY_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent

# In a fresh interpreter, as a gunicorn worker imports missing.wsgi, then serves requests
# through the WSGI application as a server does: call it, write the body, close it.
PROBE = """
import gc, json, sys
before = [gc.get_freeze_count(), gc.get_threshold()[0]]
import missing.wsgi
after = [gc.get_freeze_count(), gc.get_threshold()[0]]
from wsgiref.util import setup_testing_defaults
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
requests = []
for _ in range(MIDDLE_EVERY):
    environ = {"PATH_INFO": "/accessibility/", "HTTP_HOST": "localhost"}
    setup_testing_defaults(environ)
    collections.clear()
    statuses = []
    body = missing.wsgi.application(environ, lambda status, headers: statuses.append(status))
    for _chunk in body:
        pass
    during = list(collections)
    body.close()
    requests.append({"status": statuses[0], "during": during, "after": collections[len(during):]})
print(json.dumps({"before": before, "after": after, "requests": requests}))
""".replace("MIDDLE_EVERY", str(MIDDLE_EVERY))


def _probe() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "missing.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_worker_freezes_the_app_and_collects_after_each_response_never_during_it() -> None:
    probe = _probe()
    assert probe["before"] == [0, 700]
    frozen, threshold = probe["after"]
    assert threshold == SAFETY_THRESHOLD
    # Django, the settings and the URL conf: tens of thousands of objects, never walked again.
    assert frozen > 10_000
    requests = probe["requests"]
    assert all(request["status"].startswith("200") for request in requests), requests
    # Nothing collected while the page was built and written; one collection once the
    # server closed the response: the young generation, and the middle one every tenth.
    assert [request["during"] for request in requests] == [[]] * MIDDLE_EVERY
    assert [request["after"] for request in requests] == [[0]] * (MIDDLE_EVERY - 1) + [[1]]
