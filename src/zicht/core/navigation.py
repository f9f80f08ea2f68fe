"""The main navigation, filtered per user by role (hub/node) and permission.

Apps add their entries in ``AppConfig.ready`` through :func:`register`, so the base
template needs no knowledge of which features exist.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    # None: every logged-in user; a tuple: any one of these permissions.
    permission: str | tuple[str, ...] | None = None
    where: str = "both"  # "hub", "node" or "both"
    order: int = 100
    # A number shown beside the label (e.g. unread notifications); hidden when 0.
    badge: Callable[[Any], int] | None = None


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.url_name not in {i.url_name for i in _ITEMS}:
        _ITEMS.append(item)


def items_for(user: Any) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    role = settings.ZICHT_ROLE
    visible = []
    for item in sorted(_ITEMS, key=lambda i: (i.order, str(i.label))):
        if item.where not in ("both", role):
            continue
        needed = (item.permission,) if isinstance(item.permission, str) else item.permission
        if needed and not any(user.has_perm(p) for p in needed):
            continue
        visible.append(
            {
                "url": reverse(item.url_name),
                "label": str(item.label),
                "name": item.url_name,
                "badge": item.badge(user) if item.badge else 0,
            }
        )
    return visible
