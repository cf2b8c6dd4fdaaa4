"""A synthetic national dataset: 150 authorities, 150,000 children, 1,000,000 episodes.

    .venv/bin/python bench/national.py                      # national size, seed 13
    .venv/bin/python bench/national.py --episodes 50000     # the same shape, smaller
    .venv/bin/python bench/national.py --seed 7 --reload    # empty the database first

Writes to its own database, `homeward_scale_national` (NATIONAL_DATABASE_URL to change
it), created and migrated if missing. Synthetic data only.

The shape (issue 13): one local authority for every 6,667 episodes (150 at national
size), each with teams of social workers carrying 15 to 20 children and a team manager, a
MASH, a Missing Co-ordinator, an Assistant Director, return interview officers and a
panel member; a police force for every four authorities. Most children have 1 to 3
episodes, a few have 20 or more; about 2% of episodes are still open; three years of
history to `--now`. Risk assessments, return interviews and safe and well checks are
recorded for most episodes, some late, some never.

How it is written, and why it is fast enough:

- Python draws the people, children and episodes from one `random.Random(seed)` (so one
  seed is one dataset, row for row) and streams them to PostgreSQL with COPY; the
  episodes are copied while they are drawn, so PostgreSQL works on one core while Python
  draws on the other.
- The bulk tables lose their secondary indexes and unique and exclusion constraints for
  the load (`BULK_TABLES`) and get them back, in the same transaction, after it: one sort
  per index instead of millions of insertions (the deadline ledger alone has 14). The
  models' Meta.indexes and constraints are built again from the migrations' own SQL,
  the rest from the catalog's definitions, and the load fails if any definition differs
  afterwards. Foreign keys are not checked during the load (session_replication_role).
- The deadlines are not evaluated child by child in Python (150,000 reconciles took 7
  minutes in an earlier version outside the repository). Each rule of
  `protocol/rules.py` that the data can trigger is written once as a set-based
  `INSERT ... SELECT` over all episodes, with the numbers from
  `protocol.conf.protocol_settings()`: the same key, opening, due time, due-soon time,
  owner, reason and status that `protocol.ledger.reconcile` would write.
  `tests/test_scale.py` proves it: on a small run, reconciling a sample of
  children with the engine itself changes nothing.
- History: pghistory's triggers are off for the load (session_replication_role), and
  the history rows are written by set-based INSERTs instead: an "insert" event for each
  child and episode, and for each deadline its insert and, once closed, its update.

Readings the SQL relies on (the data keeps to them, so the SQL and the engine agree):
no birthday on 29 February; episodes start between 06:00 and 20:59 UTC, so no calendar
window lands in the autumn's repeated hour; absent episodes end within 24 hours (the
engine would have reclassified them); open episodes are missing; no reclassifications,
strategy meetings or panel referrals, so the meeting and panel deadlines are breached
or open; a child's episodes start at least a minute apart (the repeat rule's count).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
NATIONAL_EPISODES = 1_000_000
EPISODES_PER_AUTHORITY = 6_667
CHILDREN_PER_EPISODE = 0.15
CASELOAD = (15, 20)
WORKERS_PER_TEAM = 6
HISTORY_DAYS = 3 * 365
# The persona usernames bench/pages.py signs in as: people of the first authority.
PERSONAS = {
    "social_worker": "national_social_worker",
    "team_manager": "national_team_manager",
    "missing_coordinator": "national_missing_coordinator",
    "senior_manager": "national_senior_manager",
    "mash_triage": "national_mash_triage",
    "return_interview_officer": "national_return_officer",
    "panel_member": "national_panel_member",
    "police_liaison": "national_police_liaison",
}

GIVEN = [
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Mia",
    "Zoë",
    "Chloé",
    "Renée",
    "Aoife",
    "Niamh",
    "Ellie",
    "Grace",
    "Freya",
    "Ruby",
    "Lily",
    "Sophia",
    "Amira",
    "Fatima",
    "Maryam",
    "Ayesha",
    "Priya",
    "Sienna",
    "Maya",
    "Leah",
    "Jasmine",
    "Keira",
    "Nia",
    "Ffion",
    "Siân",
    "Orla",
    "Oliver",
    "George",
    "Noah",
    "Leo",
    "Harry",
    "Jack",
    "Oscar",
    "Charlie",
    "Muhammad",
    "Arthur",
    "Theo",
    "Jacob",
    "Ethan",
    "Mason",
    "Kai",
    "Tyler",
    "Kyle",
    "Reece",
    "Jayden",
    "Callum",
    "Liam",
    "Connor",
    "Seán",
    "Oisín",
    "Tomás",
    "Kacper",
    "Jakub",
    "Ahmed",
    "Yusuf",
    "Ibrahim",
    "Daniel",
    "Joshua",
    "Samuel",
    "Dylan",
    "Rhys",
    "Owen",
    "Lewis",
    "Alfie",
    "Finley",
]
FAMILY_STEMS = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Núñez",
    "Dvořák",
    "Nowak",
    "Kowalski",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Hussain",
    "Begum",
    "Ahmed",
    "Ali",
    "Shah",
    "Singh",
    "Kaur",
    "Murphy",
    "Kelly",
    "Byrne",
    "O'Brien",
    "Gallagher",
    "Doyle",
    "Lynch",
    "Campbell",
    "Stewart",
    "Anderson",
    "Scott",
    "Reid",
    "Ross",
    "Hughes",
    "Morgan",
    "Price",
]
FAMILY_ENDINGS = ("", "son", "ley", "ford", "wood", "field", "ton", "er", "-Hart", "-Lee")

RISK_BY_POLICE = {"high": "red", "medium": "amber", "low": "green", "very_low": "green"}


# --- drawing the data ------------------------------------------------------------------


def _ts(seconds: float) -> str:
    # Whole seconds: the due-soon fraction of a window is then exact in Python and SQL.
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).isoformat(sep=" ")


def _nul(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


class Copier:
    """COPY rows into a table; NOT NULL columns without a default that the caller leaves
    out get an empty value of their type ('' / false / '{}'), so the generator names
    only the columns it means."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def _filler(self, table: str, columns: Sequence[str]) -> tuple[list[str], str]:
        self.cursor.execute(
            """
            SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attnotnull
              AND NOT atthasdef AND attidentity = ''
            ORDER BY attnum
            """,
            [table],
        )
        extra, values = [], []
        for name, data_type in self.cursor.fetchall():
            if name in columns:
                continue
            extra.append(name)
            if data_type.endswith("[]") or data_type == "jsonb":
                values.append("{}")
            elif data_type == "boolean":
                values.append("f")
            elif data_type in ("integer", "bigint", "smallint"):
                values.append("0")
            else:
                values.append("")
        return extra, "".join("\t" + value for value in values)

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        extra, tail = self._filler(table, columns)
        names = ", ".join([*columns, *extra])
        count = 0
        buffer = io.StringIO()
        with self.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                buffer.write("\t".join(_nul(value) for value in row))
                buffer.write(tail)
                buffer.write("\n")
                count += 1
                if count % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        return count


