"""Browser journeys of the dashboard and the phenomenon-picture report (Chromium through
Playwright)."""

import csv
import io
import subprocess
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


def test_analyst_writes_a_report_and_exports_it_as_pdf(
    page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.ZICHT_REQUIRE_2FA = False
    UserFactory(username="analist", roles=["analist"])
    for _ in range(6):
        make_signal(municipality_code="GM0344", form_codes=["arbeid"], sector_code="bouw")
    make_signal(municipality_code="GM0307", form_codes=["seksueel"])
    _login(page, "analist")

    page.goto("/inzicht/?van=2026-01-01&tot=2026-03-31")
    page.get_by_role("link", name="Fenomeenbeeld van deze periode maken").click()
    page.get_by_role("heading", name="Nieuw fenomeenbeeld").wait_for()
    assert page.get_by_label("Periode vanaf").input_value() == "2026-01-01"
    page.get_by_label("Titel").fill("Fenomeenbeeld eerste kwartaal 2026")
    page.get_by_label("Samenvatting").fill("Arbeidsuitbuiting in de bouw in Utrecht.")
    page.get_by_label("Modus operandi").fill("Werving via uitzendbureaus met huisvesting.")
    page.get_by_role("button", name="Fenomeenbeeld aanmaken").click()
    page.get_by_role("heading", name="Fenomeenbeeld eerste kwartaal 2026").wait_for()
    assert page.get_by_test_id("report-status").inner_text() == "concept"
    page.get_by_test_id("total").get_by_text("7 signalen in deze periode").wait_for()

    page.get_by_role("link", name="Tekst bewerken").click()
    page.get_by_label("Aanbevelingen").fill("Gezamenlijke controles in de bouw.")
    page.get_by_role("button", name="Nieuwe versie opslaan").click()
    page.get_by_text("Versie 2 is opgeslagen.").wait_for()
    assert page.locator("[data-testid=versions] tbody tr").count() == 2

    with page.expect_download() as info:
        page.get_by_test_id("export-pdf").click()
    pdf = tmp_path / "fenomeenbeeld.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    (png,) = tmp_path.glob("page*.png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 1000
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert "Werving via uitzendbureaus met huisvesting." in flat
    assert "Gezamenlijke controles in de bouw." in flat
