"""Benchmark: one sweep of 10,000 due deadlines among 7,000,000 ledger rows (national scale).

    .venv/bin/python bench/sweep.py            # load once (reused afterwards), time 5 sweeps
    .venv/bin/python bench/sweep.py --reload   # drop the synthetic data and load it again
    .venv/bin/python bench/sweep.py --runs 9
    .venv/bin/python bench/sweep.py --writers 1   # the notifications written by one thread
    .venv/bin/python bench/sweep.py --reload --total 1000000 --children 5000   # the old, smaller ledger

Uses its own database, `homeward_bench` (BENCH_DATABASE_URL to change it), created and
migrated if missing, and its own Redis database (BENCH_REDIS_URL, default db 6) for the
cache and for the delivery tasks the sweep enqueues, which are discarded after each run.

Synthetic data only: 50 local authorities, 500 teams, ~5,800 staff, 150,000 children with
one returned episode each, and 7,000,000 deadlines: 10,000 due and open (the work of the
timed sweep), 150,000 open and not yet due, the rest met, breached or cancelled in the
past. The ledger's secondary indexes are dropped during the load and built after it (as a
restore would). Between runs the 10,000 are put back to open and the outbox emptied.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeward_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["REDIS_URL"] = REDIS_URL
os.environ["CELERY_BROKER_URL"] = REDIS_URL
os.environ["CELERY_RESULT_BACKEND"] = REDIS_URL
os.environ["CACHE_KEY_PREFIX"] = "homeward_bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

TOTAL = 7_000_000
DUE = 10_000
UPCOMING = 150_000
CHILDREN = 150_000
AUTHORITIES = 50
# Deadlines inserted per statement while loading (progress is printed after each).
LOAD_CHUNK = 1_000_000
TEAMS_PER_AUTHORITY = 10
WORKERS_PER_TEAM = 10
# The sweep's "now": fixed, so a reused database is still 10,000 due, not more.
NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
# rule, owner role (as protocol.rules gives them)
RULES = [
    ("risk_assessment", "mash_triage"),
    ("safe_and_well_check", "police_liaison"),
    ("return_interview", "return_interview_officer"),
    ("strategy_meeting", "team_manager"),
    ("panel_referral", "team_manager"),
    ("manager_escalation", "team_manager"),
]


def ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


def load(total: int, children_count: int) -> None:
    """The synthetic world and `total` deadlines (INSERT ... SELECT generate_series)."""
    from django.db import connection, transaction

    from agencies.models import Agency, AgencyKind, Membership, Role, Team, User
    from children.models import Allocation, Child
    from episodes.models import Episode

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL session_replication_role = replica"
        )  # no audit triggers while loading
        for table in (
            "notifications_notification",
            "protocol_deadline",
            "protocol_deadlineevent",
            "episodes_episode",
            "children_allocation",
            "children_child",
            "agencies_membership",
            "agencies_team",
            "agencies_agency",
            "agencies_user",
        ):
            cursor.execute(f"TRUNCATE {table} CASCADE")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no history rows
        forces = Agency.objects.bulk_create(
            Agency(name=f"Bench Constabulary {n}", kind=AgencyKind.POLICE_FORCE) for n in range(2)
        )
        authorities = Agency.objects.bulk_create(
            Agency(name=f"Borough of Benchmark {n}", kind=AgencyKind.LOCAL_AUTHORITY)
            for n in range(AUTHORITIES)
        )
        users: list[User] = []
        memberships: list[tuple[User, Team, str]] = []

        def person(name: str, team: Team, role: str) -> User:
            user = User(
                username=name,
                first_name=name.title(),
                last_name="Bench",
                email=f"{name}@bench.invalid",
            )
            users.append(user)
            memberships.append((user, team, role))
            return user

        teams = Team.objects.bulk_create(
            [
                Team(agency=a, name=f"Children's team {n}")
                for a in authorities
                for n in range(TEAMS_PER_AUTHORITY)
            ]
            + [Team(agency=a, name="Missing, MASH and returns") for a in authorities]
            + [Team(agency=f, name="Missing Persons Unit") for f in forces]
        )
        casework = teams[: AUTHORITIES * TEAMS_PER_AUTHORITY]
        workers_by_team: dict[int, list[User]] = {}
        for team in casework:
            person(f"tm{team.pk}", team, Role.TEAM_MANAGER)
            workers_by_team[team.pk] = [
                person(f"sw{team.pk}x{n}", team, Role.SOCIAL_WORKER)
                for n in range(WORKERS_PER_TEAM)
            ]
        for team in teams[len(casework) : len(casework) + AUTHORITIES]:
            person(f"mc{team.pk}", team, Role.MISSING_COORDINATOR)
            person(f"ad{team.pk}", team, Role.SENIOR_MANAGER)
            for n in range(2):
                person(f"mash{team.pk}x{n}", team, Role.MASH_TRIAGE)
                person(f"rio{team.pk}x{n}", team, Role.RETURN_INTERVIEW_OFFICER)
        for team in teams[-len(forces) :]:
            for n in range(2):
                person(f"pc{team.pk}x{n}", team, Role.POLICE_LIAISON)
        User.objects.bulk_create(users)
        Membership.objects.bulk_create(
            Membership(user=u, team=t, role=r) for u, t, r in memberships
        )

        children = Child.objects.bulk_create(
            [
                Child(
                    given_name=f"Synthetic{n}",
                    family_name="Benchmark",
                    date_of_birth=dt.date(2010, 1, 1) + dt.timedelta(days=n % 1500),
                    responsible_authority=casework[n % len(casework)].agency,
                )
                for n in range(children_count)
            ],
            batch_size=5000,
        )
        Allocation.objects.bulk_create(
            [
                Allocation(
                    child=child,
                    team=casework[n % len(casework)],
                    worker=workers_by_team[casework[n % len(casework)].pk][n % WORKERS_PER_TEAM],
                    started_at=NOW - dt.timedelta(days=400),
                )
                for n, child in enumerate(children)
            ],
            batch_size=5000,
        )
        reporter = users[0]
        Episode.objects.bulk_create(
            [
                Episode(
                    child=child,
                    category="missing",
                    missing_from="home",
                    last_seen_at=NOW - dt.timedelta(days=3, hours=n % 24),
                    reported_at=NOW - dt.timedelta(days=3, hours=n % 24) + dt.timedelta(hours=1),
                    reported_by=reporter,
                    police_force=forces[n % 2],
                    returned_at=NOW - dt.timedelta(days=2, hours=n % 24),
                )
                for n, child in enumerate(children)
            ],
            batch_size=5000,
        )
    print(
        f"  world: {len(users)} staff, {children_count:,} children and episodes ({time.perf_counter() - started:.1f} s)"
    )

    started = time.perf_counter()
    rules = "ARRAY[" + ", ".join(f"'{rule}'" for rule, _ in RULES) + "]"
    owners = "ARRAY[" + ", ".join(f"'{owner}'" for _, owner in RULES) + "]"
    with connection.cursor() as cursor:
        # The secondary indexes are built once after the load, not row by row during it
        # (the constraints' own indexes, primary key and (child, key), stay).
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = 'protocol_deadline'::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            """
            CREATE TEMP TABLE bench_child AS
            SELECT row_number() OVER (ORDER BY c.id) - 1 AS n, c.id AS child_id, e.id AS episode_id,
                   a.team_id
            FROM children_child c
            JOIN episodes_episode e ON e.child_id = c.id
            JOIN children_allocation a ON a.child_id = c.id AND a.ended_at IS NULL
            """
        )
        cursor.execute("CREATE INDEX ON bench_child (n)")
        cursor.execute("ANALYZE bench_child")
    try:
        for first in range(1, total + 1, LOAD_CHUNK):
            last = min(total, first + LOAD_CHUNK - 1)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    f"""
                WITH rows AS (
                    SELECT g,
                           ({rules})[1 + g %% {len(RULES)}] AS rule,
                           ({owners})[1 + g %% {len(RULES)}] AS owner_role,
                           CASE
                             WHEN g <= %(due)s THEN %(now)s - make_interval(secs => g %% 3600)
                             WHEN g <= %(due)s + %(upcoming)s THEN %(now)s + make_interval(secs => 60 + g %% (72 * 3600))
                             ELSE %(now)s - make_interval(days => 1 + g %% 365)
                           END AS due_at
                    FROM generate_series(%(first)s, %(last)s) AS g
                )
                INSERT INTO protocol_deadline (
                    key, rule, child_id, episode_id, opens_at, due_at, status, met_at, breached_at,
                    cancelled_at, due_soon_at, due_soon_notified_at, owner_role, owner_team_id,
                    reason, created_at, updated_at)
                SELECT 'bench:' || g, rule, c.child_id, c.episode_id,
                       due_at - interval '72 hours', due_at,
                       CASE WHEN g <= %(due)s + %(upcoming)s THEN 'open'
                            WHEN g %% 10 < 7 THEN 'met' WHEN g %% 10 < 9 THEN 'breached'
                            ELSE 'cancelled' END,
                       CASE WHEN g > %(due)s + %(upcoming)s AND g %% 10 < 7 THEN due_at - interval '1 hour' END,
                       CASE WHEN g > %(due)s + %(upcoming)s AND g %% 10 IN (7, 8) THEN due_at END,
                       CASE WHEN g > %(due)s + %(upcoming)s AND g %% 10 = 9 THEN due_at - interval '2 hours' END,
                       due_at - interval '18 hours',
                       CASE WHEN due_at - interval '18 hours' <= %(now)s THEN due_at - interval '18 hours' END,
                       owner_role, c.team_id,
                       'Synthetic deadline for the sweep benchmark.', %(now)s, %(now)s
                FROM rows JOIN bench_child c ON c.n = rows.g %% %(children)s
                """,
                    {
                        "due": DUE,
                        "upcoming": UPCOMING,
                        "first": first,
                        "last": last,
                        "now": NOW,
                        "children": children_count,
                    },
                )
            print(f"  {last:,} deadlines ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        # Built again whatever happened: the migrations say they exist.
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_child")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in indexes:
                cursor.execute(definition)
                print(f"  index {name} ({time.perf_counter() - started:.1f} s)", flush=True)
    with connection.cursor() as cursor:
        # Recorded when reported (June 2026), not when loaded: the sweep task's
        # announcements (bench/lag.py runs it) must not take 150,000 episodes as new.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE episodes_episode SET created_at = reported_at")
        cursor.execute("SET session_replication_role = origin")
        cursor.execute("VACUUM ANALYZE protocol_deadline")
        cursor.execute("ANALYZE")
    print(f"  {total:,} deadlines loaded ({time.perf_counter() - started:.1f} s)")


def loaded(total: int) -> bool:
    from protocol.models import Deadline

    return Deadline.objects.filter(key__startswith="bench:").count() == total


def reset() -> None:
    """Put the 10,000 back to open and empty the outbox, the broker and the cache."""
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE protocol_deadline SET status = 'open', breached_at = NULL, met_at = NULL "
            "WHERE due_at <= %s AND due_at > %s AND status IN ('breached', 'met')",
            [NOW, NOW - dt.timedelta(hours=1, seconds=1)],
        )
        # Nothing left owed by a run stopped between its sweep and its writer.
        cursor.execute(
            "UPDATE protocol_deadline SET pending_notification = '' "
            "WHERE pending_notification <> ''"
        )
        cursor.execute("TRUNCATE notifications_notification")
        cursor.execute("VACUUM ANALYZE protocol_deadline")
        cursor.execute("VACUUM ANALYZE notifications_notification")
    redis.Redis.from_url(REDIS_URL).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reload", action="store_true", help="load the synthetic data again")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--total", type=int, default=TOTAL, help="deadlines in the ledger")
    parser.add_argument(
        "--children", type=int, default=CHILDREN, help="children (one episode each)"
    )
    parser.add_argument(
        "--writers",
        type=int,
        default=None,
        help="writer threads, each on its own connection (default: NOTIFICATION_WRITERS, 2)",
    )
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from protocol.models import Deadline, Status
    from protocol.services import sweep

    if args.reload or not loaded(args.total):
        print("Loading synthetic data into", DATABASE_URL)
        load(args.total, args.children)
    reset()
    due = Deadline.objects.filter(
        status__in=[Status.OPEN, Status.SCHEDULED], due_at__lte=NOW
    ).count()
    print(f"{Deadline.objects.count():,} deadlines; due and open before each run: {due:,}")

    from django.conf import settings

    from notifications.outbox import write_owed_notifications

    writers = settings.NOTIFICATION_WRITERS if args.writers is None else args.writers
    timings, writing = [], []
    for run in range(1, args.runs + 1):
        reset()
        started = time.perf_counter()
        result = sweep(NOW)
        elapsed = time.perf_counter() - started
        timings.append(elapsed)
        # What a worker does next: resolve recipients, write the outbox rows.
        started = time.perf_counter()
        written = write_owed_notifications(now=NOW, writers=writers)
        writing.append(time.perf_counter() - started)
        print(
            f"  run {run}: sweep {elapsed:.3f} s ({result.breached:,} breached, {result.met_by_engine:,} "
            f"met by the engine); writing the {written:,} notifications they owe {writing[-1]:.3f} s "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
    print(
        f"sweep of {due:,} due among {args.total:,}: min {min(timings):.3f} s, median "
        f"{statistics.median(timings):.3f} s"
    )
    print(
        f"then writing their notifications (one worker, {writers} writer threads): min {min(writing):.3f} s, median "
        f"{statistics.median(writing):.3f} s"
    )
    reset()


if __name__ == "__main__":
    main()
