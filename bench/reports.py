"""Benchmark: the committee report at national scale (1,000,000 episodes, 150,000 children).

    .venv/bin/python bench/reports.py              # seed once (reused afterwards), 3 runs each
    .venv/bin/python bench/reports.py --reload     # drop the synthetic data and seed again
    .venv/bin/python bench/reports.py --runs 5 --explain

Uses its own database, `homeward_bench_reports` (BENCH_REPORTS_DATABASE_URL to change it),
created and migrated if missing. Times `reports.counting.committee_report` in-process, by
wall clock: every query the page, the exports and the API run for one report (the scope
through visible_children, the eight sections and the year-earlier comparison), for:

- one authority over 13 months, read by its Missing Co-ordinator;
- every authority over 13 months, read by an Assistant Director who covers them all.

Synthetic data only, loaded with INSERT ... SELECT generate_series (pghistory triggers
off for the load): 152 local authorities with 10 teams each, 150,000 children with a legal
status, a placement and an allocation, 1,000,000 episodes over three years (1 in 150
children still missing), 500,000 return interviews, 100,000 risk assessments with
exploitation indicators, 20,000 reclassifications and 1,000,000 return interview deadlines.
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
    "BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeward_bench_reports"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.pop("REPORTING_DATABASE_URL", None)
os.environ["CACHE_KEY_PREFIX"] = "homeward_bench_reports"
os.environ["DEBUG"] = "false"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

AUTHORITIES = 152
TEAMS_PER_AUTHORITY = 10
CHILDREN = 150_000
EPISODES = 1_000_000

STEPS = [
    (
        "children",
        """
        INSERT INTO children_child (given_name, family_name, known_as, date_of_birth, sex,
            ethnicity, is_uasc, responsible_authority_id, description, known_associates,
            places_frequented, phone_numbers, social_media, health_needs, photo,
            photo_consent_given_by, created_at, updated_at)
        SELECT 'Bench' || n, 'Child', '', DATE '2008-01-01' + (n * 7 %% 4000),
            (ARRAY['female','male','male','female','other','not_known'])[1 + n %% 6],
            'NOBT', false, a.ids[1 + n %% %(authorities)s], '', '', '', '', '', '', '', '',
            now(), now()
        FROM generate_series(1, %(children)s) AS n,
            (SELECT array_agg(id ORDER BY id) AS ids FROM agencies_agency
             WHERE kind = 'local_authority') AS a
        """,
    ),
    (
        "legal statuses",
        """
        INSERT INTO children_legalstatus (child_id, status, start_date, end_date)
        SELECT id, (ARRAY['looked_after','looked_after','child_protection','child_in_need',
                          'child_in_need','none'])[1 + id %% 6], DATE '2015-01-01', NULL
        FROM children_child
        """,
    ),
    (
        "placements",
        """
        INSERT INTO children_placement (child_id, kind, placing_authority_id, host_authority_id,
            name, address, start_date, end_date)
        SELECT c.id, (ARRAY['home','foster','residential','semi_independent','foster'])[1 + c.id %% 5],
            c.responsible_authority_id,
            CASE WHEN c.id %% 5 = 2 THEN (SELECT min(id) FROM agencies_agency
                 WHERE kind = 'local_authority') ELSE c.responsible_authority_id END,
            '', '', DATE '2015-01-01', NULL
        FROM children_child c
        """,
    ),
    (
        "allocations",
        """
        INSERT INTO children_allocation (child_id, team_id, worker_id, started_at, ended_at)
        SELECT c.id, t.ids[1 + c.id %% array_length(t.ids, 1)], NULL, TIMESTAMPTZ '2015-01-01', NULL
        FROM children_child c
        JOIN (SELECT agency_id, array_agg(id ORDER BY id) AS ids FROM agencies_team
              GROUP BY agency_id) t ON t.agency_id = c.responsible_authority_id
        """,
    ),
    (
        "episodes",
        # 1 to 13 episodes a child (7 on average), 80 days apart so they never overlap, each
        # lasting 0 to 99 hours, the child's first at a point that keeps them all within the
        # three years to 30 November 2026; the last of one child in 150 is still open.
        """
        INSERT INTO episodes_episode (child_id, category, missing_from, last_seen_at,
            last_seen_location, circumstances, reported_at, reported_by_id, police_reference,
            police_risk, returned_at, return_location, how_found, nrm_referral_considered,
            entered_in_error, entered_in_error_reason, created_at, updated_at)
        SELECT c.id, kind.category, kind.missing_from, seen, '', '', seen + interval '1 hour',
            %(reporter)s, '', (ARRAY['low','medium','high',''])[1 + (c.id + k) %% 4],
            CASE WHEN k = c.last AND c.id %% 150 = 0 THEN NULL
                 ELSE seen + ((c.id * 37 + k * 11) %% 100) * interval '1 hour' END,
            '', '', false, (c.id + k) %% 500 = 0, '', now(), now()
        FROM (SELECT id, (id * 31) %% 13 AS last FROM children_child) c
        CROSS JOIN LATERAL generate_series(0, c.last) AS k
        CROSS JOIN LATERAL (
            SELECT TIMESTAMPTZ '2023-12-01 00:00+00'
                + ((c.id * 7919) %% (1090 - 80 * c.last)) * interval '1 day'
                + k * interval '80 days' + (c.id * 13 %% 1440) * interval '1 minute' AS seen
        ) s
        CROSS JOIN LATERAL (
            SELECT (ARRAY['missing','missing','missing','missing','missing','missing',
                          'absent','absent','away_without_authorisation','missing'])[1 + (c.id + k) %% 10]
                       AS category,
                   CASE WHEN (c.id + k) %% 10 IN (8, 1, 3, 5) THEN 'placement' ELSE 'home' END
                       AS missing_from
        ) kind
        ORDER BY c.id, k
        LIMIT %(episodes)s
        """,
    ),
    (
        "reclassifications",
        """
        INSERT INTO episodes_reclassification (episode_id, from_category, to_category, reason,
            reclassified_at, reclassified_by_id)
        SELECT id, 'absent', 'missing', 'no contact in 24 hours', last_seen_at + interval '24 hours', NULL
        FROM episodes_episode WHERE id %% 50 = 0 AND category = 'missing'
        """,
    ),
    (
        "return interviews",
        # One interview for every other returned episode, linked to it in the same statement.
        """
        WITH made AS (
            INSERT INTO returns_returninterview (child_id, interviewer_id, interviewer_name,
                is_independent, offered_at, outcome, held_at, outcome_recorded_at, seen_alone,
                push_factors, pull_factors, disclosures, follow_ups, recorded_by_id, created_at,
                updated_at)
            SELECT child_id, NULL, '', true, returned_at,
                (ARRAY['held','held','held','declined','no_engagement'])[1 + id %% 5],
                CASE WHEN id %% 5 < 3 THEN returned_at + ((id %% 96) * interval '1 hour') END,
                returned_at + interval '4 days', NULL,
                ARRAY[(ARRAY['conflict_at_home','placement_unsettled','boundaries','school'])[1 + id %% 4]],
                ARRAY[(ARRAY['friends','family','partner','exploitation','gang','drugs_alcohol'])[1 + id %% 6]],
                '', '', %(reporter)s, now(), now()
            FROM episodes_episode WHERE returned_at IS NOT NULL AND id %% 2 = 0
            RETURNING id, child_id, offered_at
        )
        INSERT INTO returns_returninterviewepisode (interview_id, episode_id)
        SELECT made.id, e.id FROM made
        JOIN episodes_episode e ON e.child_id = made.child_id AND e.returned_at = made.offered_at
        """,
    ),
    (
        "risk assessments",
        """
        INSERT INTO risk_riskassessment (child_id, episode_id, referral_id, rag, threshold_level,
            indicators, rationale, assessed_at, assessed_by_id)
        SELECT child_id, id, NULL, (ARRAY['red','amber','green'])[1 + id %% 3], 3,
            ARRAY[(ARRAY['cse','cce_county_lines','gangs','trafficking','radicalisation',
                         'substance_misuse'])[1 + id %% 6]],
            '', reported_at + interval '2 hours', %(reporter)s
        FROM episodes_episode WHERE id %% 10 = 0
        """,
    ),
    (
        "deadlines",
        """
        INSERT INTO protocol_deadline (key, rule, child_id, episode_id, opens_at, due_at, status,
            met_at, breached_at, cancelled_at, due_soon_at, pending_notification, owner_role,
            owner_team_id, reason, created_at, updated_at)
        SELECT 'return_interview:' || e.id, 'return_interview', e.child_id, e.id,
            coalesce(e.returned_at, e.last_seen_at), coalesce(e.returned_at, e.last_seen_at) + interval '72 hours',
            CASE WHEN e.returned_at IS NULL THEN 'scheduled'
                 WHEN e.id %% 7 = 0 THEN 'breached' WHEN e.id %% 23 = 0 THEN 'cancelled' ELSE 'met' END,
            CASE WHEN e.returned_at IS NOT NULL AND e.id %% 7 <> 0 AND e.id %% 23 <> 0
                 THEN e.returned_at + ((e.id %% 90) * interval '1 hour') END,
            CASE WHEN e.returned_at IS NOT NULL AND e.id %% 7 = 0 THEN e.returned_at + interval '72 hours' END,
            CASE WHEN e.returned_at IS NOT NULL AND e.id %% 7 <> 0 AND e.id %% 23 = 0 THEN e.returned_at END,
            coalesce(e.returned_at, e.last_seen_at) + interval '48 hours', '',
            'return_interview_officer', a.team_id, 'The child returned.', now(), now()
        FROM episodes_episode e
        JOIN children_allocation a ON a.child_id = e.child_id AND a.ended_at IS NULL
        """,
    ),
]


def ensure_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


def seed(reload: bool) -> None:
    from django.db import connection, transaction

    from agencies.models import Agency, AgencyKind, Membership, Role, Team, User
    from episodes.models import Episode
    from reports.facts import fill_episode_facts

    if reload:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE protocol_deadline, returns_returninterview, risk_riskassessment, "
                "episodes_episode, children_child, agencies_membership, agencies_team, "
                "agencies_agency, agencies_user, reports_episodefact CASCADE"
            )
    if Episode.objects.count() >= EPISODES:
        return
    started = time.perf_counter()
    with transaction.atomic():
        councils = Agency.objects.bulk_create(
            Agency(name=f"Bench Authority {n:03}", kind=AgencyKind.LOCAL_AUTHORITY)
            for n in range(1, AUTHORITIES + 1)
        )
        Team.objects.bulk_create(
            Team(agency=council, name=f"Team {t}")
            for council in councils
            for t in range(1, TEAMS_PER_AUTHORITY + 1)
        )
        coordinator = User.objects.create(username="bench_coordinator", first_name="Bench")
        director = User.objects.create(username="bench_director", first_name="Bench")
        first_team = Team.objects.filter(agency=councils[0]).order_by("id").first()
        Membership.objects.create(user=coordinator, team=first_team, role=Role.MISSING_COORDINATOR)
        Membership.objects.bulk_create(
            Membership(user=director, team=team, role=Role.SENIOR_MANAGER)
            for team in Team.objects.filter(name="Team 1")
        )
    parameters = {
        "authorities": AUTHORITIES,
        "children": CHILDREN,
        "episodes": EPISODES,
        "reporter": coordinator.pk,
    }
    for name, sql in STEPS:
        step = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Bulk load: skip the audit triggers (pghistory) for synthetic rows.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, parameters)
            print(
                f"  {name}: {cursor.rowcount:,} rows in {time.perf_counter() - step:.1f} s",
                flush=True,
            )
    # The report's facts of each episode (decision 0027), which the triggers, off for the
    # load, would have written.
    step = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        written = fill_episode_facts(cursor)
        print(f"  episode facts: {written:,} rows in {time.perf_counter() - step:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Seeded {Episode.objects.count():,} episodes in {time.perf_counter() - started:.1f} s")


def time_report(username: str, authority: bool, runs: int, explain: bool) -> list[float]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from agencies.models import Agency, User
    from reports.counting import Filters, default_period
    from reports.counting import committee_report as build
    from reports.selectors import report_children, report_scope

    user = User.objects.get(username=username)
    scope = report_scope(user)
    authority_id = Agency.objects.filter(name="Bench Authority 001").values_list("pk", flat=True)[0]
    filters = Filters(period=default_period(__import__("datetime").date(2026, 11, 30)))
    samples = []
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            children = report_children(
                user, scope, authority_id=authority_id if authority else None
            )
            report = build(children, filters)
        samples.append(time.perf_counter() - started)
    print(
        f"  {len(queries)} queries; {report.episodes_in_period:,} episodes, "
        f"{report.children_in_period:,} children in the period"
    )
    if explain:
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
        print(f"  slowest query ({slowest['time']} s):\n{slowest['sql'][:1500]}")
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query")
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.reload)
    for label, username, authority in (
        ("one authority, 13 months (Missing Co-ordinator)", "bench_coordinator", True),
        ("all 152 authorities, 13 months (Assistant Director)", "bench_director", False),
    ):
        print(label)
        samples = time_report(username, authority, args.runs, args.explain)
        print(f"  min {min(samples):.2f} s, median {statistics.median(samples):.2f} s")


if __name__ == "__main__":
    main()
