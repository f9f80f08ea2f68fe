"""``zicht transport_prune``: delete expired relay messages and stale nonces (hub)."""

from typing import Any

from django.core.management.base import BaseCommand

from zicht.transport import services
from zicht.transport.management.common import require_role


class Command(BaseCommand):
    help = (
        "Delete relay messages past their expiry, nonces older than the replay window and "
        "long-expired enrollment codes. The poll endpoint prunes too; run this from cron "
        "when nodes are quiet for long."
    )
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("hub")
        counts = services.prune()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
