"""The committee report's facts of each episode, kept by PostgreSQL (decision 0027).

`reports_compute_episode_facts(ids)` is the one definition of an episode's row: what the
report counted of it before this table, in reports.sql's `e`, `interviews`, `assessed`
and `all_rows`, less what depends on the report's period. `reports_refresh_episode_facts`
writes it; the triggers below call it whenever anything it reads changes. Each refresh
first takes a transaction-scoped advisory lock on each episode, so that two transactions
changing what one episode's row reads cannot both write it from their own snapshot: the
second waits for the first to commit, then reads both changes.
"""

from django.db import migrations, models

# The row of each episode in `ids` not entered in error: the report's columns as its
# statement computed them per episode before (reports.sql, decision 0027).
FUNCTIONS = """
CREATE OR REPLACE FUNCTION reports_compute_episode_facts(ids bigint[])
RETURNS SETOF reports_episodefact LANGUAGE sql STABLE AS $$
    SELECT ep.id, ep.child_id, ep.last_seen_at, ep.returned_at, ep.category, ep.missing_from,
        d.day, c.sex, date_part('year', age(d.day, c.date_of_birth))::int,
        COALESCE(ls.status, 'none'), COALESCE(pl.kind, 'none'),
        COALESCE(pl.placing_authority_id <> pl.host_authority_id, false),
        i.rank, COALESCE(i.pull_exploitation, false), COALESCE(i.pull_gang, false),
        COALESCE(a.cse, false), COALESCE(a.cce, false), COALESCE(a.gangs, false),
        COALESCE(a.trafficking, false), COALESCE(a.radicalisation, false)
    FROM episodes_episode ep
    CROSS JOIN LATERAL (SELECT (ep.last_seen_at AT TIME ZONE 'Europe/London')::date AS day) d
    JOIN children_child c ON c.id = ep.child_id
    LEFT JOIN children_legalstatus ls ON ls.child_id = ep.child_id
        AND ls.start_date <= d.day AND (ls.end_date IS NULL OR ls.end_date >= d.day)
    LEFT JOIN children_placement pl ON pl.child_id = ep.child_id
        AND pl.start_date <= d.day AND (pl.end_date IS NULL OR pl.end_date >= d.day)
    LEFT JOIN LATERAL (
        SELECT min(CASE WHEN ri.outcome = 'held' AND ri.held_at < ep.returned_at + interval '72 hours' THEN 1
                        WHEN ri.outcome = 'held' THEN 2
                        WHEN ri.outcome = 'declined' THEN 3
                        WHEN ri.outcome = 'no_engagement' THEN 4
                        ELSE 5 END)::smallint AS rank,
            bool_or('exploitation' = ANY(ri.pull_factors)) AS pull_exploitation,
            bool_or('gang' = ANY(ri.pull_factors)) AS pull_gang
        FROM returns_returninterviewepisode rie
        JOIN returns_returninterview ri ON ri.id = rie.interview_id
        WHERE rie.episode_id = ep.id
    ) i ON true
    LEFT JOIN LATERAL (
        SELECT bool_or('cse' = ANY(ra.indicators)) AS cse,
            bool_or('cce_county_lines' = ANY(ra.indicators)) AS cce,
            bool_or('gangs' = ANY(ra.indicators)) AS gangs,
            bool_or('trafficking' = ANY(ra.indicators)) AS trafficking,
            bool_or('radicalisation' = ANY(ra.indicators)) AS radicalisation
        FROM risk_riskassessment ra
        WHERE ra.episode_id = ep.id
    ) a ON true
    WHERE ep.id = ANY(ids) AND NOT ep.entered_in_error
$$;

CREATE OR REPLACE FUNCTION reports_refresh_episode_facts(ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- One statement for the locks, so the write below reads a snapshot taken after them.
    PERFORM pg_advisory_xact_lock(1953265, (id % 2147483647)::int)
    FROM (SELECT DISTINCT unnest(ids) AS id ORDER BY 1) locked;
    DELETE FROM reports_episodefact WHERE episode_id = ANY(ids);
    INSERT INTO reports_episodefact SELECT * FROM reports_compute_episode_facts(ids);
END
$$;

CREATE OR REPLACE FUNCTION reports_child_episode_ids(children bigint[])
RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(array_agg(id), '{}') FROM episodes_episode WHERE child_id = ANY(children)
$$;

-- Trigger functions: which episodes a change of each table touches.
CREATE OR REPLACE FUNCTION reports_facts_from_episode() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM reports_episodefact WHERE episode_id = OLD.id;
        RETURN NULL;
    END IF;
    PERFORM reports_refresh_episode_facts(ARRAY[NEW.id]);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION reports_facts_from_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_refresh_episode_facts(reports_child_episode_ids(ARRAY[NEW.id]));
    RETURN NULL;
END
$$;

-- Legal statuses and placements: every episode of the child, before and after.
CREATE OR REPLACE FUNCTION reports_facts_from_child_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_refresh_episode_facts(reports_child_episode_ids(ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.child_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.child_id END]));
    RETURN NULL;
END
$$;

-- Risk assessments and interview links: their episode, before and after.
CREATE OR REPLACE FUNCTION reports_facts_from_episode_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_refresh_episode_facts(array_remove(ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.episode_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.episode_id END], NULL));
    RETURN NULL;
END
$$;

-- An interview's outcome, time or pull factors: every episode it covers.
CREATE OR REPLACE FUNCTION reports_facts_from_interview() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reports_refresh_episode_facts(ARRAY(
        SELECT episode_id FROM returns_returninterviewepisode WHERE interview_id = NEW.id));
    RETURN NULL;
END
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS reports_facts_from_interview();
DROP FUNCTION IF EXISTS reports_facts_from_episode_row();
DROP FUNCTION IF EXISTS reports_facts_from_child_row();
DROP FUNCTION IF EXISTS reports_facts_from_child();
DROP FUNCTION IF EXISTS reports_facts_from_episode();
DROP FUNCTION IF EXISTS reports_child_episode_ids(bigint[]);
DROP FUNCTION IF EXISTS reports_refresh_episode_facts(bigint[]);
DROP FUNCTION IF EXISTS reports_compute_episode_facts(bigint[]);
"""

