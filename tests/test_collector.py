"""The WSGI module sets the garbage collector for serving requests (core.collector)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.collector import YOUNG_THRESHOLD

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_that_loads_the_app_freezes_it_and_collects_less_often() -> None:
    # In a fresh interpreter, as a gunicorn worker imports missing.wsgi.
    probe = (
        "import gc; print(gc.get_freeze_count(), gc.get_threshold()[0]); "
        "import missing.wsgi; print(gc.get_freeze_count(), gc.get_threshold()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "missing.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    before, after = (line.split() for line in result.stdout.split("\n")[:2])
    assert before == ["0", "700"]
    frozen, threshold = int(after[0]), int(after[1])
    assert threshold == YOUNG_THRESHOLD
    # Django, the settings and the URL conf: tens of thousands of objects, never walked again.
    assert frozen > 10_000
