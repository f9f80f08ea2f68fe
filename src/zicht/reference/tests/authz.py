"""Routes of the reference app for the authorization matrix (see zicht.core.authz).

Reference data are public: every logged-in role may read them, on the hub and on a node.
The API routes are named by django-ninja after their operation ids.
"""

from zicht.core.authz import ALL_ROLES, Route

ROUTES: list[Route] = [
    Route("reference:region-list", allowed=ALL_ROLES),
    Route("reference:region-detail", allowed=ALL_ROLES, kwargs={"code": "midden-nederland"}),
]

ROUTES += [
    Route("api:reference-region-list", allowed=ALL_ROLES, is_api=True),
    Route(
        "api:reference-region-municipalities",
        allowed=ALL_ROLES,
        is_api=True,
        kwargs={"code": "midden-nederland"},
    ),
]
