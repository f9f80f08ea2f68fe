"""The dashboard over HTTP: filters from the URL, downloads, disclosure control and audit."""

import csv
import io
import re
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from zicht.audit.models import AuditEntry
from zicht.insight import tables
from zicht.insight.figures import Row
from zicht.register.tests.factories import make_signal

pytestmark = pytest.mark.django_db

UTRECHT = "GM0344"
AMERSFOORT = "GM0307"
DASHBOARD = "insight:dashboard"


@pytest.fixture
def register() -> None:
    for _ in range(7):
        make_signal(municipality_code=UTRECHT, form_codes=["arbeid"], sector_code="bouw")
    for _ in range(2):
        make_signal(municipality_code=AMERSFOORT, form_codes=["seksueel"])
    make_signal(municipality_code=AMERSFOORT, form_codes=["arbeid"], received_on=date(2025, 12, 30))


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _table_rows(html: str, name: str) -> list[list[str]]:
    table = re.search(rf'<table class="table" data-testid="table-{name}">(.*?)</table>', html, re.S)
    assert table
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def test_dashboard_shows_exact_figures_charts_and_map(register: None, client_for: Any) -> None:
    response = client_for("analist").get(reverse(DASHBOARD))
    assert response.status_code == 200
    html = response.content.decode()
    assert "10 signalen in deze selectie" in html
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html
    charts = len(tables.TABLE_NAMES) + len(tables.CASE_TABLE_NAMES) + 1  # and the map
    assert html.count('role="img"') == charts
    # On screen the small count of Amersfoort (3) is exact.
    rows = {r[0]: r for r in _table_rows(html, "gemeenten")}
    assert rows["Amersfoort"][1] == "3"
    assert rows["Utrecht"][1] == "7"
    assert 'style="' not in html.split("<main", 1)[1]


def test_filters_come_from_the_url(register: None, client_for: Any) -> None:
    client = client_for("alleen_lezen")
    query = {"vorm": "arbeid", "gemeente": UTRECHT, "van": "2026-01-01"}
    response = client.get(reverse(DASHBOARD), query)
    html = response.content.decode()
    assert "7 signalen in deze selectie" in html
    assert response.context["figures"].filters.as_query() == query
    # The download links carry the same filters.
    assert "gemeente=GM0344" in html
    assert "vorm=arbeid" in html
    assert 'value="GM0344" selected' in html
    assert (
        "1 signaal in deze selectie"
        in client.get(reverse(DASHBOARD), {"tot": "2025-12-31"}).content.decode()
    )


