"""`manage.py protocol_sweep`: one sweep now, for operators (Celery beat runs it every minute).

`--now 2026-06-12T09:00:00+01:00` sweeps as if it were that time: a drill, refused in
production, where the only clock is the real one. Only the sweep's own decisions use the
given time; a reconcile it triggers (after reclassifying an absent episode) uses the
real clock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.outbox import write_owed_notifications
from protocol.services import sweep


def parse_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"--now must be an ISO 8601 time with an offset, such as 2026-06-12T09:00:00+01:00: {error}"
        ) from error
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CommandError(
            "--now must carry its UTC offset (2026-06-12T09:00:00+01:00): naive times are refused"
        )
    return instant.astimezone(dt.UTC)


class Command(BaseCommand):
    help = (
        "Sweep the deadline ledger once: breach what is due, escalate, warn, write notifications."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="ISO 8601 time with offset to sweep at (not in production)."
        )

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            if getattr(settings, "IS_PRODUCTION", False):
                raise CommandError(
                    "--now is refused in production: the sweep runs at the real time there."
                )
            now = parse_instant(options["now"])
        result = sweep(now)
        # Written now, as a worker would straight after a scheduled sweep; the worker's
        # deliver_pending (every minute) delivers them.
        result.notifications = write_owed_notifications(now=now)
        self.stdout.write(result.summary())
