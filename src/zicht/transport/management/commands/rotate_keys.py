"""``zicht rotate_keys``: replace this node's key pairs (node)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zicht.transport import services, worker
from zicht.transport.client import HubError
from zicht.transport.management.common import require_role
from zicht.transport.models import NodeIdentity, NodeStatus
from zicht.transport.protocol import keys


class Command(BaseCommand):
    help = (
        "Generate new key pairs and have the hub trust them instead of the current ones. "
        "Safe to repeat after a failure: the same new keys are offered again."
    )
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("node")
        try:
            identity = worker.load_ready_identity()
        except worker.NotReadyError as exc:
            raise CommandError(str(exc)) from exc
        if identity.row.status != NodeStatus.ACTIVE:
            # The worker may not have noticed the approval yet: ask the hub ourselves.
            try:
                approved = worker.build_client(identity).status().get("status")
            except HubError as exc:
                raise CommandError(str(exc)) from exc
            if approved != NodeStatus.ACTIVE:
                raise CommandError(
                    "Sleutels vervangen kan pas als de hub de node heeft goedgekeurd."
                )
            services.activate_identity()
        services.start_key_rotation()
        identity = worker.load_ready_identity()
        try:
            worker.complete_rotation(identity)
        except HubError as exc:
            raise CommandError(
                f"{exc} De nieuwe sleutels staan klaar; probeer het later opnieuw (de worker "
                "doet dat ook vanzelf)."
            ) from exc
        current = NodeIdentity.objects.get(pk=1)
        self.stdout.write(
            f"Sleutels vervangen. Nieuwe vingerafdruk: {keys.fingerprint(current.signing_key_id)}"
        )
