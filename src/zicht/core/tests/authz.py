from zicht.core.authz import ALL_ROLES, EVERYONE, Route

ROUTES = [
    Route("health", allowed=EVERYONE),
    Route("core:home", allowed=ALL_ROLES),
    Route(
        "set_language",
        allowed=EVERYONE,
        method="post",
        data={"language": "en", "next": "/"},
        ok_status=frozenset({302}),
    ),
    # The API's catch-all answers 404 to everyone: there is nothing to let anyone into.
    Route(
        "api-not-found", allowed=EVERYONE, kwargs={"rest": "nothing"}, ok_status=frozenset({404})
    ),
    Route("api:me", allowed=ALL_ROLES, is_api=True),
]
ROUTES += [
    # The contract is public (it is committed to the repository); the root has no docs UI.
    Route("api:openapi-json", allowed=EVERYONE, is_api=True),
    Route("api:api-root", allowed=EVERYONE, ok_status=frozenset({404}), is_api=True),
]
