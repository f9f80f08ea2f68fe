"""``zicht revoke_node --region CODE``: stop trusting a node's keys (hub)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.regions import REGION_CODES
from zicht.transport import services
from zicht.transport.management.common import require_role


class Command(BaseCommand):
    help = (
        "Revoke a node: its keys are refused from now on and its queued messages are "
        "dropped. It can enroll again with a new code (and new keys)."
    )
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, choices=REGION_CODES)

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("hub")
        try:
            services.revoke_node(acting_user=None, region=options["region"])
        except services.TransportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{options['region']} ingetrokken")
