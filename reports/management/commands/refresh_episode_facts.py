"""manage.py refresh_episode_facts [--check]: the report's episode facts, written again.

PostgreSQL's triggers keep `reports_episodefact` (decision 0027). After something that
bypassed them (a restore or a bulk load with `session_replication_role = replica`), this
writes every episode's row again through the same function, 10,000 episodes a
transaction, and deletes the rows of episodes no longer there. `--check` only counts the
episodes whose row differs from a recount (missing, wrong or of no episode), and fails
(exit 1) if any do.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

BATCH = 10_000

_DIFFERENT = """
SELECT count(DISTINCT episode_id) FROM (
    (SELECT * FROM reports_episodefact
     EXCEPT ALL
     SELECT * FROM reports_compute_episode_facts(ARRAY(SELECT id FROM episodes_episode)))
    UNION ALL
    (SELECT * FROM reports_compute_episode_facts(ARRAY(SELECT id FROM episodes_episode))
     EXCEPT ALL
     SELECT * FROM reports_episodefact)
) different
"""


class Command(BaseCommand):
    help = "Write the committee report's facts of every episode again (or --check them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="count the rows that differ; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            if options["check"]:
                cursor.execute(_DIFFERENT)
                different = cursor.fetchone()[0]
                if different:
                    raise CommandError(
                        f"{different:,} episodes' facts differ from a recount: run refresh_episode_facts."
                    )
                self.stdout.write("The episode facts equal a recount.")
                return
            cursor.execute("SELECT COALESCE(max(id), 0) FROM episodes_episode")
            last = cursor.fetchone()[0]
        written = 0
        for start in range(0, last + 1, BATCH):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reports_refresh_episode_facts(ARRAY(SELECT id FROM episodes_episode "
                    "WHERE id >= %s AND id < %s))",
                    [start, start + BATCH],
                )
                cursor.execute(
                    "SELECT count(*) FROM reports_episodefact WHERE episode_id >= %s AND episode_id < %s",
                    [start, start + BATCH],
                )
                written += cursor.fetchone()[0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM reports_episodefact f WHERE NOT EXISTS "
                "(SELECT 1 FROM episodes_episode e WHERE e.id = f.episode_id)"
            )
            removed = cursor.rowcount
        self.stdout.write(
            f"Wrote the facts of {written:,} episodes; removed {removed:,} stale rows."
        )
