"""``zicht load_reference_data``: (re)load regions and municipalities from the data files."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zicht.reference.loader import ReferenceDataError, load_reference_data
from zicht.reference.models import Municipality, Region


class Command(BaseCommand):
    help = "Load the RIEC regions and the municipalities from the bundled CBS/Kadaster files."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_reference_data(region_model=Region, municipality_model=Municipality)
        except ReferenceDataError as exc:
            raise CommandError(f"reference data not loaded: {exc}") from exc
        self.stdout.write(
            f"regions: {result.regions} ({result.regions_created} new, "
            f"{result.regions_updated} updated)"
        )
        self.stdout.write(
            f"municipalities: {result.municipalities} ({result.municipalities_created} new, "
            f"{result.municipalities_updated} updated)"
        )
        if result.stale_municipalities:
            self.stdout.write(
                self.style.WARNING(
                    "in the database but no longer in the files (kept): "
                    + ", ".join(result.stale_municipalities)
                )
            )
        self.stdout.write(self.style.SUCCESS("reference data loaded"))
