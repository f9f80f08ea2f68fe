"""The catalogue API, mounted in a test URLconf at /api/v1/catalogue/."""

from datetime import date

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("zicht.catalogue.tests.urls_api")]

NS = "catalogue-test-api"


def _get(client, name, **params):
    response = client.get(reverse(f"{NS}:{name}"), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_forms_with_their_offence_codes(logged_in_client):
    forms = _get(logged_in_client, "catalogue-form-list")
    assert [f["code"] for f in forms] == ["seksueel", "arbeid", "crimineel", "orgaan", "benadeling"]
    benadeling = forms[-1]
    assert benadeling["portfolio"] == "mensenhandel"
    assert benadeling["name_nl"] == "Ernstige benadeling"
    assert [o["code"] for o in benadeling["offence_codes"]] == ["273fa"]
    assert benadeling["offence_codes"][0] == {
        "code": "273fa",
        "article": "art. 273fa Sr",
        "name_nl": benadeling["offence_codes"][0]["name_nl"],
        "name_en": benadeling["offence_codes"][0]["name_en"],
        "valid_from": None,
        "valid_to": None,
        "pending": True,
        "in_force_today": False,
    }


def test_offence_validity_follows_the_setting(logged_in_client, settings):
    settings.ZICHT_OFFENCE_273FA_IN_FORCE = date(2020, 1, 1)
    forms = _get(logged_in_client, "catalogue-form-list")
    offence = forms[-1]["offence_codes"][0]
    assert offence["valid_from"] == "2020-01-01"
    assert offence["pending"] is False
    assert offence["in_force_today"] is True


def test_indicators_and_filters(logged_in_client):
    indicators = _get(logged_in_client, "catalogue-indicator-list")
    assert len(indicators) == 82
    g07 = next(i for i in indicators if i["code"] == "G07")
    assert g07 == {
        "code": "G07",
        "group": "afhankelijkheid",
        "label_nl": "Kent eigen woon- of werkadres niet",
        "label_en": "Does not know own home or work address",
        "forms": ["seksueel", "arbeid", "crimineel"],
        "portfolio": "mensenhandel",
        "sources": ["MA", "NLA"],
    }
    labour = _get(logged_in_client, "catalogue-indicator-list", form="arbeid")
    assert len(labour) == 22 + 20  # the general G-items plus L01..L20
    coercion = _get(logged_in_client, "catalogue-indicator-list", form="arbeid", group="dwang")
    assert [i["code"] for i in coercion] == ["G19", "L06", "L11"]
    assert _get(logged_in_client, "catalogue-indicator-list", form="vissen") == []


def test_sectors_and_route_steps(logged_in_client):
    sectors = _get(logged_in_client, "catalogue-sector-list")
    assert len(sectors) == 18
    assert sectors[0] == {
        "code": "landbouw-tuinbouw",
        "name_nl": "Land- en tuinbouw",
        "name_en": "Agriculture and horticulture",
        "portfolio": "mensenhandel",
        "order": 1,
    }
    assert _get(logged_in_client, "catalogue-sector-list", portfolio="jonge-aanwas") == []
    steps = _get(logged_in_client, "catalogue-route-step-list")
    assert [s["code"] for s in steps] == [
        "werving",
        "huisvesting",
        "registratie",
        "arbeid",
        "verblijf",
        "terugkeer",
    ]


def test_anonymous_caller_is_refused(client):
    response = client.get(reverse(f"{NS}:catalogue-indicator-list"))
    assert response.status_code == 401
