"""`manage.py create_api_key USERNAME [--name ...] [--days N]`: print a new key for
USERNAME, once. It expires after N days (settings.API_KEY_LIFETIME_DAYS by default)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.services import create_api_key
from core.actors import ENGINE
from core.errors import ServiceError


class Command(BaseCommand):
    help = "Create an API key for a user and print it. Only its hash is stored: it cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the key is for (shown in the admin).")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="How many days the key works (default: API_KEY_LIFETIME_DAYS, 365).",
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options):
        User = get_user_model()  # noqa: N806
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as error:
            raise CommandError(f"No user called {username!r}.") from error
        try:
            api_key, key = create_api_key(
                acting_user=ENGINE, user=user, name=name, lifetime_days=days
            )
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"API key {api_key.prefix} for {user.username}, expires "
            f"{api_key.expires_at:%Y-%m-%d %H:%M %Z}. Keep it safe: it is shown only once."
        )
        self.stdout.write(key)
