from typing import Any

from zicht.core.authz import EVERYONE, Route

ADMIN = frozenset({"beheerder"})
REDIRECT = frozenset({302})


def _subject() -> dict[str, Any]:
    from zicht.accounts.tests.factories import UserFactory

    return {"user_id": UserFactory().pk}


ROUTES = [
    # Public steps of logging in; a logged-in user is sent on (302).
    Route("accounts:login", allowed=EVERYONE, ok_status=frozenset({200, 302})),
    # Without a pending password step these send the visitor back to the login page.
    Route("accounts:login-verify", allowed=EVERYONE, ok_status=REDIRECT),
    Route("accounts:login-setup", allowed=EVERYONE, ok_status=REDIRECT),
    Route(
        "accounts:logout",
        allowed=frozenset(EVERYONE - {"anonymous"}),
        method="post",
        ok_status=REDIRECT,
    ),
    Route("accounts:password-reset", allowed=EVERYONE),
    Route("accounts:password-reset-done", allowed=EVERYONE),
    Route(
        "accounts:password-reset-confirm",
        allowed=EVERYONE,
        kwargs={"uidb64": "MQ", "token": "invalid-token"},
    ),
    Route("accounts:password-reset-complete", allowed=EVERYONE),
    Route("accounts:user-list", allowed=ADMIN),
    Route("accounts:user-create", allowed=ADMIN),
    Route("accounts:user-detail", allowed=ADMIN, kwargs_factory=_subject),
    Route(
        "accounts:user-unlock",
        allowed=ADMIN,
        method="post",
        kwargs_factory=_subject,
        ok_status=REDIRECT,
    ),
    Route(
        "accounts:user-reset-2fa",
        allowed=ADMIN,
        method="post",
        kwargs_factory=_subject,
        ok_status=REDIRECT,
    ),
    Route("accounts:organisation-list", allowed=ADMIN),
]
