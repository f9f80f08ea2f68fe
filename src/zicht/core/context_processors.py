"""Template context shared by every page: where am I, and what may I open."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from zicht import __version__
from zicht.core.instance import own_region
from zicht.core.navigation import items_for


def instance_label() -> str:
    if settings.ZICHT_ROLE == "hub":
        return _("LIEC – landelijke hub")
    return _("RIEC %(region)s") % {"region": own_region().name}


def zicht(request: HttpRequest) -> dict[str, Any]:
    return {
        "zicht_role": settings.ZICHT_ROLE,
        "zicht_instance_label": instance_label(),
        "zicht_nav": items_for(getattr(request, "user", None)),
        "zicht_demo": settings.ZICHT_DEPLOYMENT == "demo",
        "zicht_version": __version__,
    }
