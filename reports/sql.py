"""The counting rules as SQL: one statement reads each counted episode once.

`EPISODES` is the rules (reports.counting's docstring states them in words): the episodes
last seen in the period, never entered in error, with the category they held at the end
of the period (the first reclassification after it is undone). What does not depend on
the period (the child's sex, age, legal status and placement on the London date last
seen, the best return interview outcome, the exploitation indicators) is read from each
episode's facts (reports.EpisodeFact, kept by PostgreSQL: decision 0027). `ROWS` adds
the duration band and the interview outcome as at the end of the period, and reads the
covering interviews' push and pull factors. Every table is then a GROUP BY over the
materialized `rows`, gathered into one JSON object, so PostgreSQL computes the rules once
per report however many tables read them (bench/reports.py: per-table ORM queries re-ran
the correlated subqueries for each table).
`EARLIER_JSON` counts the year before's episodes and children a month, `DEADLINES` the
ledger's compliance; `REPORT` is all of it, one statement over one scope.

Placeholders are `%(name)s`; `bind` turns them into positional parameters after the
scope's own SQL (the visibility selector's query), which is spliced in as `{scope}`.
"""

from __future__ import annotations

import re
from typing import Any

EPISODES = """
WITH scope (id) AS MATERIALIZED ({scope}),
reclassified AS (
    SELECT DISTINCT ON (r.episode_id) r.episode_id, r.from_category
    FROM episodes_reclassification r
    WHERE r.reclassified_at >= %(end)s
    ORDER BY r.episode_id, r.reclassified_at
),
-- The episodes' facts (reports.EpisodeFact, decision 0027: what the report counts of
-- each, kept by PostgreSQL as the episode and what it reads change), with the category
-- each held at the end of the period.
e AS MATERIALIZED (
    SELECT f.*, COALESCE(rc.from_category, f.category) AS category_then
    FROM reports_episodefact f
    JOIN scope ON scope.id = f.child_id
    LEFT JOIN reclassified rc ON rc.episode_id = f.episode_id
    WHERE f.last_seen_at >= %(start)s AND f.last_seen_at < %(end)s
),
-- The year before's episodes, for episodes and children a month only. Read from the table
-- itself, not filtered from a wider read: PostgreSQL estimates a filter on a CTE at a
-- fraction of its rows, and chose nested loops for thousands.
earlier AS MATERIALIZED (
    SELECT f.child_id, f.day
    FROM reports_episodefact f
    JOIN scope ON scope.id = f.child_id
    WHERE f.last_seen_at >= %(earlier_start)s AND f.last_seen_at < %(earlier_end)s
)"""

ROWS = """,
-- The interviews covering the episodes read, once, for their push and pull factors
-- (`covering`, never from the whole table); an episode's best outcome is in its facts.
interview_rows AS MATERIALIZED (
    SELECT e.episode_id, ri.id AS interview_id, ri.push_factors, ri.pull_factors
    FROM e
    JOIN returns_returninterviewepisode rie ON rie.episode_id = e.episode_id
    JOIN returns_returninterview ri ON ri.id = rie.interview_id
    WHERE e.interview_rank IS NOT NULL
),
all_rows AS (
    SELECT e.episode_id AS id, e.child_id, to_char(e.day, 'YYYY-MM') AS month,
        CASE WHEN e.category_then = 'missing' AND e.missing_from = 'home' THEN 'missing_from_home'
             WHEN e.category_then = 'missing' THEN 'missing_from_placement'
             ELSE e.category_then END AS col,
        CASE WHEN e.returned_at IS NULL OR e.returned_at >= %(end)s THEN 'still_missing'
             WHEN e.returned_at - e.last_seen_at < interval '24 hours' THEN 'under_24_hours'
             WHEN e.returned_at - e.last_seen_at < interval '48 hours' THEN 'one_day'
             WHEN e.returned_at - e.last_seen_at < interval '72 hours' THEN 'two_days'
             ELSE 'three_days_or_more' END AS band,
        e.sex, e.age, e.legal, e.placement, e.out_of_area,
        CASE WHEN e.returned_at IS NULL OR e.returned_at >= %(end)s THEN NULL
             ELSE COALESCE((ARRAY['held_within_72_hours', 'held_late', 'declined',
                                  'no_engagement', 'awaiting_outcome'])[e.interview_rank],
                           'not_offered')
             END AS interview,
        e.cse OR e.pull_exploitation AS cse,
        e.cce_county_lines,
        e.gangs OR e.pull_gang AS gangs,
        e.trafficking,
        e.radicalisation
    FROM e
),
rows AS MATERIALIZED (
    SELECT * FROM all_rows
    WHERE (%(legal_status)s = '' OR legal = %(legal_status)s)
      AND (%(category)s = '' OR col = %(category)s)
),
-- Distinct children are counted by grouping (hashed), not count(DISTINCT) (a sort each).
per_child AS MATERIALIZED (
    SELECT child_id, count(*) AS n, bool_or(out_of_area) AS out_of_area
    FROM rows GROUP BY child_id
),
-- The interviews covering the counted episodes, each once (one may cover several).
covering AS MATERIALIZED (
    SELECT DISTINCT ON (ir.interview_id) ir.push_factors, ir.pull_factors
    FROM interview_rows ir
    WHERE ir.episode_id IN (SELECT id FROM rows)
    ORDER BY ir.interview_id
)
"""

