"""``zicht approve_node --region CODE``: trust an enrolled node (hub)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.regions import REGION_CODES
from zicht.transport import services
from zicht.transport.management.common import require_role
from zicht.transport.protocol import keys


class Command(BaseCommand):
    help = (
        "Approve nodes that enrolled and wait for approval. Compare the fingerprint printed "
        "here with the one `zicht enroll` printed on the node before you approve."
    )
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region", action="append", required=True, choices=REGION_CODES, help="repeatable"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("hub")
        for region in dict.fromkeys(options["region"]):
            try:
                node = services.approve_node(acting_user=None, region=region)
            except services.TransportError as exc:
                raise CommandError(f"{region}: {exc}") from exc
            self.stdout.write(
                f"{region} goedgekeurd (sleutel {keys.fingerprint(node.signing_key_id)})"
            )
