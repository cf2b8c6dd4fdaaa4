"""An export built by a real Celery worker consuming the `reports` queue."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.urls import reverse

from reports.models import ReportExport
from tests.protocol.test_worker import ROOT, Celery
from tests.reports.support import add_episode, london

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reports_worker(transactional_db, tmp_path):
    """A worker on the `reports` queue only, with this test process's broker (the export is
    enqueued by the view, in this process), so it shares no queue with the sweep tests."""
    processes = Celery.__new__(Celery)
    processes.tmp = tmp_path
    processes.processes = []
    processes.env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missing.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
            **settings.DATABASES["default"]
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "PYTHONPATH": str(ROOT),
    }
    processes.env.pop("REPORTING_DATABASE_URL", None)
    try:
        yield processes
    finally:
        processes.stop()


def test_the_worker_builds_an_export_and_only_the_requester_downloads_it(
    client, world, reports_worker
):
    add_episode(
        world.child, london(2026, 5, 2, 12), london(2026, 5, 2, 20), reported_by=world.social_worker
    )
    reports_worker._start(
        "worker",
        "worker",
        "--queues",
        "reports",
        "--concurrency",
        "1",
        "--hostname",
        f"reports-test-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    )
    client.force_login(world.missing_coordinator)
    response = client.post(
        reverse("reports:export_create") + "?from_date=2026-05-01&to_date=2026-05-31",
        {"kind": "committee", "format": "xlsx"},
    )
    export = ReportExport.objects.get()
    assert response["Location"] == reverse("reports:export", args=[export.pk])
    progress = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in progress or "Download" in progress

    def ready() -> bool:
        export.refresh_from_db()
        return export.status == "ready"

    reports_worker.wait_until(ready, "the worker has built the export")
    assert export.rows and export.rows > 0 and export.filename.endswith(".xlsx")
    page = client.get(reverse("reports:export", args=[export.pk])).content.decode()
    assert reverse("reports:export_download", args=[export.pk]) in page
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert download.status_code == 200 and bytes(download.content).startswith(b"PK")
    client.force_login(world.team_manager)
    assert client.get(reverse("reports:export_download", args=[export.pk])).status_code == 403
