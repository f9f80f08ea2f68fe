"""``zicht load_catalogues``: (re)load the catalogues from the bundled data files."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zicht.catalogue.loader import DATA_DIR, CatalogueError, load_catalogues


class Command(BaseCommand):
    help = (
        "Load the catalogues (forms of exploitation, offence codes, indicators, sectors, "
        "route steps) from the bundled data files. Entries no longer in the files are marked "
        "inactive, never deleted."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help="Directory with the catalogue files (default: the bundled ones).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_catalogues(data_dir=options["data_dir"])
        except CatalogueError as exc:
            raise CommandError(f"catalogues not loaded: {exc}") from exc
        for name, counts in result.catalogues.items():
            self.stdout.write(
                f"{name}: {counts.total} ({counts.created} new, {counts.updated} updated, "
                f"{counts.unchanged} unchanged)"
            )
            if counts.retired:
                self.stdout.write(
                    self.style.WARNING(
                        f"{name}: no longer in the files, marked inactive: "
                        + ", ".join(counts.retired)
                    )
                )
        if result.new_versions:
            self.stdout.write("new file versions: " + ", ".join(result.new_versions))
        self.stdout.write(self.style.SUCCESS("catalogues loaded"))