def test_invalid_filter_is_reported_and_ignored(register: None, client_for: Any) -> None:
    response = client_for("analist").get(
        reverse(DASHBOARD), {"vorm": "bestaat-niet", "gemeente": UTRECHT}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert "8 signalen in deze selectie" not in html
    assert "7 signalen in deze selectie" in html  # the valid municipality filter still holds


def test_csv_matches_the_table_where_nothing_is_suppressed(register: None, client_for: Any) -> None:
    client = client_for("analist")
    query = {"vorm": "arbeid", "gemeente": UTRECHT}
    html = client.get(reverse(DASHBOARD), query).content.decode()
    response = client.get(reverse("insight:table-csv", args=["gemeenten"]), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    exported = _csv(response)
    on_screen = _table_rows(html, "gemeenten")
    assert exported[0] == on_screen[0]  # the same columns
    # Counts and labels agree row for row (7 in Utrecht, 0 elsewhere: nothing below 5).
    assert [r[:2] for r in exported[1:]] == [r[:2] for r in on_screen[1:]]
    utrecht = next(r for r in exported if r[0] == "Utrecht")
    assert utrecht[2] == f"{7 * 100_000 / 374_238:.1f}"


def test_export_suppresses_small_counts_and_is_audited(register: None, client_for: Any) -> None:
    client = client_for("analist")
    response = client.get(reverse("insight:table-csv", args=["gemeenten"]))
    rows = {r[0]: r for r in _csv(response)}
    assert rows["Amersfoort"][1] == "< 5"
    assert rows["Amersfoort"][2] == "< 5"  # no rate that would reveal the count
    # Amersfoort's 3 cannot be recomputed from the total and the other municipalities.
    assert rows["Utrecht"][1] == "x" or rows["Totaal"][1] == "x"
    assert all(r[1] not in {"1", "2", "3", "4"} for r in rows.values())
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.object_type == "insight.table"
    assert entry.object_id == "gemeenten"
    assert entry.detail["format"] == "csv"
    assert entry.detail["suppressed"] >= 2
    assert entry.detail["k"] == 5


@pytest.mark.parametrize("chart", ["kaart", "gemeenten", "maanden", "combinaties"])
def test_chart_downloads_as_svg_protected_and_audited(
    chart: str, register: None, client_for: Any
) -> None:
    response = client_for("coordinator").get(
        reverse("insight:chart-svg", args=[chart]), {"gemeente": AMERSFOORT}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<?xml")
    assert 'xmlns="http://www.w3.org/2000/svg"' in body
    assert "&lt; 5" in body or chart == "combinaties"
    assert ">3<" not in body  # Amersfoort's exact count never leaves in a chart
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert (entry.object_id, entry.detail["format"]) == (chart, "svg")
    assert entry.detail["filters"] == {"gemeente": AMERSFOORT}


def test_unknown_table_or_chart_is_404(client_for: Any) -> None:
    client = client_for("analist")
    assert client.get(reverse("insight:table-csv", args=["geheim"])).status_code == 404
    assert client.get(reverse("insight:chart-svg", args=["geheim"])).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()


def test_new_signal_shows_up_on_the_dashboard(register: None, client_for: Any) -> None:
    client = client_for("analist")
    assert "10 signalen" in client.get(reverse(DASHBOARD)).content.decode()
    make_signal(municipality_code=UTRECHT)
    assert "11 signalen" in client.get(reverse(DASHBOARD)).content.decode()


def test_csv_cells_cannot_run_as_formulas() -> None:
    from zicht.insight.figures import Row

    spec = tables.TableSpec("t", "T", "Naam", [Row("a", "=SUM(A1)", 7)], "bar", additive=True)
    text, _n = tables.csv_text(spec)
    assert "'=SUM(A1)" in text


def test_case_figures_are_shown_and_exported_protected(client_for: Any) -> None:
    from zicht.cases.tests.factories import make_case

    for _ in range(6):
        make_case()
    client = client_for("analist")
    html = client.get(reverse(DASHBOARD)).content.decode()
    rows = {r[0]: r[1] for r in _table_rows(html, "casusfasen")}
    assert rows["intake"] == "6"
    exported = {
        r[0]: r[1] for r in _csv(client.get(reverse("insight:table-csv", args=["casusfasen"])))
    }
    assert exported["intake"] == "6"
    assert exported["Totaal"] == "6"
    svg = client.get(reverse("insight:chart-svg", args=["interventies"]))
    assert svg["Content-Type"] == "image/svg+xml"


def test_a_table_whose_small_values_stay_knowable_is_not_exported() -> None:
    # Four cells of 1 under a total of 4: every "< 5" marker could only mean 1.
    spec = tables.TableSpec(
        name="t",
        title="t",
        dimension="Vorm",
        rows=[Row(key=str(i), label=f"v{i}", count=1) for i in range(4)],
        chart="bar",
        additive=True,
    )
    with pytest.raises(tables.TooSmallToPublishError):
        tables.csv_text(spec)
    rows, _total, _n = tables.protected(spec)  # on screen, for the region itself, it is shown
    assert len(rows) == 4


def test_dashboard_shows_case_outcomes_and_time_per_phase(client_for: Any) -> None:
    from zicht.cases import services as case_services
    from zicht.cases.models import Case
    from zicht.cases.tests.factories import make_case, result

    case = make_case()
    case_services.transition_case(acting_user=None, case=case, to_status="weging")
    case_services.transition_case(
        acting_user=None,
        case=Case.objects.get(pk=case.pk),
        to_status="afgesloten",
        reason="Geen aanknopingspunten",
        result_type=result(case, "geen-interventie"),
    )
    make_case()
    html = client_for("analist").get(reverse(DASHBOARD)).content.decode()
    outcomes = re.search(r'data-testid="case-results">(.*?)</table>', html, re.S)
    assert outcomes is not None
    assert result(case, "geen-interventie").name_nl in outcomes.group(1)
    phases = re.search(r'data-testid="phase-times">(.*?)</table>', html, re.S)
    assert phases is not None
    assert "intake" in phases.group(1)
    assert "weging" in phases.group(1)
