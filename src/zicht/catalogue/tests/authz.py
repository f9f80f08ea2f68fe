"""Routes of the catalogue app for the authorization matrix (see zicht.core.authz).

Catalogues hold no personal data: every logged-in role may read them, on the hub and on a
node.
"""

from zicht.core.authz import ALL_ROLES, Route

ROUTES: list[Route] = [
    Route("catalogue:index", allowed=ALL_ROLES),
    Route("catalogue:forms", allowed=ALL_ROLES),
    Route("catalogue:indicators", allowed=ALL_ROLES),
    Route("catalogue:indicators", allowed=ALL_ROLES, data={"form": "arbeid"}),
    Route("catalogue:sectors", allowed=ALL_ROLES),
    Route("catalogue:route-steps", allowed=ALL_ROLES),
]

# The API routes of zicht.catalogue.api.build_router(), mounted by zicht.core.api under
# /catalogue on the hub and on a node; django-ninja names them after their url_name.
ROUTES += [
    Route("api:catalogue-form-list", allowed=ALL_ROLES, is_api=True),
    Route("api:catalogue-indicator-list", allowed=ALL_ROLES, is_api=True),
    Route("api:catalogue-sector-list", allowed=ALL_ROLES, is_api=True),
    Route("api:catalogue-route-step-list", allowed=ALL_ROLES, is_api=True),
]
