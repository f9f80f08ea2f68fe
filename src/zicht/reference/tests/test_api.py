"""The reference API as mounted on a node at /api/v1/reference/."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_regions(logged_in_client):
    response = logged_in_client.get(reverse("node-api:reference-region-list"))
    assert response.status_code == 200
    regions = response.json()
    assert [r["code"] for r in regions][:3] == [
        "noord-nederland",
        "oost-nederland",
        "midden-nederland",
    ]
    assert len(regions) == 10
    midden = regions[2]
    assert midden == {
        "code": "midden-nederland",
        "name": "Midden-Nederland",
        "population": 2_095_649,
        "municipality_count": 38,
    }
    assert sum(r["population"] for r in regions) == 17_942_942
    assert sum(r["municipality_count"] for r in regions) == 342


def test_municipalities_of_a_region(logged_in_client):
    url = reverse("node-api:reference-region-municipalities", kwargs={"code": "limburg"})
    response = logged_in_client.get(url)
    assert response.status_code == 200
    municipalities = response.json()
    assert len(municipalities) == 31
    names = [m["name"] for m in municipalities]
    assert names == sorted(names)
    maastricht = next(m for m in municipalities if m["code"] == "GM0935")
    assert maastricht == {
        "code": "GM0935",
        "name": "Maastricht",
        "province": "Limburg",
        "population": 125_285,
        "lat": 50.85297,
        "lon": 5.69961,
    }
    # Boundaries are large and only used server-side for the maps.
    assert "boundary" not in maastricht


def test_unknown_region_is_404(logged_in_client):
    url = reverse("node-api:reference-region-municipalities", kwargs={"code": "atlantis"})
    response = logged_in_client.get(url)
    assert response.status_code == 404


def test_anonymous_caller_is_refused(client):
    response = client.get(reverse("node-api:reference-region-list"))
    assert response.status_code == 401