# Row triggers, after the change: a COPY or a many-row statement refreshes each row's
# episodes (bench/national.py loads with triggers off and fills the table in one statement).
# An episode's or an interview's update fires them only when it changes a column a fact
# reads (`UPDATE OF ... WHEN ... IS DISTINCT FROM`): Django's save() sets every column, and
# the engine and the forms update episodes and interviews for much else.
TRIGGERS = """
CREATE TRIGGER reports_facts AFTER INSERT OR DELETE ON episodes_episode
    FOR EACH ROW EXECUTE FUNCTION reports_facts_from_episode();
CREATE TRIGGER reports_facts_changed
    AFTER UPDATE OF child_id, category, missing_from, last_seen_at, returned_at, entered_in_error
    ON episodes_episode FOR EACH ROW
    WHEN ((OLD.child_id, OLD.category, OLD.missing_from, OLD.last_seen_at, OLD.returned_at,
           OLD.entered_in_error)
          IS DISTINCT FROM (NEW.child_id, NEW.category, NEW.missing_from, NEW.last_seen_at,
                            NEW.returned_at, NEW.entered_in_error))
    EXECUTE FUNCTION reports_facts_from_episode();
CREATE TRIGGER reports_facts AFTER UPDATE OF date_of_birth, sex ON children_child
    FOR EACH ROW WHEN (OLD.date_of_birth IS DISTINCT FROM NEW.date_of_birth OR OLD.sex IS DISTINCT FROM NEW.sex)
    EXECUTE FUNCTION reports_facts_from_child();
CREATE TRIGGER reports_facts AFTER INSERT OR UPDATE OR DELETE ON children_legalstatus
    FOR EACH ROW EXECUTE FUNCTION reports_facts_from_child_row();
CREATE TRIGGER reports_facts AFTER INSERT OR UPDATE OR DELETE ON children_placement
    FOR EACH ROW EXECUTE FUNCTION reports_facts_from_child_row();
CREATE TRIGGER reports_facts AFTER INSERT OR UPDATE OR DELETE ON risk_riskassessment
    FOR EACH ROW EXECUTE FUNCTION reports_facts_from_episode_row();
CREATE TRIGGER reports_facts AFTER INSERT OR UPDATE OR DELETE ON returns_returninterviewepisode
    FOR EACH ROW EXECUTE FUNCTION reports_facts_from_episode_row();
CREATE TRIGGER reports_facts AFTER UPDATE OF outcome, held_at, pull_factors
    ON returns_returninterview FOR EACH ROW
    WHEN ((OLD.outcome, OLD.held_at, OLD.pull_factors)
          IS DISTINCT FROM (NEW.outcome, NEW.held_at, NEW.pull_factors))
    EXECUTE FUNCTION reports_facts_from_interview();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS reports_facts ON returns_returninterview;
DROP TRIGGER IF EXISTS reports_facts ON returns_returninterviewepisode;
DROP TRIGGER IF EXISTS reports_facts ON risk_riskassessment;
DROP TRIGGER IF EXISTS reports_facts ON children_placement;
DROP TRIGGER IF EXISTS reports_facts ON children_legalstatus;
DROP TRIGGER IF EXISTS reports_facts ON children_child;
DROP TRIGGER IF EXISTS reports_facts_changed ON episodes_episode;
DROP TRIGGER IF EXISTS reports_facts ON episodes_episode;
"""

# The rows of the episodes already recorded, in one statement.
BACKFILL = """
INSERT INTO reports_episodefact
SELECT * FROM reports_compute_episode_facts(ARRAY(SELECT id FROM episodes_episode));
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_statutory_returns"),
        ("children", "0007_folded_names"),
        ("episodes", "0012_child_returned"),
        ("returns", "0001_initial"),
        ("risk", "0003_triage_from_existing_assessments"),
    ]

    operations = [
        migrations.CreateModel(
            name="EpisodeFact",
            fields=[
                ("episode_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("child_id", models.BigIntegerField()),
                ("last_seen_at", models.DateTimeField()),
                ("returned_at", models.DateTimeField(null=True)),
                ("category", models.CharField(max_length=30)),
                ("missing_from", models.CharField(max_length=20)),
                ("day", models.DateField()),
                ("sex", models.CharField(max_length=20)),
                ("age", models.IntegerField()),
                ("legal", models.CharField(max_length=30)),
                ("placement", models.CharField(max_length=30)),
                ("out_of_area", models.BooleanField()),
                ("interview_rank", models.SmallIntegerField(null=True)),
                ("pull_exploitation", models.BooleanField()),
                ("pull_gang", models.BooleanField()),
                ("cse", models.BooleanField()),
                ("cce_county_lines", models.BooleanField()),
                ("gangs", models.BooleanField()),
                ("trafficking", models.BooleanField()),
                ("radicalisation", models.BooleanField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["child_id", "last_seen_at"], name="episode_fact_child_seen"
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS, reverse_sql=DROP_FUNCTIONS),
        migrations.RunSQL(TRIGGERS, reverse_sql=DROP_TRIGGERS),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