# Every table of the period, as one JSON object.
ROWS_JSON = """
json_build_object(
    'month_col', (SELECT json_agg(x) FROM (
        SELECT month, col AS key, count(*) AS n FROM rows GROUP BY 1, 2) x),
    'month', (SELECT json_agg(x) FROM (
        SELECT month, sum(n) AS episodes, count(*) AS children FROM (
            SELECT month, child_id, count(*) AS n FROM rows GROUP BY 1, 2) y
        GROUP BY 1) x),
    'totals', (SELECT json_build_object(
        'episodes', count(*),
        'children', (SELECT count(*) FROM per_child),
        'out_of_area_episodes', count(*) FILTER (WHERE out_of_area),
        'out_of_area_children', (SELECT count(*) FROM per_child WHERE out_of_area),
        'cse', count(*) FILTER (WHERE cse),
        'cce_county_lines', count(*) FILTER (WHERE cce_county_lines),
        'gangs', count(*) FILTER (WHERE gangs),
        'trafficking', count(*) FILTER (WHERE trafficking),
        'radicalisation', count(*) FILTER (WHERE radicalisation),
        'any', count(*) FILTER (WHERE cse OR cce_county_lines OR gangs OR trafficking
                                OR radicalisation)) FROM rows),
    'month_band', (SELECT json_agg(x) FROM (
        SELECT month, band AS key, count(*) AS n FROM rows GROUP BY 1, 2) x),
    'sex', (SELECT json_agg(x) FROM (
        SELECT key, sum(n) AS episodes, count(*) AS children FROM (
            SELECT sex AS key, child_id, count(*) AS n FROM rows GROUP BY 1, 2) y
        GROUP BY 1) x),
    'age_band', (SELECT json_agg(x) FROM (
        SELECT key, sum(n) AS episodes, count(*) AS children FROM (
            SELECT {age_band} AS key, child_id, count(*) AS n FROM rows GROUP BY 1, 2) y
        GROUP BY 1) x),
    'legal', (SELECT json_agg(x) FROM (
        SELECT key, sum(n) AS episodes, count(*) AS children FROM (
            SELECT legal AS key, child_id, count(*) AS n FROM rows GROUP BY 1, 2) y
        GROUP BY 1) x),
    'placement', (SELECT json_agg(x) FROM (
        SELECT key, sum(n) AS episodes, count(*) AS children FROM (
            SELECT placement AS key, child_id, count(*) AS n FROM rows GROUP BY 1, 2) y
        GROUP BY 1) x),
    'month_interview', (SELECT json_agg(x) FROM (
        SELECT month, interview AS key, count(*) AS n FROM rows
        WHERE interview IS NOT NULL GROUP BY 1, 2) x),
    'per_child', (SELECT json_agg(x) FROM (
        SELECT n, count(*) AS children FROM per_child GROUP BY n) x),
    'push', (SELECT json_agg(x) FROM (
        SELECT factor AS key, count(*) AS n FROM covering, unnest(covering.push_factors) AS factor
        GROUP BY 1) x),
    'pull', (SELECT json_agg(x) FROM (
        SELECT factor AS key, count(*) AS n FROM covering, unnest(covering.pull_factors) AS factor
        GROUP BY 1) x)
)"""

