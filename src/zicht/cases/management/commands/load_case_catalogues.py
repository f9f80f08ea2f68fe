"""``zicht load_case_catalogues``: (re)load case types and intervention types from the files."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.cases.loader import DATA_DIR, CaseCatalogueError, load_case_catalogues


class Command(BaseCommand):
    help = (
        "Load the case types (status types, roles, result types, standard tasks) and the "
        "intervention types from the bundled files. Entries no longer in the files are marked "
        "inactive, never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, default=DATA_DIR, help="directory with the catalogue files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_case_catalogues(data_dir=options["data_dir"])
        except CaseCatalogueError as exc:
            raise CommandError(f"case catalogues not loaded: {exc}") from exc
        for name, created in result.created.items():
            self.stdout.write(f"{name}: {created} new")
        for name, retired in result.retired.items():
            if retired:
                self.stdout.write(
                    self.style.WARNING(f"{name}: no longer in the files, marked inactive: ")
                    + ", ".join(retired)
                )
        if result.new_versions:
            self.stdout.write("new file versions: " + ", ".join(result.new_versions))
        self.stdout.write(self.style.SUCCESS("case catalogues loaded"))
