"""Celery tasks of the protocol engine (thin: each calls a service and returns a summary).

Scheduled in missing/celery.py: `reconcile_open_cases` nightly. The sweep task, which
chains into writing and delivering notifications, is in notifications/tasks.py, where
the whole path from a breach to a delivered e-mail reads top to bottom.
"""

from __future__ import annotations

import dataclasses

from celery import shared_task

from protocol import services


@shared_task
def reconcile_open_cases() -> dict:
    """The nightly safety net: reconcile every open case."""
    return dataclasses.asdict(services.reconcile_open_cases())
