"""The committee report's facts of each episode (decision 0027), filled in bulk.

PostgreSQL's triggers keep `reports_episodefact` as episodes and what they read change.
A bulk load that turns triggers off (bench/national.py, bench/reports.py) fills the rows
afterwards with this: one statement, through `reports_compute_episode_facts`, the same
definition the triggers call. Recovery after a restore is `manage.py
refresh_episode_facts`.
"""

from __future__ import annotations

from typing import Any


def fill_episode_facts(cursor: Any, *, first_episode_id: int = 0) -> int:
    """Write the facts of every episode from `first_episode_id` on (none may have a row
    yet); return how many rows were written. `cursor`: Django's or psycopg's."""
    cursor.execute(
        "INSERT INTO reports_episodefact SELECT * FROM reports_compute_episode_facts("
        "ARRAY(SELECT id FROM episodes_episode WHERE id >= %s))",
        [first_episode_id],
    )
    return cursor.rowcount
