"""URL patterns shared by the hub and node URLconfs."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.i18n import set_language
from ninja import NinjaAPI

from zicht.core import views
from zicht.core.api import build_api
from zicht.core.problems import problem
from zicht.research import urls as research_urls
from zicht.transport import urls as transport_urls


def _open_to_anonymous(patterns: list[Any]) -> None:
    # The API authenticates itself and answers 401 as problem+json; the login redirect of
    # LoginRequiredMiddleware would be wrong for machine clients.
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _open_to_anonymous(pattern.url_patterns)
        else:
            pattern.callback.login_required = False


@login_not_required
def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    return problem(request, 404, "Deze bron bestaat niet in de API.")


def common_patterns(role: str) -> tuple[NinjaAPI, list[URLPattern | URLResolver]]:
    api = build_api(role)
    api_patterns, app_name, namespace = api.urls
    _open_to_anonymous(api_patterns)
    patterns: list[URLPattern | URLResolver] = [
        path("health", views.health, name="health"),
        path("i18n/setlang/", login_not_required(set_language), name="set_language"),
        path("api/v1/", include((api_patterns, app_name), namespace=namespace)),
        re_path(r"^api/v1/(?P<rest>.*)$", api_not_found, name="api-not-found"),
        path("", include("zicht.core.urls")),
        path("accounts/", include("zicht.accounts.urls")),
        path("beheer/audit/", include("zicht.audit.urls")),
        path("referentie/", include("zicht.reference.urls")),
        path("catalogus/", include("zicht.catalogue.urls")),
        # The hub's network page or a node's connection page: one route list per role.
        path("", include((transport_urls.patterns_for(role), "transport"))),
        # Joint research: studies and releases on the hub, a region's run requests on a node.
        path("onderzoek/", include((research_urls.patterns_for(role), "research"))),
    ]
    if role == "node":
        # Personal data live only on nodes: the register is not routed on the hub at all.
        patterns.append(path("register/", include("zicht.register.urls")))
        patterns.append(path("casussen/", include("zicht.cases.urls")))
        patterns.append(path("inzicht/", include("zicht.insight.urls")))
    return api, patterns
