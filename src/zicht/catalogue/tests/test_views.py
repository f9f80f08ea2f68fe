"""The catalogue pages."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_index_shows_portfolios_and_versions(logged_in_client):
    response = logged_in_client.get(reverse("catalogue:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mensenhandel" in html
    assert "<td>2025.1</td>" in html
    assert "indicators.csv" in html
    assert html.count("<code title=") == 7  # one row per catalogue file
    row = re.search(r'<th scope="row">Mensenhandel</th>(.*?)</tr>', html, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">(\d+)</td>', row[1]) == ["5", "82", "18"]


def test_forms_page_shows_offences_with_validity(logged_in_client, settings):
    html = logged_in_client.get(reverse("catalogue:forms")).content.decode()
    for name in ("Seksuele uitbuiting", "Arbeidsuitbuiting", "Criminele uitbuiting",
                 "Gedwongen orgaanverwijdering", "Ernstige benadeling"):  # fmt: skip
        assert name in html
    row_273fa = re.search(r"<code>273fa</code>(.*?)</tr>", html, re.S)
    assert row_273fa is not None
    assert "nog niet in werking" in row_273fa[1]

    settings.ZICHT_OFFENCE_273FA_IN_FORCE = date(2020, 1, 1)
    html = logged_in_client.get(reverse("catalogue:forms")).content.decode()
    row_273fa = re.search(r"<code>273fa</code>(.*?)</tr>", html, re.S)
    assert row_273fa is not None
    assert "1 januari 2020" in row_273fa[1]
    assert "nog niet in werking" not in row_273fa[1]


def test_indicator_list_and_filters(logged_in_client):
    url = reverse("catalogue:indicators")
    html = logged_in_client.get(url).content.decode()
    assert html.count('<th scope="row"><code>') == 82
    assert "Afhankelijkheid" in html  # group shown by its Dutch name

    html = logged_in_client.get(url, {"form": "orgaan"}).content.decode()
    assert re.findall(r'<th scope="row"><code>(\w+)</code>', html) == ["O01", "O02", "O03"]

    html = logged_in_client.get(url, {"form": "arbeid", "group": "werving"}).content.decode()
    assert re.findall(r'<th scope="row"><code>(\w+)</code>', html) == ["L05", "L14", "L18", "L19"]

    html = logged_in_client.get(url, {"group": "dwang"}).content.decode()
    codes = re.findall(r'<th scope="row"><code>(\w+)</code>', html)
    assert codes == ["G19", "L06", "L11", "S12", "C13", "O02"]


def test_unknown_filter_value_shows_an_error_and_no_rows(logged_in_client):
    response = logged_in_client.get(reverse("catalogue:indicators"), {"form": "vissen"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "Geen indicatoren gevonden." in html


def test_sectors_and_route_steps(logged_in_client):
    html = logged_in_client.get(reverse("catalogue:sectors")).content.decode()
    for name in ("Land- en tuinbouw", "Vleesverwerking", "Raamprostitutie", "Escort", "Havens"):
        assert name in html
    html = logged_in_client.get(reverse("catalogue:route-steps")).content.decode()
    steps = re.findall(r"<li><strong>(\w+)</strong>", html)
    assert steps == ["Werving", "Huisvesting", "Registratie", "Arbeid", "Verblijf", "Terugkeer"]


def test_english_labels_are_shown_in_english(logged_in_client):
    logged_in_client.cookies["zicht_language"] = "en"
    html = logged_in_client.get(reverse("catalogue:indicators")).content.decode()
    assert "Does not know own home or work address" in html
    assert "Dependency" in html
    assert "<h1>Indicators</h1>" in html
    translation.activate("nl")


def test_retired_entries_are_not_listed(logged_in_client):
    from zicht.catalogue.models import Indicator

    Indicator.objects.filter(code="G01").update(is_active=False)
    html = logged_in_client.get(reverse("catalogue:indicators")).content.decode()
    assert "<code>G01</code>" not in html
    assert html.count('<th scope="row"><code>') == 81


def test_pages_escape_catalogue_text(logged_in_client):
    from zicht.catalogue.models import Sector

    Sector.objects.filter(code="bouw").update(name_nl="<script>x</script>")
    html = logged_in_client.get(reverse("catalogue:sectors")).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "name", ["catalogue:index", "catalogue:forms", "catalogue:indicators", "catalogue:sectors",
             "catalogue:route-steps"]
)  # fmt: skip
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_navigation_has_an_entry(logged_in_client):
    html = logged_in_client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse("catalogue:index")}"' in html
    assert "Catalogi" in html
