"""The audit cannot be edited by the application (issue 14, decision 0016).

The application connects as its own role (`homeward_app`, DATABASE_URL), which is not a
superuser and does not own the tables: it may change case tables, but only read and add
to the history (pghistory event tables), the access log and the sign-in logs. The role is
made in the test database by the same code `manage.py migrate_as_owner` runs, over a
connection of the owner's; then a real connection *as the role* tries its hand.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection

from core.dbroles import audit_tables, grant_app_role, privileges

ROLE = "homeward_app"


def _connect(**overrides: object) -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("server_side_binding", None)
    params.pop("prepare_threshold", None)
    params.update(overrides)
    return psycopg.connect(**params)


@pytest.fixture
def app_role(db) -> Iterator[psycopg.Connection]:
    """Grant the role in the test database (committed: the owner's own connection), then
    yield a connection signed in as the role. Idempotent: the role may exist already."""
    database = connection.settings_dict["NAME"]
    with _connect(autocommit=True) as owner, owner.cursor() as cursor:
        grant_app_role(cursor, ROLE, database=database)
        grant_app_role(cursor, ROLE, database=database)  # twice: nothing changes, no error
    with _connect(user=ROLE, password="") as app:
        yield app
        app.rollback()


def _refused(app: psycopg.Connection, sql: str, params: list[object]) -> str:
    """Run `sql` as the app in a savepoint; the error PostgreSQL gave, or '' if none."""
    try:
        with app.transaction():
            app.execute(sql, params)
    except psycopg.errors.InsufficientPrivilege as error:
        return str(error)
    return ""


def test_the_app_role_is_not_a_superuser_and_owns_nothing(app_role):
    row = app_role.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False)
    owned = app_role.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
    ).fetchone()
    assert owned == (0,)


def test_the_app_cannot_update_or_delete_a_history_row_but_history_is_still_written(app_role):
    # The app changes a case row (it may): the trigger writes the history row as the app.
    agency_id = app_role.execute(
        "INSERT INTO agencies_agency (name, kind, code) VALUES ('Borough of Testmere', "
        "'local_authority', '998') RETURNING id"
    ).fetchone()[0]
    app_role.execute("UPDATE agencies_agency SET code = '997' WHERE id = %s", [agency_id])
    events = app_role.execute(
        "SELECT pgh_label, code FROM agencies_agencyevent WHERE pgh_obj_id = %s ORDER BY pgh_id",
        [agency_id],
    ).fetchall()
    assert events == [("insert", "998"), ("update", "997")]

    update = _refused(
        app_role, "UPDATE agencies_agencyevent SET code = '000' WHERE pgh_obj_id = %s", [agency_id]
    )
    delete = _refused(
        app_role, "DELETE FROM agencies_agencyevent WHERE pgh_obj_id = %s", [agency_id]
    )
    truncate = _refused(app_role, "TRUNCATE agencies_agencyevent", [])
    assert "permission denied" in update
    assert "permission denied" in delete
    assert "permission denied" in truncate
    still = app_role.execute(
        "SELECT code FROM agencies_agencyevent WHERE pgh_obj_id = %s ORDER BY pgh_id", [agency_id]
    ).fetchall()
    assert still == [("998",), ("997",)]


def test_the_app_may_add_to_the_access_log_but_not_change_or_delete_it(app_role):
    user_id = app_role.execute(
        "INSERT INTO agencies_user (password, is_superuser, username, first_name, last_name, "
        "email, is_staff, is_active, date_joined, job_title, phone) VALUES "
        "('!', false, 'app_role_reader', '', '', '', false, true, now(), '', '') RETURNING id"
    ).fetchone()[0]
    agency_id = app_role.execute(
        "INSERT INTO agencies_agency (name, kind, code) VALUES ('Borough of Logmere', "
        "'local_authority', '996') RETURNING id"
    ).fetchone()[0]
    child_id = app_role.execute(
        "INSERT INTO children_child (given_name, family_name, known_as, date_of_birth, sex, "
        "ethnicity, is_uasc, responsible_authority_id, local_child_id, disability, "
        "disability_details, upn, school, description, clothing_style, known_associates, "
        "places_frequented, phone_numbers, social_media, health_needs, "
        "previous_episodes_summary, photo, photo_consent_given_by, photo_child_agreement, "
        "photo_media_consent_reason, created_at, updated_at) VALUES ('Sam', 'Synthetic', '', "
        "'2012-01-01', 'not_known', 'NOBT', false, %s, '', 'NONE', '', '', '', '', '', '', '', "
        "'', '', '', '', '', '', '', '', now(), now()) RETURNING id",
        [agency_id],
    ).fetchone()[0]
    access_id = app_role.execute(
        "INSERT INTO children_recordaccess (user_id, child_id, accessed_at, via, channel, records) "
        "VALUES (%s, %s, now(), 'GET /children/1/', 'web', '{}') RETURNING id",
        [user_id, child_id],
    ).fetchone()[0]
    assert access_id

    update = _refused(
        app_role, "UPDATE children_recordaccess SET via = 'GET /x/' WHERE id = %s", [access_id]
    )
    delete = _refused(app_role, "DELETE FROM children_recordaccess WHERE id = %s", [access_id])
    assert "permission denied" in update
    assert "permission denied" in delete
    # The sign-in log too.
    log_id = app_role.execute(
        "INSERT INTO axes_accesslog (user_agent, ip_address, username, http_accept, path_info, "
        "attempt_time, session_hash) VALUES ('t', '127.0.0.1', 'alice', '*/*', '/sign-in/', now(), '') "
        "RETURNING id"
    ).fetchone()[0]
    assert "permission denied" in _refused(
        app_role, "DELETE FROM axes_accesslog WHERE id = %s", [log_id]
    )
    # The other side: the app still changes and deletes case rows.
    assert not _refused(
        app_role, "UPDATE children_child SET known_as = 'S' WHERE id = %s", [child_id]
    )


def test_every_audit_table_is_append_only_for_the_app_and_case_tables_are_not(app_role):
    tables = audit_tables()
    assert "children_recordaccess" in tables
    assert "children_childevent" in tables
    assert "agencies_userevent" in tables
    assert "axes_accesslog" in tables
    with app_role.cursor() as cursor:
        found = privileges(cursor, ROLE, tables)
        case = privileges(cursor, ROLE, ["children_child", "episodes_episode"])
    assert {
        table: actions for table, actions in found.items() if actions != {"SELECT", "INSERT"}
    } == {}
    assert case == {
        "children_child": {"SELECT", "INSERT", "UPDATE", "DELETE"},
        "episodes_episode": {"SELECT", "INSERT", "UPDATE", "DELETE"},
    }


def test_a_table_made_after_the_grant_is_append_only_until_granted(app_role):
    # Default privileges: a new table (a later migration's) is SELECT and INSERT only for
    # the app, so a new audit table is never editable, even for a moment.
    with _connect(autocommit=True) as owner:
        owner.execute("DROP TABLE IF EXISTS audit_role_probe")
        owner.execute("CREATE TABLE audit_role_probe (id int)")
        try:
            with owner.cursor() as cursor:
                assert privileges(cursor, ROLE, ["audit_role_probe"]) == {
                    "audit_role_probe": {"SELECT", "INSERT"}
                }
        finally:
            owner.execute("DROP TABLE audit_role_probe")


def test_erasure_blanks_history_text_only_through_the_owners_function(app_role):
    agency_id = app_role.execute(
        "INSERT INTO agencies_agency (name, kind, code) VALUES ('Borough of Erasemere', "
        "'local_authority', '995') RETURNING id"
    ).fetchone()[0]
    blanked = app_role.execute(
        "SELECT homeward_erase_history('agencies_agencyevent', %s::bigint[], ARRAY['code'])",
        [[agency_id]],
    ).fetchone()
    assert blanked == (1,)
    assert app_role.execute(
        "SELECT code FROM agencies_agencyevent WHERE pgh_obj_id = %s", [agency_id]
    ).fetchall() == [("",)]
    # Not a case table, not a non-text column, not pghistory's own columns.
    for table, column in [
        ("agencies_agency", "code"),
        ("agencies_agencyevent", "pgh_label"),
        ("agencies_agencyevent", "id"),
    ]:
        try:
            with app_role.transaction():
                app_role.execute(
                    "SELECT homeward_erase_history(%s, %s::bigint[], ARRAY[%s])",
                    [table, [agency_id], column],
                )
        except psycopg.errors.RaiseException as error:
            assert "homeward_erase_history" in str(error)
        else:
            raise AssertionError(f"{table}.{column} was blanked")
