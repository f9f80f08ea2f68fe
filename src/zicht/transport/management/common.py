"""Helpers shared by the transport's management commands."""

from django.conf import settings
from django.core.management.base import CommandError

ROLE_NAMES = {"hub": "de hub", "node": "een node"}


def require_role(role: str) -> None:
    """Refuse to run a hub command on a node, or the other way round."""
    if role != settings.ZICHT_ROLE:
        raise CommandError(
            f"Dit commando is alleen voor {ROLE_NAMES[role]}; dit proces is "
            f"{ROLE_NAMES[settings.ZICHT_ROLE]} (ZICHT_ROLE={settings.ZICHT_ROLE})."
        )
