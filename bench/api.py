"""Benchmark: `GET /api/v1/episodes/` (first page) at 100,000 episodes, against raw SQL.

    .venv/bin/python bench/api.py              # seed once (reused afterwards), 200 requests each
    .venv/bin/python bench/api.py --reload     # drop the synthetic data and seed again
    .venv/bin/python bench/api.py --requests 500 --persona missing_coordinator

Uses its own database, `homeward_bench_api` (BENCH_API_DATABASE_URL to change it), created
and migrated if missing. The API is called in-process through Django's test Client with
a real API key (authentication, throttling in Redis, the visibility selector, cursor
pagination, serialization, rendering: everything but the socket). The raw SQL is the
same page written by hand (psycopg, the same visibility rule for the persona), and the
script checks that both return the same rows in the same order.

Synthetic data only: one council, two police forces, 25,000 children with four episodes
each (100,000), half of them reported to each force; 2,500 still open.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeward_bench_api"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["CACHE_KEY_PREFIX"] = "homeward_bench_api"
os.environ["DEBUG"] = "false"
os.environ["API_THROTTLE_RATE"] = "100000000/min"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

CHILDREN = 25_000
EPISODES_PER_CHILD = 4
PAGE_SIZE = 50

RAW_SQL = {
    # The police rule of episodes.selectors.episode_visibility: the episodes the
    # officer's force reported or was told of, and every episode of a child granted to
    # the officer by name (the bench's officer holds no grant).
    "police_liaison": """
        SELECT e.id, e.child_id, e.category, e.missing_from, e.last_seen_at, e.reported_at,
               e.police_reference, e.police_risk, e.returned_at, e.last_seen_location,
               e.circumstances, e.entered_in_error, e.updated_at
        FROM episodes_episode e
        WHERE e.police_force_id IN (
                  SELECT t.agency_id FROM agencies_membership m
                  JOIN agencies_team t ON t.id = m.team_id
                  WHERE m.user_id = %(user)s AND m.is_active AND m.role = 'police_liaison')
           OR e.child_id IN (
                  SELECT g.content_object_id FROM children_childaccessgrant g
                  WHERE g.user_id = %(user)s AND g.expires_at > now())
        ORDER BY e.id DESC LIMIT %(limit)s
    """,
    # The authority-wide rule: every child of the co-ordinator's authority.
    "missing_coordinator": """
        SELECT e.id, e.child_id, e.category, e.missing_from, e.last_seen_at, e.reported_at,
               e.police_reference, e.police_risk, e.returned_at, e.last_seen_location,
               e.circumstances, e.entered_in_error, e.updated_at
        FROM episodes_episode e
        JOIN children_child c ON c.id = e.child_id
        WHERE c.responsible_authority_id IN (
            SELECT t.agency_id FROM agencies_membership m
            JOIN agencies_team t ON t.id = m.team_id
            WHERE m.user_id = %(user)s AND m.is_active
              AND m.role IN ('missing_coordinator', 'senior_manager'))
        ORDER BY e.id DESC LIMIT %(limit)s
    """,
}


def ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


def seed(reload: bool) -> None:
    """The synthetic world, then 25,000 children and 100,000 episodes in bulk SQL."""
    from django.db import connection, transaction

    from agencies.models import Agency, AgencyKind, Membership, Role, Team, User
    from children.models import Child
    from episodes.models import Episode

    if reload:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE api_apikey, api_idempotencyrecord, episodes_episode, children_child, "
                "agencies_membership, agencies_team, agencies_agency, agencies_user CASCADE"
            )
    if Episode.objects.count() >= CHILDREN * EPISODES_PER_CHILD:
        return
    started = time.perf_counter()
    with transaction.atomic():
        council = Agency.objects.create(name="Bench Borough", kind=AgencyKind.LOCAL_AUTHORITY)
        forces = [
            Agency.objects.create(name=f"Bench Police {n}", kind=AgencyKind.POLICE_FORCE)
            for n in (1, 2)
        ]
        people = {
            "police_liaison": (
                Team.objects.create(agency=forces[0], name="Missing Persons Unit"),
                Role.POLICE_LIAISON,
            ),
            "missing_coordinator": (
                Team.objects.create(agency=council, name="Missing Children"),
                Role.MISSING_COORDINATOR,
            ),
        }
        for username, (team, role) in people.items():
            user = User.objects.create(
                username=f"bench_{username}", first_name="Bench", last_name=username
            )
            Membership.objects.create(user=user, team=team, role=role)
        reporter = User.objects.get(username="bench_missing_coordinator")
        with connection.cursor() as cursor:
            # Bulk load: skip the audit triggers (pghistory) for synthetic rows.
            cursor.execute("SET LOCAL session_replication_role = replica")
            columns, values, defaults = _defaults_of_the_rest(
                Child,
                "given_name family_name date_of_birth sex ethnicity responsible_authority_id "
                "created_at updated_at",
            )
            cursor.execute(
                f"""
                INSERT INTO children_child (given_name, family_name, date_of_birth, sex,
                    ethnicity, responsible_authority_id, created_at, updated_at{columns})
                SELECT 'Bench' || n, 'Child', DATE '2009-01-01' + (n %% 2500), 'not_known',
                    'NOBT', %(council)s, now(), now(){values}
                FROM generate_series(1, %(children)s) AS n
                """,
                {"council": council.pk, "children": CHILDREN, **defaults},
            )
            # Four episodes a child, 30 days apart, each returned after two days; the
            # last is still open for one child in ten. Children alternate between forces.
            columns, values, defaults = _defaults_of_the_rest(
                Episode,
                "child_id category missing_from last_seen_at reported_at reported_by_id "
                "reported_to_police_at police_force_id police_reference police_risk returned_at "
                "created_at updated_at",
            )
            cursor.execute(
                f"""
                INSERT INTO episodes_episode (child_id, category, missing_from, last_seen_at,
                    reported_at, reported_by_id, reported_to_police_at, police_force_id,
                    police_reference, police_risk, returned_at, created_at, updated_at{columns})
                SELECT c.id, 'missing', 'home', seen, seen + interval '1 hour', %(reporter)s,
                    seen + interval '1 hour',
                    CASE WHEN c.id %% 2 = 0 THEN %(force1)s ELSE %(force2)s END,
                    'NP-' || c.id || '-' || k, 'medium',
                    CASE WHEN k = 3 AND c.id %% 10 = 0 THEN NULL ELSE seen + interval '2 days' END,
                    now(), now(){values}
                FROM children_child c
                CROSS JOIN generate_series(0, %(last)s) AS k
                CROSS JOIN LATERAL (
                    SELECT TIMESTAMPTZ '2025-01-01 00:00+00' + k * interval '30 days'
                        + (c.id %% 1440) * interval '1 minute' AS seen
                ) AS s
                WHERE c.responsible_authority_id = %(council)s
                ORDER BY seen, c.id
                """,
                {
                    "reporter": reporter.pk,
                    "force1": forces[0].pk,
                    "force2": forces[1].pk,
                    "last": EPISODES_PER_CHILD - 1,
                    "council": council.pk,
                    **defaults,
                },
            )
        connection.cursor().execute("ANALYZE")
    print(f"Seeded {Episode.objects.count():,} episodes in {time.perf_counter() - started:.1f} s")


def _defaults_of_the_rest(model, given: str) -> tuple[str, str, dict]:
    """Every other non-null column of `model`, with the model's own default, for a bulk
    INSERT: the seed keeps working when a migration adds a column (the database holds no
    defaults; Django does)."""
    from django.db import connection

    named = set(given.split())
    rest = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and not field.null
        and not field.generated  # PostgreSQL computes it (Child.*_folded)
        and field.column not in named
    ]
    columns = "".join(f", {field.column}" for field in rest)
    values = "".join(f", %(default_{field.column})s" for field in rest)
    defaults = {
        f"default_{field.column}": field.get_db_prep_save(field.get_default(), connection)
        for field in rest
    }
    return columns, values, defaults


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(persona: str, requests: int) -> None:
    import psycopg
    from django.db import connection, reset_queries
    from django.test import Client

    from agencies.models import User
    from api.services import create_api_key
    from core.actors import ENGINE

    user = User.objects.get(username=f"bench_{persona}")
    _api_key, key = create_api_key(acting_user=ENGINE, user=user)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    path = f"/api/v1/episodes/?page_size={PAGE_SIZE}"

    def api_call():
        response = client.get(path)
        assert response.status_code == 200, response.content[:500]
        return response

    def raw_call(cursor):
        cursor.execute(RAW_SQL[persona], {"user": user.pk, "limit": PAGE_SIZE + 1})
        return cursor.fetchall()

    with psycopg.connect(DATABASE_URL) as raw, raw.cursor() as cursor:
        api_ids = [row["id"] for row in api_call().json()["results"]]
        raw_ids = [row[0] for row in raw_call(cursor)][:PAGE_SIZE]
        assert api_ids == raw_ids, "the API and the raw SQL must return the same page"
        for _ in range(20):  # warm both up
            api_call()
            raw_call(cursor)
        api_times, raw_times = [], []
        for _ in range(requests):
            started = time.perf_counter()
            api_call()
            api_times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            raw_call(cursor)
            raw_times.append((time.perf_counter() - started) * 1000)

    breakdown = where_the_time_goes(user)

    from django.conf import settings

    settings.DEBUG = True
    reset_queries()
    api_call()
    queries = len(connection.queries)
    settings.DEBUG = False

    api_p50, api_p95 = statistics.median(api_times), percentile(api_times, 0.95)
    raw_p50, raw_p95 = statistics.median(raw_times), percentile(raw_times, 0.95)
    print(f"GET /api/v1/episodes/ first page of {PAGE_SIZE}, as {persona}, {requests} requests")
    print(
        f"  API (Django test Client, API key): p50 {api_p50:6.2f} ms   p95 {api_p95:6.2f} ms   ({queries} queries)"
    )
    print(f"  raw SQL (psycopg, same rows):      p50 {raw_p50:6.2f} ms   p95 {raw_p95:6.2f} ms")
    print(
        f"  ratio API / raw:                   p50 {api_p50 / raw_p50:6.1f} x    p95 {api_p95 / raw_p95:6.1f} x"
    )
    print("  inside the API request (p50):")
    for part, ms in breakdown.items():
        print(f"    {part:<40} {ms:6.2f} ms")


def where_the_time_goes(user) -> dict[str, float]:
    """The parts of one request: the visibility query built and compiled, its SQL planned
    and run, the page represented from its rows and rendered, and its access event."""
    from django.db import connection, transaction

    from api.renderers import OrjsonRenderer
    from api.serializers import EPISODE_ROW_FIELDS, represent_episode_row
    from children.models import RecordAccess
    from core import request_cache
    from episodes.selectors import visible_episodes

    def page():
        return visible_episodes(user).order_by("-id").values(*EPISODE_ROW_FIELDS)[: PAGE_SIZE + 1]

    def median_ms(function, runs: int = 50) -> float:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            function()
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    sql, params = page().query.sql_with_params()
    rows = list(page())[:PAGE_SIZE]

    def run_sql():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    def built_as_in_a_request():
        # A request reads the user's memberships once (core.request_cache), here too.
        token = request_cache.open_cache()
        try:
            page().query.sql_with_params()
        finally:
            request_cache.close_cache(token)

    def represent():
        zone = timezone.get_current_timezone()
        OrjsonRenderer().render({"results": [represent_episode_row(row, zone) for row in rows]})

    def access_event():
        # As children.services.write_reads: one row per child of the page, then commit.
        with transaction.atomic():
            RecordAccess.objects.bulk_create(
                RecordAccess(
                    user=user,
                    child_id=row["child_id"],
                    accessed_at=timezone.now(),
                    via="bench",
                    channel="api",
                    records=[f"episode:{row['id']}"],
                )
                for row in rows
            )

    from django.utils import timezone

    return {
        "selector query built and compiled": median_ms(built_as_in_a_request),
        "its SQL planned and run": median_ms(run_sql),
        f"{PAGE_SIZE} rows represented and rendered": median_ms(represent),
        "access event written and committed": median_ms(access_event, runs=20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reload", action="store_true", help="drop the synthetic data and seed again"
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--persona", choices=sorted(RAW_SQL), action="append")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.reload)
    for persona in args.persona or ["police_liaison", "missing_coordinator"]:
        measure(persona, args.requests)


if __name__ == "__main__":
    main()
