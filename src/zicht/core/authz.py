"""Declarations for the authorization matrix test.

Every app lists each of its routes in ``<app>/tests/authz.py`` as ``ROUTES: list[Route]``.
``zicht/core/tests/test_authorization_matrix.py`` requests every route as every persona
(anonymous and one user per role, on the hub and on a node) and checks who gets in, and it
fails when any URL pattern of either URLconf is missing from the declarations.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS = "anonymous"
# Personas: the role codes of zicht.accounts.roles, plus anonymous.
ALL_ROLES = frozenset(
    {"analist", "coordinator", "partner", "data_steward", "beheerder", "alleen_lezen"}
)
EVERYONE = ALL_ROLES | {ANONYMOUS}


@dataclass(frozen=True)
class Route:
    # URL name as used with reverse(), e.g. "audit:entry-list".
    name: str
    # Which personas may use the route. Anyone else must be refused.
    allowed: frozenset[str]
    # "hub", "node" or "both": where the route exists. Elsewhere it must be a 404.
    where: str = "both"
    method: str = "get"
    kwargs: dict[str, Any] = field(default_factory=dict)
    # Builds kwargs from the test fixtures when the route needs an object (gets the db).
    kwargs_factory: Callable[[], dict[str, Any]] | None = None
    # Status codes that mean "let in" for this route (a POST may redirect).
    ok_status: frozenset[int] = frozenset({200})
    data: dict[str, Any] = field(default_factory=dict)
    # API routes answer 401 to anonymous callers; pages redirect to the login page.
    is_api: bool = False
