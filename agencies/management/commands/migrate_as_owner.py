"""Migrate as the schema's owner, then grant the application's role what it may do.

    DATABASE_OWNER_URL=postgres://homeward_owner:...@db/homeward \\
    DATABASE_URL=postgres://homeward_app:...@db/homeward \\
    python manage.py migrate_as_owner

The owner (DATABASE_OWNER_URL) runs `migrate`; then the application's role, the user of
DATABASE_URL, is created if it does not exist (with DATABASE_URL's password) and granted
SELECT, INSERT, UPDATE, DELETE on case tables and only SELECT, INSERT on audit tables
(core.dbroles, decision 0016). Run it on every deployment: it is idempotent.
"""

from __future__ import annotations

from typing import Any

import environ
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from core.dbroles import grant_app_role


class Command(BaseCommand):
    help = "Run the migrations as the owner (DATABASE_OWNER_URL), then grant the app's role."

    def handle(self, *args: Any, **options: Any) -> None:
        app = dict(settings.DATABASES["default"])
        connection = connections["default"]
        if settings.DATABASE_OWNER_URL:
            owner = environ.Env.db_url_config(settings.DATABASE_OWNER_URL)
            if owner["NAME"] != app["NAME"]:
                raise CommandError("DATABASE_OWNER_URL and DATABASE_URL name different databases")
            connection.close()
            for key in ("USER", "PASSWORD", "HOST", "PORT"):
                connection.settings_dict[key] = owner.get(key, "")
        owner_user = connection.settings_dict["USER"]
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        if app["USER"] == owner_user:
            self.stdout.write(
                "DATABASE_URL's role is the owner: no application role to grant "
                "(set DATABASE_OWNER_URL to run as two roles)."
            )
            return
        with connection.cursor() as cursor:
            grant_app_role(
                cursor, app["USER"], database=app["NAME"], password=app.get("PASSWORD") or None
            )
        self.stdout.write(f"Granted {app['USER']} its privileges on {app['NAME']}.")
