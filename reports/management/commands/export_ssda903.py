"""manage.py export_ssda903 --year 2025 --authority ID --out DIR: the SSDA903 CSV files.

Writes header.csv, episodes.csv, missing.csv and uasc.csv for the authority's looked-after
children in the collection year (docs/statutory-returns.md). Runs as the engine: the
operator's command, not a person's page (the page is reports:returns).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Agency, AgencyKind
from core.actors import ENGINE
from core.errors import Refused
from reports.ssda903 import ssda903_files


class Command(BaseCommand):
    help = "Write the DfE SSDA903 return's CSV files (header, episodes, missing, uasc)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="e.g. 2025 (2024-25)")
        parser.add_argument("--authority", type=int, required=True, help="the agency's id")
        parser.add_argument("--out", type=Path, required=True, help="the directory to write")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = Agency.objects.filter(
            pk=options["authority"], kind=AgencyKind.LOCAL_AUTHORITY
        ).first()
        if authority is None:
            raise CommandError(f"No local authority has id {options['authority']}.")
        try:
            files = ssda903_files(acting_user=ENGINE, authority=authority, year=options["year"])
        except Refused as error:
            raise CommandError(str(error)) from error
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out / name).write_bytes(content)
            rows = content.count(b"\n") - 1
            self.stdout.write(f"{out / name}: {rows} rows")
