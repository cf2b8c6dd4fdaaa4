"""The application's database role: case tables it may change, audit tables it may only add to.

Homeward runs as two PostgreSQL roles (decision 0016):

- the **owner** (`DATABASE_OWNER_URL`) owns the schema and runs the migrations;
- the **application** (`DATABASE_URL`, e.g. `homeward_app`) is not a superuser and does
  not own the tables, so it has only what `grant_app_role` gives it: SELECT, INSERT,
  UPDATE and DELETE on case tables, and only SELECT and INSERT on the audit tables (every
  pghistory event table, the access log, the sign-in logs, the erasure log). History
  cannot be rewritten by the application, whatever its code does.

Tables a later migration creates get SELECT and INSERT only (default privileges), so a new
audit table is append-only from its first moment; `migrate_as_owner` re-runs the grants
after every migration, which widens the new case tables.

Two exceptions, both narrow:
- `pghistory_context` (who made a change, through which URL): pghistory's trigger upserts
  a request's context row as the request goes on, so the application keeps UPDATE there
  (not DELETE).
- erasure past retention blanks identifying text in history rows through one function,
  `homeward_erase_history` (children migration 0004), owned by the owner (SECURITY
  DEFINER), which touches only text columns of event tables; every call is preceded by an
  Erasure row (casework.erasure).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings

# pghistory's context upsert needs UPDATE (see the module's docstring); not DELETE.
CONTEXT_TABLE = "pghistory_context"


def audit_tables() -> list[str]:
    """Every table the application may only read and append to, sorted."""
    import pghistory.models  # the event base class; imported here to keep settings light

    tables = {
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    }
    tables |= {apps.get_model(label)._meta.db_table for label in settings.AUDIT_MODELS}
    return sorted(tables)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def app_role_sql(role: str, *, database: str) -> list[str]:
    """The statements that make `role` the application's role in `database` (run by the
    owner). Idempotent: run after every migration."""
    quoted = _quote(role)
    statements = [
        # NOLOGIN is not set: the application signs in as this role. Never a superuser,
        # never BYPASSRLS, and it creates nothing.
        f"""DO $$ BEGIN
              CREATE ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$""",
        f"ALTER ROLE {quoted} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {_quote(database)} TO {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {quoted}",
        # Future tables: append-only until the next grant widens the case tables.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
    ]
    statements += [
        f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {_quote(table)} FROM {quoted}"
        for table in audit_tables()
    ]
    statements.append(f"REVOKE DELETE, TRUNCATE ON TABLE {_quote(CONTEXT_TABLE)} FROM {quoted}")
    return statements


def grant_app_role(cursor: Any, role: str, *, database: str, password: str | None = None) -> None:
    """Create (if need be) and grant the application's role, on an owner's cursor."""
    for statement in app_role_sql(role, database=database):
        cursor.execute(statement)
    if password:
        cursor.execute(f"ALTER ROLE {_quote(role)} PASSWORD %s", [password])


def privileges(cursor: Any, role: str, tables: Iterable[str]) -> dict[str, set[str]]:
    """What `role` may do to each table, as PostgreSQL says (for tests and operators)."""
    found: dict[str, set[str]] = {}
    for table in tables:
        found[table] = {
            action
            for action in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
            if _has(cursor, role, table, action)
        }
    return found


def _has(cursor: Any, role: str, table: str, action: str) -> bool:
    cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, action])
    return bool(cursor.fetchone()[0])
