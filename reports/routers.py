"""The `reporting` database alias: the replica the reports read, when there is one.

Reports name their database explicitly (`reporting_alias()`), because they read other
apps' models (episodes, deadlines) that case work reads from the primary: a router that
chose by model could not tell the two apart. The router's part is to keep every write and
every migration off the replica, and every model read without an explicit alias (case
work, the engine, the export records) on the primary.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

REPORTING = "reporting"


def reporting_alias() -> str:
    """ "reporting" when REPORTING_DATABASE_URL names a replica, else the primary."""
    return REPORTING if settings.REPORTING_DATABASE_URL else "default"


class ReportingRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # A replica is read-only: only the primary is migrated.
        return db != REPORTING
