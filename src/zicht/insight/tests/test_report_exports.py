"""Exports of a phenomenon-picture report: PDF and HTML, protected tables, audit."""

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reportlab.graphics import shapes
from reportlab.graphics.shapes import Group, Rect

from zicht.audit.models import AuditEntry
from zicht.core.pdf import fonts
from zicht.disclosure import Dimension, Table, exactly_derivable, protect
from zicht.insight import charts, render, services, svgpdf, tables
from zicht.insight import report as content
from zicht.insight.errors import ReportValidationError
from zicht.insight.figures import Row
from zicht.insight.models import Report
from zicht.insight.services import Text
from zicht.register.tests.factories import make_signal

pytestmark = pytest.mark.django_db

UTRECHT = "GM0344"
AMERSFOORT = "GM0307"
NARRATIVE = {
    "summary": "Arbeidsuitbuiting in de bouw neemt toe.",
    "trends": "Meer meldingen van gemeenten in het eerste kwartaal.",
    "modus_operandi": "Werving via uitzendbureaus met huisvesting.",
    "recommendations": "Gezamenlijke controles met de Arbeidsinspectie.",
}
SMALL = {"1", "2", "3", "4"}


@pytest.fixture
def register() -> None:
    # Utrecht: 9 in January, 3 in February; Amersfoort: 2 in March.
    for day in range(1, 10):
        make_signal(
            received_on=date(2026, 1, day),
            municipality_code=UTRECHT,
            form_codes=["arbeid"],
            sector_code="bouw",
            observations={"G01": "observed", "G02": "observed"},
        )
    for day in range(1, 4):
        make_signal(received_on=date(2026, 2, day), municipality_code=UTRECHT)
    for day in range(1, 3):
        make_signal(
            received_on=date(2026, 3, day), municipality_code=AMERSFOORT, form_codes=["seksueel"]
        )


def _report(**overrides: Any) -> Report:
    period = overrides.pop("period", (date(2026, 1, 1), date(2026, 3, 31)))
    return services.create_report(
        acting_user=None,
        period_start=period[0],
        period_end=period[1],
        text=Text(title="Fenomeenbeeld eerste kwartaal 2026", **{**NARRATIVE, **overrides}),
    )


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext") is None:  # pragma: no cover - poppler-utils is installed
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def _published_numbers(document: content.ReportDocument) -> list[str]:
    return [
        cell
        for section in [*document.sections, *document.case_sections]
        for row in section.rows
        for cell in row[1:2]
    ]


def test_pdf_holds_the_narrative_and_is_audited(
    register: None, make_user: Any, tmp_path: Path
) -> None:
    analyst = make_user("analist", first_name="Ada", last_name="de Vries")
    report = _report()
    exported = services.export_report(acting_user=analyst, report=report, fmt="pdf")
    assert exported.content.startswith(b"%PDF")
    assert exported.content_type == "application/pdf"
    assert exported.filename.endswith(".pdf")
    text = _pdf_text(exported.content, tmp_path)
    flat = " ".join(text.split())
    for paragraph in NARRATIVE.values():
        assert paragraph in flat
    assert "Fenomeenbeeld eerste kwartaal 2026" in flat
    assert "CONCEPT" in flat
    assert "Verantwoording" in flat
    assert "Cellen kleiner dan 5 zijn onderdrukt" in flat  # the method statement
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in flat
    assert "Ada de Vries" in flat
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert (entry.object_type, entry.object_id) == ("insight.report", str(report.pk))
    assert entry.actor_id == analyst.pk
    assert entry.detail["format"] == "pdf"
    assert entry.detail["version"] == 1
    assert entry.detail["k"] == 5
    assert entry.detail["suppressed"] >= 2
    assert entry.purpose == services.PURPOSE


def test_pdf_tables_show_no_small_value(register: None, make_user: Any, tmp_path: Path) -> None:
    report = _report()
    exported = services.export_report(acting_user=make_user("analist"), report=report, fmt="pdf")
    text = _pdf_text(exported.content, tmp_path)
    # Amersfoort's 2 signals and February's 3 appear only as markers.
    amersfoort = [line for line in text.splitlines() if line.strip().startswith("Amersfoort")]
    assert amersfoort
    # pdftotext writes "< 5" in a table cell as "<5".
    assert all(
        re.fullmatch(r"Amersfoort\s+<\s?5(\s+<\s?5\s+161852)?", line.strip()) for line in amersfoort
    )
    february = [line for line in text.splitlines() if line.strip().startswith("2026-02")]
    assert february
    assert all(re.fullmatch(r"2026-02\s+(<\s?5|x)", line.strip()) for line in february)


