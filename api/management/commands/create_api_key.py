"""`manage.py create_api_key USERNAME [--name ...]`: print a new key for USERNAME, once."""

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

    def handle(self, *args, username: str, name: str, **options):
        User = get_user_model()  # noqa: N806
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as error:
            raise CommandError(f"No user called {username!r}.") from error
        try:
            api_key, key = create_api_key(acting_user=ENGINE, user=user, name=name)
        except ServiceError as error:
            raise CommandError(error.message) from error
        self.stderr.write(
            f"API key {api_key.prefix} for {user.username}. Keep it safe: it is shown only once."
        )
        self.stdout.write(key)
