"""The one door through which the application may change history rows: erasure past
retention (decision 0016). The application's database role may not UPDATE or DELETE any
event table; this function, owned by the schema's owner (SECURITY DEFINER), blanks named
text columns of one event table for named rows, and nothing else: it refuses a table that
is not an event table and a column that is not text or one of pghistory's own."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION homeward_erase_history(tbl text, obj_ids bigint[], cols text[])
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = public, pg_temp
AS $$
DECLARE
    col text;
    assignments text := '';
    changed integer;
BEGIN
    IF tbl !~ '^[a-z0-9_]+event$' OR NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = tbl AND column_name = 'pgh_obj_id'
    ) THEN
        RAISE EXCEPTION 'homeward_erase_history: % is not a history table', tbl;
    END IF;
    FOREACH col IN ARRAY cols LOOP
        IF col LIKE 'pgh\_%' OR NOT EXISTS (
            SELECT 1 FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = tbl AND column_name = col
              AND data_type IN ('text', 'character varying')
        ) THEN
            RAISE EXCEPTION 'homeward_erase_history: %.% is not a text column it may blank', tbl, col;
        END IF;
        assignments := assignments || CASE WHEN assignments = '' THEN '' ELSE ', ' END
            || format('%I = %L', col, '');
    END LOOP;
    IF assignments = '' THEN
        RETURN 0;
    END IF;
    EXECUTE format('UPDATE %I SET %s WHERE pgh_obj_id = ANY($1)', tbl, assignments)
        USING obj_ids;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;
REVOKE ALL ON FUNCTION homeward_erase_history(text, bigint[], text[]) FROM PUBLIC;
"""

DROP = "DROP FUNCTION IF EXISTS homeward_erase_history(text, bigint[], text[]);"


class Migration(migrations.Migration):
    dependencies = [("children", "0003_access_records_retention_erasure")]

    operations = [migrations.RunSQL(CREATE, DROP)]