# The year-earlier comparison needs only episodes and children a month.
EARLIER_JSON = """
json_build_object('month', (SELECT json_agg(x) FROM (
    SELECT month, sum(n) AS episodes, count(*) AS children FROM (
        SELECT to_char(day, 'YYYY-MM') AS month, child_id, count(*) AS n FROM earlier GROUP BY 1, 2) y
    GROUP BY 1) x))"""

# Protocol compliance: the Deadline ledger's deadlines due in the period, as recorded,
# counted by rule, by month and by team in one pass (GROUPING SETS), and the month
# formatted on the grouped rows, not on each of the ~9,000 deadlines of an authority's
# year (issue 13: three aggregates over a materialized CTE and to_char per row were
# a third of the statement).
DEADLINES = """,
d AS MATERIALIZED (
    SELECT d.rule, d.owner_team_id AS team_id,
        date_trunc('month', d.due_at, 'Europe/London') AS month,
        CASE WHEN d.status = 'met' AND d.met_at < d.due_at THEN 'met_on_time'
             WHEN d.status = 'met' THEN 'met_late'
             WHEN d.status = 'breached' THEN 'breached'
             WHEN d.status = 'cancelled' THEN 'cancelled'
             ELSE 'open' END AS outcome,
        count(*) AS n,
        GROUPING(d.rule) AS by_rule, GROUPING(d.owner_team_id) AS by_team
    FROM protocol_deadline d
    JOIN scope ON scope.id = d.child_id
    WHERE d.due_at >= %(start)s AND d.due_at < %(end)s
      AND (%(team)s::bigint IS NULL OR d.owner_team_id = %(team)s::bigint)
    GROUP BY GROUPING SETS ((d.rule, 4), (3, 4), (d.owner_team_id, 4))
)
"""

DEADLINES_JSON = """
json_build_object(
    'rule', (SELECT json_agg(x) FROM (
        SELECT rule AS key, outcome, n FROM d WHERE by_rule = 0) x),
    'month', (SELECT json_agg(x) FROM (
        SELECT to_char(month AT TIME ZONE 'Europe/London', 'YYYY-MM') AS key, outcome, n
        FROM d WHERE by_rule = 1 AND by_team = 1) x),
    'team', (SELECT json_agg(x) FROM (
        SELECT COALESCE(t.name, 'No team') AS key, outcome, sum(n) AS n
        FROM d LEFT JOIN agencies_team t ON t.id = d.team_id WHERE by_team = 0 GROUP BY 1, 2) x)
)"""


# The whole report as one statement: the scope is read once and PostgreSQL is asked once
# (issue 13: three statements each built the scope again; decision 0023).
REPORT = (
    EPISODES
    + ROWS
    + DEADLINES
    + "\nSELECT json_build_object('report', "
    + ROWS_JSON
    + ", 'earlier', "
    + EARLIER_JSON
    + ", 'compliance', "
    + DEADLINES_JSON
    + ")"
)


def age_band_case(bands: tuple[tuple[int, int], ...]) -> str:
    """The age band of a row, from the reader's bands (validated integers, bound below)."""
    whens = " ".join(
        f"WHEN age BETWEEN %(band{n}_low)s AND %(band{n}_high)s THEN %(band{n}_key)s"
        for n in range(len(bands))
    )
    return f"CASE {whens} ELSE 'other' END" if bands else "'other'"


def band_values(bands: tuple[tuple[int, int], ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n, (low, high) in enumerate(bands):
        values.update({f"band{n}_low": low, f"band{n}_high": high, f"band{n}_key": f"{low}-{high}"})
    return values


def bind(
    template: str, scope_sql: str, scope_params: tuple, values: dict[str, Any]
) -> tuple[str, list[Any]]:
    """`template` with `{scope}` spliced in and `%(name)s` made positional, in order."""
    head, _, tail = template.partition("{scope}")
    params: list[Any] = []

    def positional(part: str) -> str:
        def take(match: re.Match[str]) -> str:
            params.append(values[match.group(1)])
            return "%s"

        return re.sub(r"%\((\w+)\)s", take, part)

    head_sql = positional(head)
    head_params = list(params)
    params.clear()
    tail_sql = positional(tail)
    return head_sql + scope_sql + tail_sql, [*head_params, *scope_params, *params]
