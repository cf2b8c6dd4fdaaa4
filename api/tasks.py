"""Housekeeping for the API, scheduled in missing/celery.py."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from api.services import purge_idempotency_records

# A retry after a week is not a retry: police systems retry within minutes.
IDEMPOTENCY_RETENTION = dt.timedelta(days=7)


@shared_task
def purge_old_idempotency_records() -> int:
    return purge_idempotency_records(before=timezone.now() - IDEMPOTENCY_RETENTION)