def test_html_export_is_standalone_and_protected(register: None, make_user: Any) -> None:
    report = _report(summary="Eerste alinea.\n\nTweede <b>alinea</b>.")
    exported = services.export_report(
        acting_user=make_user("coordinator"), report=report, fmt="html"
    )
    html = exported.content.decode("utf-8")
    assert exported.content_type.startswith("text/html")
    assert html.startswith("<!DOCTYPE html>")
    # Nothing is loaded from anywhere: no URLs, scripts, links, images or CSS imports.
    assert not re.search(r"https?://|//[a-z0-9]", html, re.IGNORECASE)
    for forbidden in ("<script", "<link", "<img", "<iframe", "<object", "src=", "url(", "@import"):
        assert forbidden not in html.lower()
    assert "default-src 'none'" in html
    # The analyst's text is escaped, not interpreted.
    assert "Tweede &lt;b&gt;alinea&lt;/b&gt;." in html
    assert "<p>Eerste alinea.</p>" in html
    # Charts inline, map with credit.
    assert html.count("<svg") == len(tables.TABLE_NAMES) + len(tables.CASE_TABLE_NAMES) + 1
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html
    # Every published count (the cell after a row's label) is 0, at least 5, or a marker.
    sections = re.findall(r'<section data-testid="section-.*?</section>', html, re.S)
    assert len(sections) == len(tables.TABLE_NAMES) + len(tables.CASE_TABLE_NAMES)
    counts = [
        cell.strip()
        for section in sections
        for cell in re.findall(r'<th scope="row">[^<]*</th><td class="num">([^<]*)</td>', section)
    ]
    assert counts
    assert not SMALL & set(counts)
    assert "&lt; 5" in counts
    assert "x" in counts
    assert "Cellen kleiner dan 5 zijn onderdrukt" in html
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.detail["format"] == "html"


def test_exported_tables_never_show_a_value_below_k(register: None) -> None:
    document = content.document(_report(), generated_by="test")
    numbers = _published_numbers(document)
    assert numbers
    assert not SMALL & set(numbers)
    assert "< 5" in numbers
    # The total number of signals (14) is published everywhere it appears.
    assert document.total_text == "14"
    totals = [s.rows[-1][1] for s in document.sections if s.has_total and s.rows]
    assert totals
    assert set(totals) == {"14"}


def test_months_and_quarters_are_protected_together() -> None:
    # January 9, February 3, March 12: protected alone, the month table could choose
    # April as February's complement, and the first quarter (24) would give February away.
    months = [
        Row("2026-01", "2026-01", 9),
        Row("2026-02", "2026-02", 3),
        Row("2026-03", "2026-03", 12),
        Row("2026-04", "2026-04", 6),
        Row("2026-05", "2026-05", 10),
        Row("2026-06", "2026-06", 8),
    ]
    month_spec = tables.TableSpec("maanden", "M", "Maand", months, "line", True)
    quarters = [Row("2026-K1", "2026-K1", 24), Row("2026-K2", "2026-K2", 24)]
    quarter_spec = tables.TableSpec("kwartalen", "K", "Kwartaal", quarters, "line", True)
    month_table, quarter_table = tables.export_months_and_quarters(month_spec, quarter_spec)
    shown = {row.key: row.text for row in [*month_table.rows, *quarter_table.rows]}
    assert shown["2026-02"] == "< 5"
    # Whatever was chosen, February cannot be computed from what both tables show.
    published = {k: int(v) for k, v in shown.items() if v.isdigit()}
    q1_months = ["2026-01", "2026-02", "2026-03"]
    if "2026-K1" in published:
        assert sum(1 for m in q1_months if m not in published) >= 2
    assert month_table.primary == 1
    assert month_table.secondary >= 1


def test_the_joint_protection_is_what_protect_gives_the_two_way_table() -> None:
    table = Table(
        [Dimension("Kwartaal", ("2026-K1", "2026-K2")), Dimension("m", ("1", "2", "3"))],
        {("2026-K1", "1"): 9, ("2026-K1", "2"): 3, ("2026-K1", "3"): 12, ("2026-K2", "1"): 6},
    )
    assert not exactly_derivable(protect(table, k=5))


