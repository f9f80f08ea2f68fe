"""``zicht transport_ping --to REGION``: queue a test message to other nodes (node)."""

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.regions import REGION_CODES
from zicht.transport import services
from zicht.transport.management.common import require_role


class Command(BaseCommand):
    help = (
        "Queue 'ping' messages for other nodes; each answers with a 'pong'. The worker "
        "delivers them. Prints the message ids."
    )
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", action="append", required=True, choices=REGION_CODES, help="repeatable"
        )
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--text", default="ping")

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("node")
        if not 1 <= options["count"] <= 10_000:
            raise CommandError("--count must be between 1 and 10000")
        batch = uuid.uuid4().hex
        for number in range(options["count"]):
            try:
                rows = services.send_message(
                    recipients=options["to"],
                    kind="ping",
                    payload={"text": options["text"], "number": number},
                    idempotency_key=f"ping:{batch}:{number}",
                )
            except services.TransportError as exc:
                raise CommandError(str(exc)) from exc
            for row in rows:
                self.stdout.write(f"{row.recipient} {row.message_id}")
