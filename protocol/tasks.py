"""Celery tasks of the protocol engine (thin: each calls a service and returns a summary).

Scheduled in missing/celery.py: `sweep` every minute, `reconcile_open_cases` nightly.
"""

from __future__ import annotations

import dataclasses

from celery import shared_task

from protocol import services


@shared_task
def sweep() -> dict:
    """Breach, meet and warn whatever has fallen due since the last sweep."""
    return services.sweep().as_dict()


@shared_task
def reconcile_open_cases() -> dict:
    """The nightly safety net: reconcile every open case."""
    return dataclasses.asdict(services.reconcile_open_cases())
