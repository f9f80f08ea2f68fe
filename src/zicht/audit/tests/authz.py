from zicht.core.authz import Route

ADMIN = frozenset({"beheerder"})

ROUTES = [
    Route("audit:entry-list", allowed=ADMIN),
    Route("audit:entry-export", allowed=ADMIN),
    Route("api:list_entries", allowed=ADMIN, is_api=True),
]
