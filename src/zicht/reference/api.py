"""JSON API for the reference data, mounted by :mod:`zicht.core.api` under ``/reference``.

Read-only: reference data change only through :mod:`zicht.reference.loader`. Boundaries are
left out on purpose; they are large and the pages draw the maps server-side.
"""

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from zicht.reference.models import Municipality, Region


class RegionOut(Schema):
    code: str
    name: str
    population: int
    municipality_count: int


class MunicipalityOut(Schema):
    code: str
    name: str
    province: str
    population: int
    lat: float
    lon: float


def build_router() -> Router:
    # A fresh router per call: a router can be attached to only one NinjaAPI, and the hub and
    # node APIs are both built in one process (tests, OpenAPI export).
    router = Router(tags=["reference"])

    @router.get(
        "/regions",
        response=list[RegionOut],
        url_name="reference-region-list",
        summary="The ten RIEC regions",
    )
    def list_regions(request: HttpRequest) -> QuerySet[Region]:
        # Meta.ordering does not apply to aggregate queries, so order explicitly.
        return Region.objects.annotate(municipality_count=Count("municipalities")).order_by(
            "position", "name"
        )

    @router.get(
        "/regions/{code}/municipalities",
        response=list[MunicipalityOut],
        url_name="reference-region-municipalities",
        summary="The municipalities of one region",
    )
    def list_municipalities(request: HttpRequest, code: str) -> QuerySet[Municipality]:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise HttpError(404, "Deze regio bestaat niet.")
        return region.municipalities.order_by("name")

    return router
