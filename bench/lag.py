"""Benchmark: lag from due to delivered, with a real Celery beat and workers.

    .venv/bin/python bench/lag.py                         # 300 deadlines due over 120 s
    .venv/bin/python bench/lag.py --deadlines 600 --window 240
    .venv/bin/python bench/lag.py --burst 10000           # and 10,000 due at once at the start

Runs on the sweep benchmark's database (`homeward_bench`, 7,000,000 deadlines: run
bench/sweep.py first) and its Redis database (BENCH_REDIS_URL, emptied first). Starts, as
in production (decision 0014), one beat (missing.beat.LockedScheduler, the sweep every
PROTOCOL_SWEEP_INTERVAL_SECONDS, default 15), one worker on the `engine` queue and one
on `celery` (deliveries, concurrency 2), with e-mail to Django's dummy backend (accepted
and dropped: the time measured is Homeward's, not a mail server's).

Adds `--deadlines` deadlines of the benchmark's rules for as many children, due one after
another over `--window` seconds from 20 s after the start, then waits until every
notification they owe is sent. For each deadline: due to breached (the sweep's time),
due to written (the outbox row's), and due to delivered (the last of its rows sent).
Prints p50, p95 and the worst. The ledger's open deadlines (dated June 2026, the sweep
benchmark's "now") are moved a week past today for the run, so the real clock's sweeps
find only this run's deadlines, and moved back afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sweep as bench  # noqa: E402  (sets the benchmark's environment)

ROOT = bench.ROOT
# The benchmark's rules that breach (the engine's own escalation is met, and its message,
# "missing now", is withdrawn for the benchmark's returned episodes rather than sent).
RULES = [(rule, owner) for rule, owner in bench.RULES if rule != "manager_escalation"]
CELERY = str(Path(sys.executable).with_name("celery"))


def start(name: str, args: list[str], env: dict, tmp: Path) -> subprocess.Popen:
    log = (tmp / f"{name}.log").open("w")
    return subprocess.Popen(  # noqa: S603 - our own programs
        [CELERY, "-A", "missing", *args, "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def shift_open_deadlines(cursor, by: dt.timedelta) -> int:
    """Move the ledger's open and scheduled deadlines (not this run's) by `by`."""
    cursor.execute("SET session_replication_role = replica")  # no history rows for this
    cursor.execute(
        "UPDATE protocol_deadline SET opens_at = opens_at + %s, due_at = due_at + %s, "
        "due_soon_at = due_soon_at + %s WHERE status IN ('open', 'scheduled') "
        "AND key LIKE 'bench:%%'",
        [by, by, by],
    )
    moved = cursor.rowcount
    cursor.execute("SET session_replication_role = origin")
    return moved


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deadlines", type=int, default=300)
    parser.add_argument("--window", type=float, default=120.0, help="seconds they fall due over")
    parser.add_argument("--burst", type=int, default=0, help="more deadlines due at the start")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    # Stopped with SIGTERM, still stop the workers and move the ledger back (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.utils import timezone

    from notifications.models import DeliveryStatus, Notification
    from protocol.models import Deadline

    if not bench.loaded(bench.TOTAL):
        sys.exit("Run bench/sweep.py first: it loads the ledger this benchmark runs on.")
    bench.reset()
    redis.Redis.from_url(bench.REDIS_URL).flushdb()
    interval = os.environ.get("PROTOCOL_SWEEP_INTERVAL_SECONDS", "15")
    tmp = Path(tempfile.mkdtemp(prefix="homeward-lag-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PROTOCOL_SWEEP_INTERVAL_SECONDS": interval,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    started = timezone.now()
    shift = (started - bench.NOW) + dt.timedelta(days=7)
    total = args.deadlines + args.burst
    with connection.cursor() as cursor:
        moved = shift_open_deadlines(cursor, shift)
        print(f"Moved {moved:,} open deadlines of the ledger a week past today for the run")
    processes: list[subprocess.Popen] = []
    try:
        # Beat and workers first, so the deadlines fall due on a running system.
        processes += [
            start("beat", ["beat", "--schedule", str(tmp / "beat-schedule")], env, tmp),
            start(
                "engine",
                [
                    "worker",
                    "-Q",
                    "engine",
                    "--concurrency",
                    "1",
                    "-n",
                    "lag-engine@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                env,
                tmp,
            ),  # fmt: skip
            start(
                "deliveries",
                [
                    "worker",
                    "-Q",
                    "celery",
                    "--concurrency",
                    "2",
                    "-n",
                    "lag-deliveries@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                env,
                tmp,
            ),  # fmt: skip
        ]
        for name in ("engine", "deliveries"):
            while " ready." not in (tmp / f"{name}.log").read_text():
                time.sleep(0.5)
        first_due = timezone.now() + dt.timedelta(seconds=20)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM protocol_deadline WHERE key LIKE 'lag:%%'")
            cursor.execute("SET session_replication_role = replica")
            # The episodes were reported in June 2026, not when the benchmark loaded them: the
            # sweep task's announcements ("a child reported missing") must not take them as new.
            cursor.execute(
                "UPDATE episodes_episode SET created_at = reported_at WHERE created_at > reported_at"
            )
            cursor.execute(
                f"""
                WITH last AS (
                    SELECT ch.id AS child_id, e.id AS episode_id, a.team_id
                    FROM children_child ch
                    JOIN episodes_episode e ON e.child_id = ch.id
                    JOIN children_allocation a ON a.child_id = ch.id AND a.ended_at IS NULL
                    ORDER BY ch.id DESC LIMIT %(total)s
                ), c AS (
                    SELECT row_number() OVER (ORDER BY child_id) AS n, * FROM last
                )
                INSERT INTO protocol_deadline (
                    key, rule, child_id, episode_id, opens_at, due_at, status, due_soon_at,
                    due_soon_notified_at, owner_role, owner_team_id, reason, created_at, updated_at)
                SELECT 'lag:' || n, rule, child_id, episode_id, due_at - interval '72 hours', due_at,
                       'open', due_at - interval '18 hours', due_at - interval '18 hours',
                       owner_role, team_id, 'Synthetic deadline for the lag benchmark.', now(), now()
                FROM (
                    SELECT c.*,
                           (ARRAY[{", ".join(f"'{r}'" for r, _ in RULES)}])[1 + n %% {len(RULES)}] AS rule,
                           (ARRAY[{", ".join(f"'{o}'" for _, o in RULES)}])[1 + n %% {len(RULES)}] AS owner_role,
                           CASE WHEN n <= %(burst)s THEN %(first)s
                                ELSE %(first)s + make_interval(secs => (n - %(burst)s) * %(step)s)
                           END AS due_at
                    FROM c
                ) d
                """,
                {
                    "total": total,
                    "burst": args.burst,
                    "first": first_due,
                    "step": args.window / max(1, args.deadlines),
                },
            )
            cursor.execute("SET session_replication_role = origin")
            cursor.execute("ANALYZE protocol_deadline")
        ids = list(Deadline.objects.filter(key__startswith="lag:").values_list("pk", flat=True))
        print(
            f"{len(ids):,} deadlines due from {first_due:%H:%M:%S} over {args.window:g} s"
            f"{f' ({args.burst:,} of them at once)' if args.burst else ''}; sweep every {interval} s"
        )

        rows = Notification.objects.filter(deadline_id__in=ids)
        deadline = time.monotonic() + args.window + args.timeout
        while time.monotonic() < deadline:
            time.sleep(2)
            due = Deadline.objects.filter(pk__in=ids, due_at__lte=timezone.now()).count()
            breached = Deadline.objects.filter(pk__in=ids).exclude(status="open").count()
            sent = rows.filter(status=DeliveryStatus.SENT).count()
            written = rows.count()
            print(
                f"  {timezone.now():%H:%M:%S} due {due:,}, swept {breached:,}, "
                f"written {written:,}, sent {sent:,}",
                flush=True,
            )
            if (
                breached == len(ids)
                and written
                and sent == written
                and (
                    not Deadline.objects.filter(pk__in=ids)
                    .exclude(pending_notification="")
                    .exists()
                )
            ):
                break
        else:
            print(f"Timed out; logs in {tmp}")
    finally:
        stop(processes)
        with connection.cursor() as cursor:
            shift_open_deadlines(cursor, -shift)
        print(f"Moved the ledger's open deadlines back; logs in {tmp}")

    dues = dict(Deadline.objects.filter(pk__in=ids).values_list("pk", "due_at"))
    swept: dict[int, dt.datetime] = {}
    for pk, breached_at, met_at in Deadline.objects.filter(pk__in=ids).values_list(
        "pk", "breached_at", "met_at"
    ):
        if at := breached_at or met_at:
            swept[pk] = at
    written_at: dict[int, dt.datetime] = {}
    delivered: dict[int, dt.datetime] = {}
    for deadline_id, created_at, sent_at in rows.values_list(
        "deadline_id", "created_at", "sent_at"
    ):
        written_at[deadline_id] = max(written_at.get(deadline_id, created_at), created_at)
        if sent_at:
            delivered[deadline_id] = max(delivered.get(deadline_id, sent_at), sent_at)
    for label, times in (("swept", swept), ("written", written_at), ("delivered", delivered)):
        lags = [(times[pk] - dues[pk]).total_seconds() for pk in ids if pk in times]
        if lags:
            print(
                f"due to {label}: p50 {statistics.median(lags):.1f} s, p95 "
                f"{percentile(lags, 0.95):.1f} s, worst {max(lags):.1f} s ({len(lags):,} deadlines)"
            )
    print(
        f"{rows.count():,} notifications, {rows.filter(status=DeliveryStatus.SENT).count():,} sent"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "DELETE FROM notifications_notification WHERE deadline_id IN "
            "(SELECT id FROM protocol_deadline WHERE key LIKE 'lag:%%')"
        )
        cursor.execute("DELETE FROM protocol_deadline WHERE key LIKE 'lag:%%'")
        cursor.execute("SET session_replication_role = origin")
    redis.Redis.from_url(bench.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