def _next_ids(cursor, tables: Sequence[str]) -> dict[str, int]:
    """The first free id of each table: a run adds to what is there (tests add to the
    personas' world; the national database starts empty)."""
    ids = {}
    for table in tables:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        ids[table] = cursor.fetchone()[0]
    return ids


def _reset_sequences(cursor, tables: Sequence[str]) -> None:
    for table in tables:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


# The tables a run fills in bulk: their secondary indexes and unique/exclusion constraints
# are dropped before the load and built again after it (a sort per index instead of
# millions of insertions into each; the deadline ledger alone has 14).
BULK_TABLES = (
    "children_child",
    "children_legalstatus",
    "children_placement",
    "children_allocation",
    "episodes_episode",
    "risk_riskassessment",
    "risk_mashreferral",
    "risk_mashtriage",
    "returns_returninterview",
    "returns_returninterviewepisode",
    "episodes_safeandwellcheck",
    "protocol_deadline",
    "protocol_deadlineevent",
    "episodes_episodeevent",
    "children_childevent",
)


def _migration_definitions(connection, tables: Sequence[str]) -> dict[str, str]:
    """The SQL the migrations ran for the models' Meta.indexes and Meta.constraints, by
    name. PostgreSQL does not read back its own pg_get_indexdef() text into the same
    expression (`status IN (...)` on a varchar comes back as an ARRAY of casts), so the
    conditional and expression indexes are built again from what Django generates."""
    from django.apps import apps

    sql = {}
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in apps.get_models():
            if model._meta.db_table not in tables:
                continue
            for index in model._meta.indexes:
                sql[index.name] = str(index.create_sql(model, editor))
            for constraint in model._meta.constraints:
                statement = constraint.create_sql(model, editor)
                if statement is not None:
                    sql[constraint.name] = str(statement)
    return sql


def _index_definitions(cursor, tables: Sequence[str]) -> dict[str, str]:
    cursor.execute(
        """
        SELECT ix.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ix ON ix.oid = i.indexrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
        """,
        [list(tables)],
    )
    return dict(cursor.fetchall())


def _drop_secondary_indexes(connection, cursor, tables: Sequence[str]) -> list[str]:
    """Drop every index of `tables` but their primary keys (and any index a foreign key
    relies on); return the statements that build them again: the migrations' own SQL for
    the models' Meta.indexes and constraints, the catalog's definition (pg_get_indexdef,
    pg_get_constraintdef) for the rest. Unique and exclusion constraints are dropped and
    added back as constraints, so they are checked again over the loaded rows;
    `_rebuild_indexes` proves every definition came back as it was."""
    migrations = _migration_definitions(connection, tables)
    cursor.execute(
        """
        SELECT t.relname, ix.relname, con.conname, pg_get_indexdef(i.indexrelid),
            pg_get_constraintdef(con.oid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ix ON ix.oid = i.indexrelid
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid
            AND con.conrelid = i.indrelid AND con.contype IN ('u', 'x', 'p')
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
            AND NOT i.indisprimary
            AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                            WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
        ORDER BY t.relname, ix.relname
        """,
        [list(tables)],
    )
    rebuild = []
    for table, index, constraint, index_def, constraint_def in cursor.fetchall():
        if constraint:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            rebuild.append(
                migrations.get(constraint)
                or f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_def}'
            )
        else:
            cursor.execute(f'DROP INDEX "{index}"')
            rebuild.append(migrations.get(index) or index_def)
    return rebuild


def _rebuild_indexes(cursor, tables: Sequence[str], rebuild: Sequence[str], before, log) -> None:
    timings = []
    for statement in rebuild:
        started = time.perf_counter()
        cursor.execute(statement)
        timings.append((time.perf_counter() - started, statement.split(" ON ")[0][:90]))
    after = _index_definitions(cursor, tables)
    drifted = {name: (before.get(name), after.get(name)) for name in set(before) | set(after)}
    drifted = {name: pair for name, pair in drifted.items() if pair[0] != pair[1]}
    if drifted:
        raise RuntimeError(f"indexes built again differ from the migrations': {drifted}")
    slowest = ", ".join(
        f"{statement} {seconds:.0f} s" for seconds, statement in sorted(timings)[-3:]
    )
    log(f"  slowest index builds: {slowest}")


def _episode_counts(rng: random.Random, children: int, episodes: int) -> list[int]:
    """Episodes per child: most 1 to 3, a long tail to 60, summing to `episodes`."""
    counts = []
    for _ in range(children):
        draw = rng.random()
        if draw < 0.62:
            counts.append(rng.choice((1, 1, 1, 2, 2, 3)))
        elif draw < 0.90:
            counts.append(rng.randint(4, 12))
        else:
            counts.append(rng.randint(20, 60))
    total = sum(counts)
    # Scale the tail (never the 1-3s) until the total is exact.
    order = [i for i in range(children) if counts[i] > 3]
    rng.shuffle(order)
    index = 0
    while total != episodes and order:
        i = order[index % len(order)]
        if total > episodes and counts[i] > 4:
            counts[i] -= 1
            total -= 1
        elif total < episodes and counts[i] < 60:
            counts[i] += 1
            total += 1
        index += 1
        if index > 50 * len(order):
            break
    i = 0
    while total < episodes:  # a tiny run: give the first children more
        counts[i % children] += 1
        total += 1
        i += 1
    return counts


