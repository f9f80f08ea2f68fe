"""``zicht generate_demo_cases``: turn part of the demo register's signals into cases.

Refused on the hub and in production. Run it after ``generate_demo_data``; the same register
and seed give the same cases, and running it again adds nothing.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.cases.demo_data import generate_demo_cases
from zicht.core.instance import own_region


class Command(BaseCommand):
    help = "Generate demo cases from the signals in weging or monitoring (demo/development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--fraction",
            type=float,
            default=0.25,
            help="share of the signals in weging or monitoring that become cases (default 0.25)",
        )
        parser.add_argument(
            "--region", default="", help="region code; must be this node's region (default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ZICHT_ROLE != "node":
            raise CommandError("generate_demo_cases runs on a node; the hub has no cases.")
        if settings.ZICHT_DEPLOYMENT == "production":
            raise CommandError("generate_demo_cases is refused when ZICHT_DEPLOYMENT=production.")
        region = options["region"] or own_region().code
        try:
            result = generate_demo_cases(
                region=region,
                seed=options["seed"],
                fraction=options["fraction"],
                report=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.already_there:
            self.stdout.write("Demo cases exist already; nothing added.")
            return
        phases = ", ".join(f"{phase} {n}" for phase, n in sorted(result.phases.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo cases for {region}: {result.cases_created} cases from "
                f"{result.signals_used} signals; {result.meetings} meetings, "
                f"{result.interventions} interventions, {result.tasks} tasks ({phases})."
            )
        )
