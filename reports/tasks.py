"""The reports' Celery jobs, on their own `reports` queue (missing/celery.py routes them),
so a long export never delays the deadline sweep."""

from __future__ import annotations

from celery import shared_task

from reports.exports import build_export as build


@shared_task(name="reports.tasks.build_export", acks_late=True)
def build_export(export_id: int) -> str:
    export = build(export_id)
    return "skipped" if export is None else export.status