def generate(
    connection,
    *,
    episodes: int = NATIONAL_EPISODES,
    seed: int = 13,
    now: dt.datetime = DEFAULT_NOW,
    history: bool = True,
    log=print,
    authorities: int | None = None,
    defer_indexes: bool = True,
) -> dict[str, int]:
    """Write the dataset through `connection` (a Django connection; one transaction is the
    caller's). Returns row counts by table. With `defer_indexes` the bulk tables' indexes
    are dropped for the load and built again before it returns (in the same transaction:
    nobody sees the tables without them)."""
    from protocol.conf import protocol_settings
    from reports.facts import fill_episode_facts

    rng = random.Random(seed)
    settings = protocol_settings()
    n_children = max(20, round(episodes * CHILDREN_PER_EPISODE))
    n_authorities = authorities or max(2, min(150, round(episodes / EPISODES_PER_AUTHORITY)))
    n_forces = max(1, (n_authorities + 3) // 4)
    now_s = now.timestamp()
    start_s = now_s - HISTORY_DAYS * 86400
    counts: dict[str, int] = {}
    started = time.perf_counter()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Index builds sort in memory; the temporary table's joins hash in memory.
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        raw = cursor.cursor  # psycopg's own cursor: COPY
        copier = Copier(raw)
        tables = [
            "agencies_agency",
            "agencies_team",
            "agencies_user",
            "agencies_membership",
            "children_child",
            "children_legalstatus",
            "children_placement",
            "children_allocation",
            "episodes_episode",
            "risk_riskassessment",
            "risk_mashreferral",
            "risk_mashtriage",
            "returns_returninterview",
            "episodes_safeandwellcheck",
        ]
        ids = _next_ids(raw, tables)
        before = _index_definitions(raw, BULK_TABLES)
        rebuild = _drop_secondary_indexes(connection, raw, BULK_TABLES) if defer_indexes else []
        stamp = _ts(now_s)

        # --- agencies, teams, people ---------------------------------------------------
        authority_ids = list(range(ids["agencies_agency"], ids["agencies_agency"] + n_authorities))
        force_ids = list(range(authority_ids[-1] + 1, authority_ids[-1] + 1 + n_forces))
        tag = f"{seed}-{ids['agencies_agency']}"
        counts["agencies"] = copier.copy(
            "agencies_agency",
            ["id", "name", "kind", "code"],
            [
                *(
                    (
                        a,
                        f"National Authority {i + 1:03} ({tag})",
                        "local_authority",
                        f"E{900000 + i}",
                    )
                    for i, a in enumerate(authority_ids)
                ),
                *(
                    (f, f"National Police {i + 1:02} ({tag})", "police_force", f"P{i + 1:02}")
                    for i, f in enumerate(force_ids)
                ),
            ],
        )
        # Children per authority, then teams so that every worker carries 15-20.
        per_authority = [n_children // n_authorities] * n_authorities
        for i in range(n_children - sum(per_authority)):
            per_authority[i] += 1
        team_rows, user_rows, membership_rows = [], [], []
        next_team, next_user, next_membership = (
            ids["agencies_team"],
            ids["agencies_user"],
            ids["agencies_membership"],
        )
        # Per authority: list of (team id, [worker ids]) and its special people.
        authority_teams: dict[int, list[tuple[int, list[int]]]] = {}
        mash_users: dict[int, list[int]] = {}
        officers: dict[int, list[int]] = {}
        liaisons: dict[int, int] = {}

        def person(username: str, first: str, last: str) -> int:
            nonlocal next_user
            user_rows.append((next_user, "!", username, first, last, "", False, True, stamp))
            next_user += 1
            return next_user - 1

        def member(user: int, team: int, role: str) -> None:
            nonlocal next_membership
            membership_rows.append((next_membership, user, team, role, True))
            next_membership += 1

        for index, authority in enumerate(authority_ids):
            first = index == 0
            workers_needed = -(-per_authority[index] // rng.randint(*CASELOAD))
            teams = []
            for t in range(-(-workers_needed // WORKERS_PER_TEAM)):
                team = next_team
                next_team += 1
                team_rows.append((team, authority, f"Children's Team {t + 1}", ""))
                manager = person(
                    PERSONAS["team_manager"] if first and t == 0 else f"n{authority}_tm{t}",
                    "Team",
                    "Manager",
                )
                member(manager, team, "team_manager")
                workers = []
                for w in range(min(WORKERS_PER_TEAM, workers_needed - t * WORKERS_PER_TEAM)):
                    worker = person(
                        PERSONAS["social_worker"]
                        if first and t == 0 and w == 0
                        else f"n{authority}_sw{t}_{w}",
                        rng.choice(GIVEN),
                        rng.choice(FAMILY_STEMS),
                    )
                    member(worker, team, "social_worker")
                    workers.append(worker)
                teams.append((team, workers))
            authority_teams[authority] = teams
            mash = next_team
            service = next_team + 1
            next_team += 2
            team_rows.append((mash, authority, "MASH", ""))
            team_rows.append((service, authority, "Missing Children Service", ""))
            mash_users[authority] = []
            for m in range(3):
                user = person(
                    PERSONAS["mash_triage"] if first and m == 0 else f"n{authority}_mash{m}",
                    "MASH",
                    "Triage",
                )
                member(user, mash, "mash_triage")
                mash_users[authority].append(user)
            for role, key in (
                ("missing_coordinator", "missing_coordinator"),
                ("senior_manager", "senior_manager"),
                ("panel_member", "panel_member"),
            ):
                member(
                    person(PERSONAS[key] if first else f"n{authority}_{key}", "N", role),
                    service,
                    role,
                )
            officers[authority] = []
            for o in range(2):
                user = person(
                    PERSONAS["return_interview_officer"]
                    if first and o == 0
                    else f"n{authority}_rio{o}",
                    "Return",
                    "Officer",
                )
                member(user, service, "return_interview_officer")
                officers[authority].append(user)
        for index, force in enumerate(force_ids):
            team = next_team
            next_team += 1
            team_rows.append((team, force, "Missing Persons Unit", ""))
            for o in range(2):
                liaison = person(
                    PERSONAS["police_liaison"] if index == 0 and o == 0 else f"n{force}_pl{o}",
                    "Police",
                    "Liaison",
                )
                member(liaison, team, "police_liaison")
                # Who records the force's safe and well checks.
                liaisons.setdefault(force, liaison)
        counts["teams"] = copier.copy(
            "agencies_team", ["id", "agency_id", "name", "email"], team_rows
        )
        counts["users"] = copier.copy(
            "agencies_user",
            [
                "id",
                "password",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            user_rows,
        )
        counts["memberships"] = copier.copy(
            "agencies_membership",
            ["id", "user_id", "team_id", "role", "is_active"],
            membership_rows,
        )
        log(
            f"  people: {len(user_rows):,} users in {len(team_rows):,} teams "
            f"({time.perf_counter() - started:.1f} s)"
        )

        # --- children ---------------------------------------------------------------------
        child_rows, status_rows, placement_rows, allocation_rows = [], [], [], []
        child_ids = list(range(ids["children_child"], ids["children_child"] + n_children))
        child_authority, child_looked_after, child_uasc, child_born = {}, {}, {}, {}
        child_team: dict[int, int | None] = {}
        next_status, next_placement, next_allocation = (
            ids["children_legalstatus"],
            ids["children_placement"],
            ids["children_allocation"],
        )
        position = 0
        for index, authority in enumerate(authority_ids):
            # Each worker's caseload, 15-20 (the last worker of a team takes what is left).
            slots = [
                (team, worker) for team, workers in authority_teams[authority] for worker in workers
            ]
            caseloads = []
            remaining = per_authority[index]
            for slot in slots:
                take = min(remaining, rng.randint(*CASELOAD))
                caseloads.extend([slot] * take)
                remaining -= take
            while remaining > 0:
                caseloads.append(slots[-1])
                remaining -= 1
            for n in range(per_authority[index]):
                child = child_ids[position]
                position += 1
                age_days = rng.randint(8 * 365, 18 * 365 - 30)
                born = (now - dt.timedelta(days=age_days)).date()
                if born.month == 2 and born.day == 29:
                    born = born.replace(day=28)
                uasc = rng.random() < 0.02
                legal = rng.choices(
                    ("looked_after", "child_protection", "child_in_need", "none"), (45, 20, 25, 10)
                )[0]
                given = rng.choice(GIVEN)
                family = rng.choice(FAMILY_STEMS) + rng.choice(FAMILY_ENDINGS)
                child_rows.append(
                    (
                        child,
                        given,
                        family,
                        given[:3] if rng.random() < 0.05 else "",
                        born,
                        rng.choice(("female", "male", "male", "female", "not_known")),
                        "NOBT",
                        uasc,
                        authority,
                        stamp,
                        stamp,
                    )
                )
                child_authority[child] = authority
                child_looked_after[child] = legal == "looked_after"
                child_uasc[child] = uasc
                child_born[child] = born
                since = dt.date(2015, 1, 1)
                status_rows.append((next_status, child, legal, since, None))
                next_status += 1
                kind = (
                    rng.choice(("foster", "residential", "semi_independent"))
                    if legal == "looked_after"
                    else "home"
                )
                host = authority if rng.random() < 0.85 else rng.choice(authority_ids)
                placement_rows.append(
                    (next_placement, child, kind, authority, host, "", since, None)
                )
                next_placement += 1
                if rng.random() < 0.01:
                    child_team[child] = None  # unallocated: the managers' list to allocate
                    continue
                team, worker = caseloads[n]
                child_team[child] = team
                allocation_rows.append((next_allocation, child, team, worker, stamp, None))
                next_allocation += 1
        counts["children"] = copier.copy(
            "children_child",
            [
                "id",
                "given_name",
                "family_name",
                "known_as",
                "date_of_birth",
                "sex",
                "ethnicity",
                "is_uasc",
                "responsible_authority_id",
                "created_at",
                "updated_at",
            ],
            child_rows,
        )
        copier.copy(
            "children_legalstatus",
            ["id", "child_id", "status", "start_date", "end_date"],
            status_rows,
        )
        copier.copy(
            "children_placement",
            [
                "id",
                "child_id",
                "kind",
                "placing_authority_id",
                "host_authority_id",
                "name",
                "start_date",
                "end_date",
            ],
            placement_rows,
        )
        copier.copy(
            "children_allocation",
            ["id", "child_id", "team_id", "worker_id", "started_at", "ended_at"],
            allocation_rows,
        )
        log(f"  children: {n_children:,} ({time.perf_counter() - started:.1f} s)")

        # --- episodes and what was recorded about them -------------------------------------
        per_child = _episode_counts(rng, n_children, episodes)
        # About 2% of episodes still open: the last of that many children.
        open_children = set(rng.sample(child_ids, min(n_children, round(episodes * 0.02))))
        assessment_rows, interview_rows, cover_rows, check_rows, referral_rows = [], [], [], [], []
        triage_rows: list[tuple[Any, ...]] = []
        day = 86400.0
        force_of = {a: force_ids[i % n_forces] for i, a in enumerate(authority_ids)}

        def draw_episodes() -> Iterable[tuple[Any, ...]]:
            """Yield the episodes one by one (COPY streams them to PostgreSQL while the
            next are drawn) and collect what was recorded about them in the lists."""
            next_episode = ids["episodes_episode"]
            next_assessment = ids["risk_riskassessment"]
            next_interview = ids["returns_returninterview"]
            next_check = ids["episodes_safeandwellcheck"]
            next_referral = ids["risk_mashreferral"]
            next_triage = ids["risk_mashtriage"]
            for child, k in zip(child_ids, per_child, strict=True):
                authority = child_authority[child]
                force = force_of[authority]
                born = child_born[child]
                is_open = child in open_children
                span = (now_s - start_s) / k
                previous_end = start_s
                mash = mash_users[authority]
                for j in range(k):
                    last = j == k - 1
                    slot_start = max(previous_end + 3600, start_s + j * span)
                    if last and is_open:
                        age = rng.choice((0.3, 0.6, 1, 2, 3, 5, 8, 14, 30, 60, 120, 200)) * day
                        seen = max(slot_start + 3600, now_s - age - rng.random() * 0.2 * day)
                    else:
                        seen = slot_start + rng.random() * span * 0.5
                    # Episodes start between 06:00 and 20:59 UTC (module docstring).
                    midnight = seen - seen % day
                    seen = midnight + (6 + rng.randint(0, 14)) * 3600 + rng.randint(0, 3599)
                    seen = max(seen, previous_end + 60)
                    if seen >= now_s - 3 * 3600:
                        seen = now_s - 3 * 3600 - rng.randint(0, 3600)
                    age_years = (
                        dt.datetime.fromtimestamp(seen, dt.UTC).date() - born
                    ).days / 365.25
                    if last and is_open:
                        category, hours = "missing", None
                    else:
                        category = rng.choices(
                            ("missing", "absent", "away_without_authorisation"), (65, 25, 10)
                        )[0]
                        if (
                            category == "away_without_authorisation"
                            and not child_looked_after[child]
                        ):
                            category = "missing"
                        if category == "absent" and age_years < 13:
                            category = "missing"
                        if category == "absent":
                            hours = rng.uniform(0.5, 20)
                        elif category == "missing":
                            hours = rng.choices(
                                (rng.uniform(1, 24), rng.uniform(24, 100), rng.uniform(120, 240)),
                                (80, 17, 3),
                            )[0]
                        else:
                            hours = rng.uniform(2, 48)
                    reported = seen + rng.randint(15, 180) * 60
                    returned = None if hours is None else seen + hours * 3600
                    if returned is not None and returned > now_s - 60:
                        returned = now_s - 60 if now_s - 60 > reported else reported
                    missing_from = "placement" if child_looked_after[child] else "home"
                    police_risk = rng.choices(
                        ("high", "medium", "low", "very_low"), (8, 32, 45, 15)
                    )[0]
                    uasc_informed = (
                        _ts(reported + rng.randint(1, 20) * 3600)
                        if child_uasc[child]
                        and category == "missing"
                        and rng.random() < 0.9
                        and reported + 20 * 3600 < now_s
                        else None
                    )
                    episode = next_episode
                    next_episode += 1
                    reference = f"{force:02}/{episode:07}" if category == "missing" else ""
                    yield (
                        episode,
                        child,
                        category,
                        missing_from,
                        _ts(seen),
                        _ts(reported),
                        force if category == "missing" else None,
                        reference,
                        police_risk,
                        None if returned is None else _ts(returned),
                        uasc_informed,
                        # Reported to police with the episode (police_report_check opens
                        # nothing for an episode recorded with its police report).
                        _ts(reported) if category == "missing" else None,
                        stamp if category == "missing" else None,
                        stamp,
                        stamp,
                        # Who recorded the report: the authority's MASH (a real user; the
                        # pages join episodes to their reporter).
                        mash[0],
                    )
                    referral = None
                    # MASH referral: one per episode of the last 30 days (open for 2 days).
                    if reported > now_s - 30 * day:
                        status = "open" if reported > now_s - 2 * day else "closed"
                        referral_rows.append(
                            (
                                next_referral,
                                child,
                                episode,
                                authority,
                                _ts(reported),
                                status,
                                mash[0],
                                None if status == "open" else _ts(min(now_s - 60, reported + day)),
                            )
                        )
                        referral = next_referral
                        next_referral += 1
                    # A risk assessment for most episodes, a few late.
                    window = {"red": 4, "amber": 24, "green": 72}[RISK_BY_POLICE[police_risk]]
                    delay = rng.uniform(0.2, window * (1.4 if rng.random() < 0.1 else 0.9)) * 3600
                    if rng.random() < 0.9 and reported + delay < now_s:
                        rag = rng.choices(("red", "amber", "green"), (8, 32, 60))[0]
                        assessment_rows.append(
                            (
                                next_assessment,
                                child,
                                episode,
                                rag,
                                rng.randint(1, 4),
                                "{"
                                + rng.choice(
                                    ("", "cse", "cce_county_lines", "gangs", "substance_misuse")
                                )
                                + "}"
                                if rng.random() < 0.3
                                else "{}",
                                _ts(reported + delay),
                                mash[rng.randrange(len(mash))],
                            )
                        )
                        next_assessment += 1
                        # MASH's triage of the referral (one per referral, decision 0012): the
                        # assessment's rating, made a minute after the report; it sets the clock.
                        if referral is not None:
                            triage_rows.append(
                                (
                                    next_triage,
                                    referral,
                                    child,
                                    episode,
                                    rag,
                                    assessment_rows[-1][4],
                                    police_risk,
                                    _ts(min(reported + 60, now_s)),
                                    mash[0],
                                    stamp,
                                    stamp,
                                )
                            )
                            next_triage += 1
                    if returned is not None:
                        if (
                            category == "missing"
                            and rng.random() < 0.85
                            and returned + 30 * 3600 < now_s
                        ):
                            check_rows.append(
                                (
                                    next_check,
                                    episode,
                                    _ts(returned + rng.uniform(1, 30) * 3600),
                                    "PC Synthetic",
                                    force,
                                    _ts(returned + 31 * 3600),
                                    liaisons[force],
                                )
                            )
                            next_check += 1
                        if rng.random() < 0.8 and returned + 96 * 3600 < now_s:
                            outcome = rng.choices(
                                ("held", "declined", "no_engagement"), (70, 20, 10)
                            )[0]
                            when = returned + rng.uniform(4, 96) * 3600
                            interview_rows.append(
                                (
                                    next_interview,
                                    child,
                                    officers[authority][0],
                                    "",
                                    True,
                                    _ts(returned + 3600),
                                    outcome,
                                    _ts(when) if outcome == "held" else None,
                                    _ts(when),
                                    "{conflict_at_home}",
                                    "{friends}",
                                    officers[authority][0],
                                    stamp,
                                    stamp,
                                )
                            )
                            cover_rows.append((next_interview, episode))
                            next_interview += 1
                        previous_end = returned
                    else:
                        previous_end = now_s

        counts["episodes"] = copier.copy(
            "episodes_episode",
            [
                "id",
                "child_id",
                "category",
                "missing_from",
                "last_seen_at",
                "reported_at",
                "police_force_id",
                "police_reference",
                "police_risk",
                "returned_at",
                "home_office_informed_at",
                "reported_to_police_at",
                "police_report_recorded_at",
                "created_at",
                "updated_at",
                "reported_by_id",
            ],
            draw_episodes(),
        )
        log(
            f"  episodes drawn and copied: {counts['episodes']:,} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        counts["referrals"] = copier.copy(
            "risk_mashreferral",
            [
                "id",
                "child_id",
                "episode_id",
                "mash_authority_id",
                "received_at",
                "status",
                "created_by_id",
                "closed_at",
            ],
            referral_rows,
        )
        counts["assessments"] = copier.copy(
            "risk_riskassessment",
            [
                "id",
                "child_id",
                "episode_id",
                "rag",
                "threshold_level",
                "indicators",
                "assessed_at",
                "assessed_by_id",
            ],
            assessment_rows,
        )
        counts["triages"] = copier.copy(
            "risk_mashtriage",
            [
                "id",
                "referral_id",
                "child_id",
                "episode_id",
                "rag",
                "threshold_level",
                "police_risk_seen",
                "triaged_at",
                "triaged_by_id",
                "created_at",
                "updated_at",
            ],
            triage_rows,
        )
        triage_rows.clear()
        counts["interviews"] = copier.copy(
            "returns_returninterview",
            [
                "id",
                "child_id",
                "interviewer_id",
                "interviewer_name",
                "is_independent",
                "offered_at",
                "outcome",
                "held_at",
                "outcome_recorded_at",
                "push_factors",
                "pull_factors",
                "recorded_by_id",
                "created_at",
                "updated_at",
            ],
            interview_rows,
        )
        copier.copy("returns_returninterviewepisode", ["interview_id", "episode_id"], cover_rows)
        counts["checks"] = copier.copy(
            "episodes_safeandwellcheck",
            [
                "id",
                "episode_id",
                "checked_at",
                "officer_name",
                "police_force_id",
                "recorded_at",
                "recorded_by_id",
            ],
            check_rows,
        )
        for rows in (assessment_rows, interview_rows, cover_rows, check_rows, referral_rows):
            rows.clear()
        log(f"  recorded facts ({time.perf_counter() - started:.1f} s)")

        # --- the deadlines, rule by rule, in SQL --------------------------------------------
        first_episode = ids["episodes_episode"]
        for table in (
            "risk_riskassessment",
            "risk_mashtriage",
            "returns_returninterview",
            "returns_returninterviewepisode",
            "episodes_safeandwellcheck",
            "episodes_episode",
            "children_child",
            "children_allocation",
            "children_legalstatus",
        ):
            raw.execute(f"ANALYZE {table}")
        # Each episode with what the rules read of it, joined once (set-based, hash joins).
        raw.execute(
            """
            CREATE TEMP TABLE gen_episode ON COMMIT DROP AS
            SELECT g.*,
                -- Missing or absent episodes of the child from the London day a window
                -- ago to this one's start (the repeat rule), by two sorts instead of a
                -- lookup per episode: those of the days in the window, less the same
                -- day's later ones.
                count(*) FILTER (WHERE g.category IN ('missing', 'absent')) OVER (
                    PARTITION BY g.child_id ORDER BY g.london_day
                    RANGE BETWEEN %(window)s PRECEDING AND CURRENT ROW
                ) - count(*) FILTER (WHERE g.category IN ('missing', 'absent')) OVER (
                    PARTITION BY g.child_id, g.london_day ORDER BY g.last_seen_at
                    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
                ) AS repeat_count
            FROM (
            SELECT e.*, (e.last_seen_at AT TIME ZONE 'Europe/London')::date - DATE '2000-01-01'
                AS london_day, c.is_uasc, c.date_of_birth, al.team_id,
                s.child_id IS NOT NULL AS looked_after,
                ra.first_assessment, tr.triage_rag, tr.triaged_at, sw.first_check, ri.interview_met, ri.interview_id
            FROM episodes_episode e
            JOIN children_child c ON c.id = e.child_id
            LEFT JOIN (SELECT DISTINCT ON (child_id) child_id, team_id FROM children_allocation
                       WHERE ended_at IS NULL ORDER BY child_id, started_at) al
                ON al.child_id = e.child_id
            LEFT JOIN children_legalstatus s ON s.child_id = e.child_id AND s.status = 'looked_after'
                AND s.start_date <= (e.last_seen_at AT TIME ZONE 'Europe/London')::date
                AND (s.end_date IS NULL OR s.end_date >= (e.last_seen_at AT TIME ZONE 'Europe/London')::date)
            LEFT JOIN (SELECT episode_id, min(assessed_at) AS first_assessment
                       FROM risk_riskassessment WHERE episode_id >= %(first)s GROUP BY episode_id) ra
                ON ra.episode_id = e.id
            LEFT JOIN (SELECT DISTINCT ON (episode_id) episode_id, rag AS triage_rag, triaged_at
                       FROM risk_mashtriage WHERE episode_id >= %(first)s
                       ORDER BY episode_id, triaged_at DESC, id DESC) tr
                ON tr.episode_id = e.id
            LEFT JOIN (SELECT episode_id, min(checked_at) AS first_check
                       FROM episodes_safeandwellcheck WHERE episode_id >= %(first)s GROUP BY episode_id) sw
                ON sw.episode_id = e.id
            LEFT JOIN (
                SELECT DISTINCT ON (cv.episode_id) cv.episode_id, i.id AS interview_id,
                    CASE WHEN i.outcome = 'held' AND i.held_at IS NOT NULL THEN i.held_at
                         ELSE i.outcome_recorded_at END AS interview_met
                FROM returns_returninterviewepisode cv
                JOIN returns_returninterview i ON i.id = cv.interview_id
                WHERE cv.episode_id >= %(first)s AND i.outcome <> ''
                ORDER BY cv.episode_id, 3, 2
            ) ri ON ri.episode_id = e.id
            WHERE e.id >= %(first)s AND NOT e.entered_in_error
            ) g
            """,
            {"first": first_episode, "window": settings.repeat_window_days},
        )
        raw.execute("ANALYZE gen_episode")
        counts["deadlines"] = write_deadlines(raw, settings, now, log)
        log(f"  deadlines: {counts['deadlines']:,} ({time.perf_counter() - started:.1f} s)")
        if history:
            counts["history"] = write_history(raw, first_episode, ids["children_child"], now)
            log(f"  history rows: {counts['history']:,} ({time.perf_counter() - started:.1f} s)")
        raw.execute("DROP TABLE gen_episode")
        if rebuild:
            _rebuild_indexes(raw, BULK_TABLES, rebuild, before, log)
            log(f"  {len(rebuild)} indexes built ({time.perf_counter() - started:.1f} s)")
        # The report's facts of each episode (reports.EpisodeFact), as its triggers, off for
        # the load, would have written them, once the indexes they read through are built.
        counts["episode facts"] = fill_episode_facts(raw, first_episode_id=first_episode)
        log(f"  episode facts: {counts['episode facts']:,} ({time.perf_counter() - started:.1f} s)")
        _reset_sequences(raw, [*tables, "protocol_deadline", "returns_returninterviewepisode"])
        raw.execute("SET LOCAL session_replication_role = DEFAULT")
    return counts


def _hours(value: float) -> str:
    return f"{value:g}"


def write_deadlines(cursor, settings, now: dt.datetime, log=None) -> int:
    """Every deadline the rules of protocol/rules.py open for the generated episodes, with
    the status the ledger and the sweep would have given it by `now`."""
    s = settings
    fraction = s.due_soon_fraction
    # (rule, key, episode, opens, due, met, owner_role, reason, met_by_engine, from, where)
    # risk_assessment: the MASH triage's rating sets the window (decision 0012).
    window = (
        f"CASE e.triage_rag WHEN 'red' THEN {s.risk_assessment_red_hours} "
        f"WHEN 'amber' THEN {s.risk_assessment_amber_hours} "
        f"WHEN 'green' THEN {s.risk_assessment_green_hours} "
        f"ELSE {s.risk_assessment_unrated_hours} END"
    )
    window_text = (
        f"CASE e.triage_rag WHEN 'red' THEN '{_hours(s.risk_assessment_red_hours)}' "
        f"WHEN 'amber' THEN '{_hours(s.risk_assessment_amber_hours)}' "
        f"WHEN 'green' THEN '{_hours(s.risk_assessment_green_hours)}' "
        f"ELSE '{_hours(s.risk_assessment_unrated_hours)}' END"
    )
    h = "* interval '1 hour'"
    london = "'Europe/London'"
    first_assessment = "e.first_assessment"
    interview_met = "e.interview_met"
    first_interview = "e.interview_id"
    first_check = "e.first_check"
    eighteen = f"((e.date_of_birth + interval '18 years')::date::timestamp AT TIME ZONE {london})"
    senior_due = (
        f"((((e.last_seen_at AT TIME ZONE {london})::date + interval '{s.senior_review_months} months')"
        f"::date)::timestamp AT TIME ZONE {london})"
    )
    # Counted once for every episode when gen_episode was made (generate()).
    repeat_count = "e.repeat_count"
    rules = [
        (
            "risk_assessment",
            "'risk_assessment:episode:' || e.id",
            "e.reported_at",
            f"e.reported_at + ({window}) {h}",
            first_assessment,
            "mash_triage",
            "CASE WHEN e.triage_rag IS NULL THEN 'Episode reported and not yet triaged by MASH, "
            "so the missing child risk assessment is due within ' "
            "ELSE 'MASH triaged the referral ' || initcap(e.triage_rag) || ' (' "
            f"|| to_char(e.triaged_at AT TIME ZONE {london}, 'DD FMMonth YYYY, HH24:MI') "
            "|| '), so the missing child risk assessment is due within ' END "
            f"|| ({window_text}) || ' hours of the report.'",
            False,
            "true",
        ),
        (
            "absent_review",
            "'absent_review:episode:' || e.id",
            "e.last_seen_at",
            f"e.last_seen_at + {s.absent_review_hours} {h}",
            "e.returned_at",
            "social_worker",
            f"'Recorded as absent: contact must be made within {_hours(s.absent_review_hours)} hours "
            "of last seen, or the child is missing.'",
            False,
            "e.category = 'absent'",
        ),
        (
            "manager_escalation",
            "'manager_escalation:episode:' || e.id",
            f"e.last_seen_at + {s.manager_escalation_hours} {h}",
            f"e.last_seen_at + {s.manager_escalation_hours} {h}",
            "NULL",
            "team_manager",
            f"'A looked-after child missing {_hours(s.manager_escalation_hours)} hours is escalated "
            "to the team manager, Missing Co-ordinator and Assistant Director.'",
            True,
            "e.category = 'missing' AND e.looked_after AND (e.returned_at IS NULL OR "
            f"e.returned_at >= e.last_seen_at + {s.manager_escalation_hours} {h})",
        ),
        (
            "strategy_meeting",
            "'strategy_meeting:episode:' || e.id || ':missing'",
            f"e.last_seen_at + {s.strategy_meeting_missing_hours} {h}",
            f"e.last_seen_at + ({s.strategy_meeting_missing_hours} + {s.strategy_meeting_after_missing_hours}) {h}",
            "NULL",
            "team_manager",
            f"'Missing more than {_hours(s.strategy_meeting_missing_hours)} hours: a strategy meeting "
            f"within {_hours(s.strategy_meeting_after_missing_hours)} hours.'",
            False,
            "e.category = 'missing' AND (e.returned_at IS NULL OR "
            f"e.returned_at > e.last_seen_at + {s.strategy_meeting_missing_hours} {h})",
        ),
        (
            "strategy_meeting",
            "'strategy_meeting:episode:' || e.id || ':repeat'",
            "e.reported_at",
            f"((e.reported_at AT TIME ZONE {london}) + interval '{s.strategy_meeting_repeat_days} days') "
            f"AT TIME ZONE {london}",
            "NULL",
            "team_manager",
            f"'Episode ' || {repeat_count} || ' in {s.repeat_window_days} days: a strategy "
            f"meeting within {s.strategy_meeting_repeat_days} days.'",
            False,
            f"e.category IN ('missing', 'absent') AND {repeat_count} >= {s.repeat_episode_count}",
        ),
        (
            "strategy_discussion",
            "'strategy_discussion:episode:' || e.id",
            f"e.last_seen_at + {s.strategy_discussion_missing_hours} {h}",
            f"e.last_seen_at + ({s.strategy_discussion_missing_hours} + {s.strategy_discussion_within_hours}) {h}",
            "NULL",
            "team_manager",
            "'Missing five successive days: a strategy discussion within "
            f"{_hours(s.strategy_discussion_within_hours)} hours.'",
            False,
            "e.category = 'missing' AND (e.returned_at IS NULL OR "
            f"e.returned_at >= e.last_seen_at + {s.strategy_discussion_missing_hours} {h})",
        ),
        (
            "safe_and_well_check",
            "'safe_and_well_check:episode:' || e.id",
            "e.returned_at",
            f"e.returned_at + {s.safe_and_well_check_hours} {h}",
            first_check,
            "police_liaison",
            f"'Returned: police safe and well check within {_hours(s.safe_and_well_check_hours)} hours.'",
            False,
            "e.category = 'missing' AND e.returned_at IS NOT NULL",
        ),
        (
            "return_interview",
            "'return_interview:episode:' || e.id",
            "e.returned_at",
            f"e.returned_at + {s.return_interview_hours} {h}",
            interview_met,
            "return_interview_officer",
            "'Returned: an independent return interview offered and its outcome recorded within "
            f"{_hours(s.return_interview_hours)} hours.'",
            False,
            "e.returned_at IS NOT NULL"
            + ("" if s.return_interview_scope == "every_episode" else " AND false"),
        ),
        (
            "senior_review",
            "'senior_review:episode:' || e.id",
            "e.last_seen_at",
            senior_due,
            "NULL",
            "senior_manager",
            f"'Missing {s.senior_review_months} months: formal review by the Assistant Director.'",
            False,
            f"e.category = 'missing' AND (e.returned_at IS NULL OR e.returned_at >= {senior_due})",
        ),
        (
            "missing_at_eighteen",
            "'missing_at_eighteen:episode:' || e.id",
            "e.last_seen_at",
            eighteen,
            "NULL",
            "senior_manager",
            "'Still missing at 18: a missing child meeting decides whether to close the case.'",
            False,
            f"e.category = 'missing' AND e.last_seen_at < {eighteen} AND "
            f"(e.returned_at IS NULL OR e.returned_at > {eighteen})",
        ),
        (
            "home_office_notice",
            "'home_office_notice:episode:' || e.id",
            "e.reported_at",
            f"e.reported_at + {s.home_office_notice_hours} {h}",
            "e.home_office_informed_at",
            "social_worker",
            "'Unaccompanied asylum-seeking child missing: inform the Home Office within "
            f"{_hours(s.home_office_notice_hours)} hours.'",
            False,
            "e.is_uasc AND e.category = 'missing'",
        ),
    ]
    total = 0
    timings = []
    for rule, key, opens, due, met, owner, reason, by_engine, where in rules:
        started = time.perf_counter()
        total += _insert_rule(
            cursor,
            rule,
            key,
            opens,
            due,
            met,
            owner,
            reason,
            by_engine,
            where,
            fraction,
            now,
            interview=first_interview if rule == "return_interview" else None,
        )
        timings.append(
            (time.perf_counter() - started, rule + (" (repeat)" if "repeat" in key else ""))
        )
    if log is not None:
        slowest = sorted(timings)[-3:]
        log("  slowest rules: " + ", ".join(f"{name} {seconds:.0f} s" for seconds, name in slowest))
    # panel_referral: one per Red assessment, 7 calendar days (no panel discussions: breached).
    cursor.execute(
        f"""
        INSERT INTO protocol_deadline (key, rule, child_id, episode_id, opens_at, due_at, status,
            met_at, breached_at, due_soon_at, owner_role, owner_team_id, reason, pending_notification,
            created_at, updated_at)
        SELECT 'panel_referral:assessment:' || a.id, 'panel_referral', a.child_id, a.episode_id,
            a.assessed_at, d.due,
            CASE WHEN d.due <= %(now)s THEN 'breached' WHEN a.assessed_at > %(now)s THEN 'scheduled' ELSE 'open' END,
            NULL, CASE WHEN d.due <= %(now)s THEN d.due END,
            a.assessed_at + (d.due - a.assessed_at) * %(fraction)s, 'team_manager', e.team_id,
            'Rated Red: refer to the exploitation panel and have the child discussed there '
            'within {s.panel_referral_days} days.', '',
            a.assessed_at, coalesce(CASE WHEN d.due <= %(now)s THEN d.due END, a.assessed_at)
        FROM risk_riskassessment a JOIN gen_episode e ON e.id = a.episode_id
        CROSS JOIN LATERAL (SELECT ((a.assessed_at AT TIME ZONE {london})
            + interval '{s.panel_referral_days} days') AT TIME ZONE {london} AS due) d
        WHERE a.rag = 'red'
        """,
        {"now": now, "fraction": fraction},
    )
    return total + cursor.rowcount


def _insert_rule(
    cursor,
    rule,
    key,
    opens,
    due,
    met,
    owner,
    reason,
    by_engine,
    where,
    fraction,
    now,
    interview=None,
) -> int:
    # The status protocol.ledger._status_for gives, and the sweep after it: met (late ones
    # keep the breach the sweep recorded at their due time), breached, open or scheduled.
    if by_engine:
        status = "CASE WHEN d.due <= %(now)s THEN 'met' ELSE 'scheduled' END"
        met_at = "CASE WHEN d.due <= %(now)s THEN d.due END"
        breached = "NULL::timestamptz"
    else:
        status = (
            "CASE WHEN d.met IS NOT NULL THEN 'met' WHEN d.due <= %(now)s THEN 'breached' "
            "WHEN d.opens > %(now)s THEN 'scheduled' ELSE 'open' END"
        )
        met_at = "d.met"
        breached = "CASE WHEN d.due <= %(now)s AND (d.met IS NULL OR d.met >= d.due) THEN d.due END"
    cursor.execute(
        f"""
        INSERT INTO protocol_deadline (key, rule, child_id, episode_id, return_interview_id,
            opens_at, due_at, status, met_at, breached_at, due_soon_at, owner_role, owner_team_id,
            reason, pending_notification, created_at, updated_at)
        SELECT d.key, '{rule}', d.child_id, d.id, d.interview, d.opens, d.due, {status}, {met_at},
            {breached}, d.opens + (d.due - d.opens) * %(fraction)s, '{owner}', d.team_id, d.reason,
            '', d.opens, greatest(d.opens, least(coalesce(d.met, d.due), %(now)s))
        FROM (
            SELECT e.id, e.child_id, e.team_id, {key} AS key, {opens} AS opens, {due} AS due,
                ({met})::timestamptz AS met, {reason} AS reason, {interview or "NULL::bigint"} AS interview
            FROM gen_episode e WHERE {where}
        ) d
        """,
        {"now": now, "fraction": fraction},
    )
    return cursor.rowcount


def write_history(cursor, first_episode: int, first_child: int, now: dt.datetime) -> int:
    """pghistory rows as the triggers would have written them: an insert event for each
    child, episode and deadline, and an update event for each deadline closed."""
    total = 0
    cursor.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_name = 'protocol_deadlineevent' AND column_name NOT LIKE 'pgh_%%'
        ORDER BY ordinal_position
        """
    )
    columns = [row[0] for row in cursor.fetchall()]
    names = ", ".join(columns)
    as_opened = ", ".join(
        {
            "status": "CASE WHEN d.opens_at > d.created_at THEN 'scheduled' ELSE 'open' END",
            "met_at": "NULL",
            "breached_at": "NULL",
            "cancelled_at": "NULL",
            "updated_at": "d.created_at",
        }.get(name, f"d.{name}")
        for name in columns
    )
    cursor.execute(
        f"""
        INSERT INTO protocol_deadlineevent (pgh_created_at, pgh_label, pgh_obj_id, {names})
        SELECT d.created_at, 'insert', d.id, {as_opened}
        FROM protocol_deadline d WHERE d.episode_id >= %s
        """,
        [first_episode],
    )
    total += cursor.rowcount
    cursor.execute(
        f"""
        INSERT INTO protocol_deadlineevent (pgh_created_at, pgh_label, pgh_obj_id, {names})
        SELECT d.updated_at, 'update', d.id, {", ".join("d." + c for c in columns)}
        FROM protocol_deadline d WHERE d.episode_id >= %s AND d.status IN ('met', 'breached')
        """,
        [first_episode],
    )
    total += cursor.rowcount
    for table, event, since in (
        ("episodes_episode", "episodes_episodeevent", first_episode),
        ("children_child", "children_childevent", first_child),
    ):
        cursor.execute(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND column_name NOT LIKE 'pgh_%%' ORDER BY ordinal_position
            """,
            [event],
        )
        event_columns = ", ".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            f"""
            INSERT INTO {event} (pgh_created_at, pgh_label, pgh_obj_id, {event_columns})
            SELECT t.created_at, 'insert', t.id, {event_columns} FROM {table} t WHERE t.id >= %s
            """,
            [since],
        )
        total += cursor.rowcount
    return total


# --- the command ---------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"Created database {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=NATIONAL_EPISODES)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--now", default=DEFAULT_NOW.isoformat(), help="ISO 8601 with offset")
    parser.add_argument("--reload", action="store_true", help="empty the case data first")
    parser.add_argument("--no-history", action="store_true")
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "NATIONAL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/homeward_scale_national"
        ),
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("CACHE_KEY_PREFIX", "homeward_national")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ensure_database(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    if args.reload:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE agencies_agency, agencies_user, children_child, reports_episodefact "
                "RESTART IDENTITY CASCADE"
            )
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '%%event'"
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"TRUNCATE {table}")
    started = time.perf_counter()
    with transaction.atomic():
        counts = generate(
            connection,
            episodes=args.episodes,
            seed=args.seed,
            now=dt.datetime.fromisoformat(args.now),
            history=not args.no_history,
        )
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        # As autovacuum leaves a database in service: statistics, and the visibility map
        # that lets index-only scans skip the table (the police reach reads a force's
        # children from an index alone). This machine runs with autovacuum off.
        cursor.execute("VACUUM (ANALYZE)")
    total = time.perf_counter() - started
    load = os.getloadavg()
    print(
        f"Generated {', '.join(f'{v:,} {k}' for k, v in counts.items())}\n"
        f"in {loaded:.0f} s (+ VACUUM (ANALYZE): {total:.0f} s), load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


if __name__ == "__main__":
    main()
