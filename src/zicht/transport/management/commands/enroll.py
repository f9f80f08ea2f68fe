"""``zicht enroll --hub URL --code CODE``: make this node known to the hub (node).

Generates the node's key pairs, registers the public halves with the one-time code, pins
the hub's signing key from the signed answer, stores the private keys sealed in the
database, and waits (``--timeout``) until the hub's beheerder approves the node.
"""

import ipaddress
import time
import urllib.parse
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht import __version__
from zicht.core.instance import own_region
from zicht.transport import services
from zicht.transport.client import HubClient, HubError
from zicht.transport.management.common import require_role
from zicht.transport.models import NodeIdentity, NodeStatus
from zicht.transport.protocol import keys


def check_hub_url(url: str) -> str:
    """Plain HTTP only to the loopback or outside production (the demo)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandError(f"--hub moet een http(s)-adres zijn, niet {url!r}")
    if parts.scheme == "http" and settings.ZICHT_DEPLOYMENT == "production":
        try:
            loopback = ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = parts.hostname == "localhost"
        if not loopback:
            raise CommandError("In productie praat een node alleen via https met de hub.")
    return url.rstrip("/")


class Command(BaseCommand):
    help = "Enroll this node at the hub with a one-time code, then wait for approval."
    # Operational commands run often (the worker, scripts): system checks belong to
    # deployment and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hub", default=settings.ZICHT_HUB_URL, help="base URL of the hub")
        parser.add_argument("--code", required=True, help="one-time code from the hub")
        parser.add_argument("--organisation", default="", help="default: RIEC <region>")
        parser.add_argument(
            "--timeout",
            type=float,
            default=600.0,
            help="seconds to wait for approval (0: do not wait; the worker picks it up)",
        )
        parser.add_argument("--poll-interval", type=float, default=5.0)
        parser.add_argument(
            "--hub-key", default="", help="expected fingerprint of the hub key (recommended)"
        )
        parser.add_argument(
            "--force", action="store_true", help="enroll again with new keys (re-enrollment)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_role("node")
        if not options["hub"]:
            raise CommandError("Geef het adres van de hub op met --hub (of ZICHT_HUB_URL).")
        hub_url = check_hub_url(options["hub"])
        existing = NodeIdentity.objects.filter(pk=1).first()
        if existing is not None and not options["force"]:
            raise CommandError(
                f"Deze node is al aangemeld bij {existing.hub_url} (status: "
                f"{existing.get_status_display()}). Gebruik --force om opnieuw aan te melden "
                "met nieuwe sleutels."
            )
        region = own_region()
        organisation = options["organisation"] or f"RIEC {region.name}"
        pairs = keys.generate()
        client = HubClient(
            hub_url,
            region=region.code,
            signing_key=pairs.signing,
            hub_key=None,
            software_version=__version__,
        )
        try:
            result = client.enroll(
                code=options["code"],
                organisation=organisation,
                box_key=pairs.box_public,
                expected_hub_key_id=options["hub_key"] or None,
            )
        except HubError as exc:
            raise CommandError(str(exc)) from exc
        services.save_identity(
            region=region.code,
            organisation=organisation,
            hub_url=hub_url,
            pairs=pairs,
            hub_signing_key=result.hub_signing_key,
            status=result.status,
        )
        self.stdout.write(
            f"Aangemeld bij {hub_url} als {region.code}.\n"
            f"  vingerafdruk van deze node: {keys.fingerprint(pairs.signing_key_id)}\n"
            f"  vingerafdruk van de hub:    {keys.fingerprint(result.hub_key_id)}\n"
            "Vergelijk beide met de beheerder van de hub voordat die de node goedkeurt."
        )
        if result.status == NodeStatus.ACTIVE:
            services.activate_identity()
            self.stdout.write("De node is goedgekeurd.")
            return
        if options["timeout"] <= 0:
            self.stdout.write("Wacht op goedkeuring; `zicht transport_worker` kijkt vanzelf.")
            return
        self._wait(client, options["timeout"], options["poll_interval"])

    def _wait(self, client: HubClient, timeout: float, interval: float) -> None:
        deadline = time.monotonic() + timeout
        self.stdout.write(f"Wacht tot {timeout:.0f} seconden op goedkeuring door de hub ...")
        try:
            while time.monotonic() < deadline:
                try:
                    answer = client.status()
                except HubError as exc:
                    self.stderr.write(str(exc))
                else:
                    if answer.get("status") == NodeStatus.ACTIVE:
                        services.activate_identity()
                        self.stdout.write("De node is goedgekeurd.")
                        return
                time.sleep(max(0.1, min(interval, deadline - time.monotonic())))
        except KeyboardInterrupt:
            raise CommandError(
                "Onderbroken. De aanmelding blijft staan; de worker kijkt vanzelf verder."
            ) from None
        raise CommandError(
            f"Nog niet goedgekeurd na {timeout:.0f} seconden. De aanmelding blijft staan; "
            "`zicht transport_worker` maakt de node actief zodra de hub haar goedkeurt."
        )
