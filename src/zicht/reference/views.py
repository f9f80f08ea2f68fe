"""Pages for the reference data: the regions and the municipalities in each."""

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from zicht.reference.models import Region
from zicht.reference.svgmap import MapFeature, build_map

# Kadaster/CBS licence condition for every map drawn from these boundaries (data/SOURCES.md).
MAP_CREDIT = "Kadaster / Centraal Bureau voor de Statistiek, 2024"


@require_GET
def region_list(request: HttpRequest) -> HttpResponse:
    # Meta.ordering does not apply to aggregate queries, so order explicitly.
    regions = Region.objects.annotate(municipality_count=Count("municipalities")).order_by(
        "position", "name"
    )
    return render(
        request,
        "reference/region_list.html",
        {
            "regions": regions,
            # The hub belongs to no region, so nothing is highlighted there.
            "own_region": settings.ZICHT_REGION,
            "total_population": sum(r.population for r in regions),
            "total_municipalities": sum(r.municipality_count for r in regions),
        },
    )


@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    municipalities = list(region.municipalities.order_by("name"))
    region_map = build_map(
        [
            MapFeature(key=m.code, title=m.name, geometry=m.boundary)
            for m in municipalities
            if m.boundary
        ]
    )
    return render(
        request,
        "reference/region_detail.html",
        {
            "region": region,
            "municipalities": municipalities,
            "is_own_region": region.code == settings.ZICHT_REGION,
            "region_map": region_map,
            "map_credit": MAP_CREDIT,
        },
    )
