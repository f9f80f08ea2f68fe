"""The region pages."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_region_list(logged_in_client):
    response = logged_in_client.get(reverse("reference:region-list"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Noord-Nederland", "Amsterdam-Amstelland", "Limburg"):
        assert name in html
    assert html.count(' href="/referentie/') >= 10
    # In the order of zicht.regions (the demo network), not alphabetical.
    assert (
        html.index("Noord-Nederland") < html.index("Amsterdam-Amstelland") < html.index("Limburg")
    )
    # The node of the test settings is Midden-Nederland: its row is marked, with text too.
    own_rows = re.findall(r'<tr class="is-own-region">(.*?)</tr>', html, re.S)
    assert len(own_rows) == 1
    assert "Midden-Nederland" in own_rows[0]
    assert "uw regio" in own_rows[0]
    assert "2.095.649" in own_rows[0]  # Dutch thousands separator


def test_region_list_highlights_the_configured_region(logged_in_client, settings):
    settings.ZICHT_REGION = "limburg"
    html = logged_in_client.get(reverse("reference:region-list")).content.decode()
    own_rows = re.findall(r'<tr class="is-own-region">(.*?)</tr>', html, re.S)
    assert len(own_rows) == 1
    assert "Limburg" in own_rows[0]


def test_region_detail_lists_municipalities_and_draws_the_map(logged_in_client):
    url = reverse("reference:region-detail", kwargs={"code": "midden-nederland"})
    response = logged_in_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>" in html
    assert '<th scope="row">Utrecht</th>' in html
    assert "GM0344" in html  # Utrecht's CBS code
    # One path per municipality, each named for screen readers and hover.
    assert html.count("<path ") == 38
    assert "<title>Utrecht</title>" in html
    assert 'role="img"' in html
    # SVG numbers must not be localised ("246,0" in Dutch would break the drawing).
    svg_tag = re.search(r"<svg [^>]*>", html)
    assert svg_tag is not None
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+" width="[\d.]+" height="[\d.]+"', svg_tag[0])
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html


def test_region_detail_escapes_names(logged_in_client):
    from zicht.reference.models import Municipality

    Municipality.objects.filter(code="GM0344").update(name="<script>x</script>")
    url = reverse("reference:region-detail", kwargs={"code": "midden-nederland"})
    html = logged_in_client.get(url).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_unknown_region_is_404(logged_in_client):
    url = reverse("reference:region-detail", kwargs={"code": "atlantis"})
    assert logged_in_client.get(url).status_code == 404


def test_pages_need_a_login(client):
    response = client.get(reverse("reference:region-list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
