"""The JSON API at ``/api/v1/``: one NinjaAPI per role, assembled from each app's router.

Each app exposes ``build_router()`` and this module mounts the routers that belong to the
role. Building a fresh API per role lets one process (the test suite, the OpenAPI export)
hold both contracts; they are committed as ``openapi/hub.json`` and ``openapi/node.json``.
"""

import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema
from ninja.security import django_auth

from zicht import __version__
from zicht.core.problems import install_handlers

API_PREFIX = "/api/v1/"


class OrganisationOut(Schema):
    name: str
    type: str


class MeOut(Schema):
    username: str
    full_name: str
    organisation: OrganisationOut | None
    roles: list[str]
    instance: str


def _core_router() -> Router:
    router = Router(tags=["account"])

    @router.get("/me", response=MeOut, summary="The logged-in user")
    def me(request: HttpRequest) -> dict[str, Any]:
        from django.conf import settings

        user: Any = request.user
        organisation = user.organisation
        return {
            "username": user.username,
            "full_name": user.get_full_name(),
            "organisation": (
                {"name": organisation.name, "type": organisation.type} if organisation else None
            ),
            "roles": sorted(user.roles.values_list("code", flat=True)),
            "instance": settings.ZICHT_INSTANCE,
        }

    return router


def build_api(role: str) -> NinjaAPI:
    from zicht.audit.api import build_router as audit_router
    from zicht.catalogue.api import build_router as catalogue_router
    from zicht.reference.api import build_router as reference_router
    from zicht.register.api import build_router as register_router

    api = NinjaAPI(
        title=f"Zicht {role} API",
        version="1",
        description=(
            "JSON API of a Zicht "
            + ("hub (LIEC): no personal data." if role == "hub" else "node (regional RIEC).")
            + " Errors are application/problem+json (RFC 9457)."
        ),
        urls_namespace=f"{role}-api",
        auth=django_auth,
        docs_url=None,  # the bundled Swagger UI loads from a CDN; the JSON contract is enough
    )
    install_handlers(api)
    api.add_router("/", _core_router())
    api.add_router("/reference", reference_router())
    api.add_router("/audit", audit_router())
    api.add_router("/catalogue", catalogue_router())
    if role == "hub":
        from zicht.transport.api import build_router as transport_router

        # Nodes call the hub; the hub never calls a node, so nodes have no transport API.
        api.add_router("/transport", transport_router())
        from zicht.research.api import build_router as research_router

        # Joint research: nodes fetch runs and hand in decisions and partial sums.
        api.add_router("/research", research_router())
    if role == "node":
        # Personal data exist only on nodes: the hub's contract has no register at all.
        from zicht.cases.api import build_router as cases_router

        api.add_router("/", register_router())
        api.add_router("/", cases_router())
    return api


def openapi_document(api: NinjaAPI) -> str:
    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


__all__ = ["API_PREFIX", "__version__", "build_api", "openapi_document"]
