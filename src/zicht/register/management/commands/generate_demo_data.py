"""``zicht generate_demo_data``: fill a demo or development node with a believable register.

Refused on the hub and in production. ``--signals N`` sets the number for this region, or
``--national N`` a national total of which the region gets its population share. The same
seed gives the same register, and runs for different regions with the same seed plant the
same cross-region overlaps (recorded with ``--ground-truth PATH``). Re-running adds nothing.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Sum
from django.utils import timezone

from zicht.core.instance import own_region
from zicht.reference.models import Region
from zicht.register.demo_data import writer
from zicht.register.demo_data.generator import signals_for_region

MAX_SIGNALS = 1_000_000


class Command(BaseCommand):
    help = "Generate a synthetic register for this node (demo and development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region", default="", help="region code; must be this node's region (default)"
        )
        count = parser.add_mutually_exclusive_group(required=True)
        count.add_argument("--signals", type=int, help="number of signals for this region")
        count.add_argument(
            "--national",
            type=int,
            help="national number of signals; this region gets its share by population",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--ground-truth", default="", help="write the planted cross-region overlaps here (JSON)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ZICHT_ROLE != "node":
            raise CommandError("generate_demo_data runs on a node; the hub has no register.")
        if settings.ZICHT_DEPLOYMENT == "production":
            raise CommandError("generate_demo_data is refused when ZICHT_DEPLOYMENT=production.")
        region = own_region().code
        if options["region"] and options["region"] != region:
            raise CommandError(
                f"This node is {region}; it cannot hold a register for {options['region']}."
            )
        if options["signals"] is not None:
            signals = options["signals"]
        else:
            national = Region.objects.aggregate(total=Sum("population"))["total"] or 0
            own = Region.objects.filter(code=region).values_list("population", flat=True).first()
            signals = signals_for_region(options["national"], own or 0, national)
        if not 0 <= signals <= MAX_SIGNALS:
            raise CommandError(f"--signals must lie between 0 and {MAX_SIGNALS}.")
        seed = options["seed"]
        self.stdout.write(f"Generating {signals} signals for {region} (seed {seed}) ...")
        register, result = writer.build_and_write(
            region=region,
            seed=seed,
            signals=signals,
            today=timezone.localdate(),
            report=self.stdout.write,
        )
        if options["ground_truth"]:
            from pathlib import Path

            writer.write_ground_truth(
                Path(options["ground_truth"]), writer.ground_truth(register, result)
            )
        self.stdout.write(
            f"Demo data for {region}: {result.signals_created} signals created, "
            f"{result.signals_skipped} already there; {result.entities_created} entities, "
            f"{result.relations} relations, {result.transitions} status changes, "
            f"{result.organisations_created} organisations created."
        )
