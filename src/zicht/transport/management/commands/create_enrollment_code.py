"""``zicht create_enrollment_code --region CODE``: a one-time code to enroll a node (hub)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from zicht.regions import REGION_CODES
from zicht.transport import services
from zicht.transport.management.common import require_role


class Command(BaseCommand):
    help = (
        "Create a one-time enrollment code per region. Prints '<region> <code>' lines; the "
        "code is shown only now (the hub stores its hash). A new code withdraws older ones."
    )
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region", action="append", required=True, choices=REGION_CODES, help="repeatable"
        )
        parser.add_argument(
            "--hours", type=int, default=services.ENROLLMENT_CODE_HOURS, help="validity"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("hub")
        for region in dict.fromkeys(options["region"]):
            try:
                code, entry = services.create_enrollment_code(
                    acting_user=None, region=region, hours=options["hours"]
                )
            except services.TransportError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{region} {code}")
            if options["verbosity"] >= 1:
                until = timezone.localtime(entry.expires_at).strftime("%Y-%m-%d %H:%M")
                self.stderr.write(
                    f"Geldig tot {until}. Op de node van {region}: "
                    f"zicht enroll --hub <adres van de hub> --code {code}"
                )
