"""Browser journey of the dashboard (Chromium through Playwright)."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from zicht.accounts.tests.factories import TEST_PASSWORD, UserFactory
from zicht.register.tests.factories import make_signal

# serialized_rollback keeps the reference data and catalogues that migrations load.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _login(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("heading", level=1).wait_for()


def _table(page: Any, name: str) -> list[list[str]]:
    rows = page.locator(f"[data-testid=table-{name}] tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_analyst_filters_dashboard_and_downloads_csv(page: Any, settings: Any) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    UserFactory(username="analist", roles=["analist"])
    for _ in range(6):
        make_signal(
            municipality_code="GM0307",
            form_codes=["arbeid"],
            sector_code="landbouw-tuinbouw",
            observations={"G01": "observed", "G02": "observed"},
        )
    make_signal(municipality_code="GM0344", form_codes=["arbeid"])
    make_signal(municipality_code="GM0307", form_codes=["seksueel"])
    _login(page, "analist")

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Inzicht").click()
    page.get_by_role("heading", name="Inzicht in de regio").wait_for()
    page.get_by_label("Uitbuitingsvorm", exact=True).select_option("arbeid")
    page.get_by_label("Gemeente", exact=True).select_option("GM0307")
    page.get_by_role("button", name="Filteren").click()
    page.get_by_test_id("total").get_by_text("6 signalen in deze selectie").wait_for()
    assert "vorm=arbeid" in page.url
    assert "gemeente=GM0307" in page.url

    # The map: one shaded area per municipality of the region, and its credit line.
    map_svg = page.locator("[data-testid=figure-kaart] svg")
    assert map_svg.get_attribute("role") == "img"
    assert map_svg.locator("path").count() > 10
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in map_svg.inner_html()
    # Bar and line charts are drawn (non-empty SVG).
    assert page.locator("[data-testid=figure-gemeenten] svg rect").count() >= 1
    assert page.locator("[data-testid=figure-indicatoren] svg rect").count() == 2
    assert page.locator("[data-testid=figure-maanden] svg circle").count() >= 1
    box = page.locator("[data-testid=figure-gemeenten] svg").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100

    on_screen = _table(page, "gemeenten")
    with page.expect_download() as info:
        page.get_by_test_id("csv-gemeenten").click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    exported = list(csv.reader(io.StringIO(text)))
    assert exported[0] == on_screen[0]
    # Labels and counts agree row for row: 6 in Amersfoort, 0 elsewhere, nothing below 5.
    assert [row[:2] for row in exported[1:]] == [row[:2] for row in on_screen[1:]]
    assert ["Amersfoort", "6"] in [row[:2] for row in exported]
