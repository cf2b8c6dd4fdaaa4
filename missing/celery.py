"""The Celery app, and every periodic schedule Homeward runs (STYLE.md: one place)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")

app = Celery("missing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Exactly one beat sends the schedule: every beat process runs behind a lock in Redis,
# and a second one stands by until the first stops (missing/beat.py; decision 0022).
app.conf.beat_scheduler = "missing.beat:LockedScheduler"

# Seconds between sweeps and between outbox deliveries. A deadline falling due just after
# a sweep waits one interval for the next, so the interval is part of the 60-second budget
# from due to delivered (issue 13): 15 s leaves 45 s for the sweep, the writer and the
# delivery (bench/lag.py measures it; decision 0022). The Celery worker tests shorten
# them so a deadline falls due and is swept in seconds.
SWEEP_INTERVAL_SECONDS = float(os.environ.get("PROTOCOL_SWEEP_INTERVAL_SECONDS", "15"))
DELIVER_INTERVAL_SECONDS = float(os.environ.get("NOTIFICATIONS_DELIVER_INTERVAL_SECONDS", "60"))

app.conf.beat_schedule = {
    # Every rule of PROTOCOL.md: due deadlines are breached, and their escalations written
    # to the outbox, within seconds of falling due (ARCHITECTURE.md "How data flows" 4).
    "protocol-sweep": {
        "task": "notifications.tasks.sweep",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    # Delivery of whatever the outbox holds, in case a post-commit hand-off was lost
    # (a worker restarted between commit and enqueue).
    "notifications-deliver-pending": {
        "task": "notifications.tasks.deliver_pending",
        "schedule": DELIVER_INTERVAL_SECONDS,
    },
    # Safety net: re-run reconcile over every child with an open episode or deadline, so
    # a missed reconcile (or a changed PROTOCOL setting) is corrected within a day.
    "protocol-nightly-reconcile": {
        "task": "protocol.tasks.reconcile_open_cases",
        "schedule": crontab(hour=2, minute=30),
    },
    # The daily digest of the messages people chose to take once a day (issue 15; the
    # urgent ones, a child missing and escalations, are always sent at once).
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    # The API's Idempotency-Key records: kept a week, so a police system's retry within
    # that time returns the first response; older ones are forgotten.
    "api-purge-idempotency-records": {
        "task": "api.tasks.purge_old_idempotency_records",
        "schedule": crontab(hour=3, minute=15),
    },
}

# Three queues, each with its own worker (ARCHITECTURE.md "Scale"; decision 0014): the
# engine (the sweep, writing the notifications it owes, the nightly reconcile) never waits
# behind deliveries (a burst of breaches enqueues thousands) nor behind exports (minutes
# each). `make run` and docker compose start one worker per queue; everything else
# (deliveries, housekeeping) is on the default queue, "celery".
ENGINE_QUEUE = "engine"
REPORTS_QUEUE = "reports"
app.conf.task_routes = {
    "notifications.tasks.sweep": {"queue": ENGINE_QUEUE},
    "notifications.tasks.write_notifications": {"queue": ENGINE_QUEUE},
    "protocol.tasks.*": {"queue": ENGINE_QUEUE},
    "reports.tasks.*": {"queue": REPORTS_QUEUE},
}