def test_with_fewer_than_k_signals_no_signal_table_is_exported(make_user: Any) -> None:
    for day in (1, 2, 3):
        make_signal(received_on=date(2026, 5, day), municipality_code=UTRECHT)
    document = content.document(
        _report(period=(date(2026, 5, 1), date(2026, 5, 31))), generated_by="test"
    )
    assert document.total_text == "< 5"
    assert all(s.omitted for s in [document.map_section, *document.sections])
    assert not any(s.rows or s.svg for s in document.sections)
    assert "minder dan 5 signalen" in document.sections[0].omitted


def test_a_table_that_stays_knowable_is_left_out(monkeypatch: Any, register: None) -> None:
    real = tables.export_table

    def refuse_sectors(spec: tables.TableSpec, **kwargs: Any) -> tables.ExportTable:
        if spec.name == "sectoren":
            raise tables.TooSmallToPublishError(spec.dimension)
        return real(spec, **kwargs)

    monkeypatch.setattr(tables, "export_table", refuse_sectors)
    document = content.document(_report(), generated_by="test")
    sectors = next(s for s in document.sections if s.name == "sectoren")
    assert sectors.omitted
    assert not sectors.rows
    assert "sectoren" in document.omitted


def test_a_table_that_would_hide_the_shared_total_is_left_out(
    monkeypatch: Any, register: None
) -> None:
    real = tables.export_table

    def hide_total(spec: tables.TableSpec, **kwargs: Any) -> tables.ExportTable:
        found = real(spec, **kwargs)
        if spec.name != "routestappen" or found.total is None:
            return found
        hidden = tables.ExportRow("", "Totaal", None, "x", None, "", None)
        return tables.ExportTable(spec, found.rows, hidden, found.primary, found.secondary + 1)

    monkeypatch.setattr(tables, "export_table", hide_total)
    document = content.document(_report(), generated_by="test")
    steps = next(s for s in document.sections if s.name == "routestappen")
    assert steps.omitted
    assert next(s for s in document.sections if s.name == "sectoren").rows


def test_final_report_exports_its_frozen_figures(register: None, make_user: Any) -> None:
    report = _report()
    services.transition_report(acting_user=None, report=report, to_status="definitief")
    for _ in range(6):
        make_signal(received_on=date(2026, 1, 20), municipality_code=AMERSFOORT)
    document = content.document(report, generated_by="test")
    assert document.total_text == "14"
    assert not document.is_draft
    assert "vastgesteld" in document.figures_note


def test_withdrawn_report_is_not_exported(register: None, make_user: Any) -> None:
    report = _report()
    services.transition_report(
        acting_user=None, report=report, to_status="ingetrokken", reason="dubbel"
    )
    with pytest.raises(ReportValidationError):
        services.export_report(acting_user=make_user("analist"), report=report, fmt="pdf")
    assert not AuditEntry.objects.filter(action="export").exists()


def test_every_chart_redraws_in_the_pdf(register: None) -> None:
    """svgpdf draws every element the dashboard's charts use (and refuses unknown ones)."""
    found = content.live(_report())
    specs = found.specs()
    svgs = [render.chart(spec, render.exact_data(spec)) for spec in specs.values()]
    svgs.append(render.map_svg(specs["gemeenten"]))
    for svg in svgs:
        drawing = svgpdf.to_drawing(svg, fonts=fonts(), max_width=400, max_height=400)
        assert 0 < drawing.width <= 400
        assert 0 < drawing.height <= 400
        (group,) = drawing.contents
        assert isinstance(group, Group)
        assert group.contents
    with pytest.raises(svgpdf.UnsupportedSvgError):
        svgpdf.to_drawing(
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            '<ellipse cx="1" cy="1" rx="1" ry="1"/></svg>',
            fonts=fonts(),
            max_width=10,
            max_height=10,
        )


def test_svgpdf_fills_shapes_even_odd_as_reportlab_names_it() -> None:
    assert getattr(shapes, "FILL_EVEN_ODD") == svgpdf.FILL_EVEN_ODD  # noqa: B009


def test_svgpdf_flips_the_y_axis_and_keeps_text() -> None:
    svg = charts.bar_chart([charts.Datum("Bouw", 10, "10")], chart_id="c", title="t")
    drawing = svgpdf.to_drawing(svg, fonts=fonts(), max_width=1000, max_height=1000)
    (group,) = drawing.contents
    assert isinstance(group, Group)
    texts = [s.text for s in group.contents if hasattr(s, "text")]
    assert texts == ["Bouw", "10"]
    bar = next(s for s in group.contents if isinstance(s, Rect))
    # SVG y = 11 (top of the bar, 8 + 3) in a drawing 38 high: reportlab's y is from below.
    assert bar.y + bar.height == pytest.approx(38 - 11)
