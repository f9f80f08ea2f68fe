"""Every route, every persona, on the hub and on a node: who gets in and who does not.

Routes are declared per app in ``<app>/tests/authz.py``. The coverage test fails when a URL
pattern exists that no declaration names, so a new page cannot ship without its row here.
"""

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import zicht
from zicht.core.authz import ANONYMOUS, EVERYONE, Route

LOGIN_PREFIX = "/accounts/login/?next="


def _declared_routes() -> list[Route]:
    routes: list[Route] = []
    for module in pkgutil.iter_modules(zicht.__path__):
        try:
            authz = importlib.import_module(f"zicht.{module.name}.tests.authz")
        except ModuleNotFoundError:
            continue
        routes.extend(authz.ROUTES)
    return routes


ROUTES = _declared_routes()


def _pattern_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _pattern_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.add(
                f"{namespace}{pattern.name}"
                if pattern.name
                else f"{namespace}<unnamed {pattern.pattern}>"
            )
    return names


def _generic(name: str, role: str) -> str:
    return "api:" + name.split(":", 1)[1] if name.startswith(f"{role}-api:") else name


@pytest.mark.parametrize("role", ["node", "hub"])
def test_every_url_pattern_is_declared(role: str) -> None:
    declared = {route.name for route in ROUTES if route.where in ("both", role)}
    present = {
        _generic(n, role) for n in _pattern_names(get_resolver(f"zicht.urls_{role}").url_patterns)
    }
    missing = present - declared
    assert not missing, f"routes without an authorization declaration: {sorted(missing)}"
    stale = declared - present
    assert not stale, f"declared routes that do not exist on the {role}: {sorted(stale)}"


def _release_file(response: Any) -> None:
    # Reading a streamed response to its end lets the test client close it (and the file
    # behind it) safely; response.close() would also end the test's database connection.
    if response.streaming:
        b"".join(response.streaming_content)


def _role_settings(role: str) -> dict[str, Any]:
    return {
        "ROOT_URLCONF": f"zicht.urls_{role}",
        "ZICHT_ROLE": role,
        "ZICHT_REGION": "midden-nederland" if role == "node" else None,
        "ZICHT_INSTANCE": "node-midden-nederland" if role == "node" else "hub",
    }


def _request(client: Client, route: Route, path: str) -> Any:
    if route.method == "post" and route.is_api:
        return client.post(path, json.dumps(route.data), content_type="application/json")
    if route.method == "post":
        return client.post(path, route.data)
    return client.get(path, route.data)


def _is_refused(route: Route, persona: str, response: Any) -> bool:
    if persona == ANONYMOUS:
        if route.is_api:
            return bool(response.status_code == 401)
        return response.status_code == 302 and response["Location"].startswith(LOGIN_PREFIX)
    return response.status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["node", "hub"])
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_admits_exactly_the_allowed_personas(
    route: Route, role: str, settings: Any, make_user: Any
) -> None:
    for key, value in _role_settings(role).items():
        setattr(settings, key, value)
    name = f"{role}-api:{route.name.split(':', 1)[1]}" if route.is_api else route.name
    if route.where not in ("both", role):
        other = "hub" if role == "node" else "node"
        # The object behind the route is made as the role that has the route.
        with override_settings(**_role_settings(other)):
            kwargs = route.kwargs_factory() if route.kwargs_factory else route.kwargs
        other_name = f"{other}-api:{route.name.split(':', 1)[1]}" if route.is_api else route.name
        path = reverse(other_name, kwargs=kwargs, urlconf=f"zicht.urls_{other}")
        client = Client()
        client.force_login(make_user(*sorted(EVERYONE - {ANONYMOUS})))
        assert _request(client, route, path).status_code == 404
        return
    kwargs = route.kwargs_factory() if route.kwargs_factory else route.kwargs
    path = reverse(name, kwargs=kwargs)
    for persona in sorted(EVERYONE):
        client = Client()
        if persona != ANONYMOUS:
            client.force_login(make_user(persona))
        response = _request(client, route, path)
        _release_file(response)
        if persona in route.allowed:
            got = response.status_code
            assert got in route.ok_status, f"{persona} refused {route.name} on the {role}: {got}"
            if persona == ANONYMOUS and response.status_code == 302:
                assert not response["Location"].startswith(LOGIN_PREFIX)
        else:
            got = response.status_code
            assert _is_refused(route, persona, response), f"{persona} let into {route.name}: {got}"
