"""`manage.py purge_idempotency_records [--days 7]`: forget stored POST responses.

A retry comes within minutes or hours; after a week the stored response only takes room.
Run daily (cron or Celery beat).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from api.services import purge_idempotency_records


class Command(BaseCommand):
    help = "Delete Idempotency-Key records (and their stored responses) older than --days."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days: int, **options):
        deleted = purge_idempotency_records(before=timezone.now() - dt.timedelta(days=max(days, 1)))
        self.stdout.write(
            f"Deleted {deleted} idempotency record(s) older than {max(days, 1)} day(s)."
        )
