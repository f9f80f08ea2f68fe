"""A phenomenon-picture report as a PDF and as a standalone HTML file.

Both are written from a :class:`zicht.insight.report.ReportDocument`, which holds only what
may leave the node: the analyst's text and disclosure-controlled tables and charts. Neither
function audits; :func:`zicht.insight.services.export_report` does, for every export.

- The PDF is drawn with reportlab, in the fonts (:mod:`zicht.core.pdf`) and habits of the
  case dossier (:mod:`zicht.cases.export`); the charts are the same SVG as everywhere,
  redrawn through :mod:`zicht.insight.svgpdf`.
- The HTML file has its charts inline as SVG and its styles in the file itself: it loads
  nothing from anywhere (no scripts, no links, no images, no fonts), and says so to the
  browser with a Content-Security-Policy of ``default-src 'none'``.
"""

import io
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from zicht.core.pdf import fonts, paragraph
from zicht.core.pdf import table as pdf_table
from zicht.insight import svgpdf
from zicht.insight.report import ExportSection, ReportDocument

# The namespace is implied for <svg> inside HTML; leaving it out keeps the file free of URLs.
_SVG_NAMESPACE = re.compile(r'\sxmlns="http://www\.w3\.org/2000/svg"')


def _paragraphs(text: str) -> list[str]:
    """The analyst's text split into paragraphs at blank lines."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _footer(document: ReportDocument) -> str:
    return _(
        "Fenomeenbeeld %(region)s · versie %(n)s · %(status)s · gemaakt door %(user)s op %(at)s"
    ) % {
        "region": document.region,
        "n": document.version.number,
        "status": document.status,
        "user": document.generated_by,
        "at": f"{document.generated_at:%d-%m-%Y %H:%M}",
    }


def report_pdf(document: ReportDocument) -> bytes:
    """The report as PDF bytes."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        KeepTogether,
        SimpleDocTemplate,
        Spacer,
    )

    font_pair = fonts()
    regular, bold = font_pair
    sheet = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=sheet["BodyText"], fontName=regular, fontSize=9.5, leading=13
    )
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    muted = ParagraphStyle("muted", parent=small, textColor=colors.HexColor("#595959"))
    h1 = ParagraphStyle("h1", parent=sheet["Heading1"], fontName=bold, fontSize=18)
    h2 = ParagraphStyle("h2", parent=sheet["Heading2"], fontName=bold, fontSize=13)
    h3 = ParagraphStyle("h3", parent=sheet["Heading3"], fontName=bold, fontSize=10.5)
    width = 174 * mm
    footer = _footer(document)
    marking = _("CONCEPT") if document.is_draft else ""

    def decorate(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(18 * mm, 10 * mm, footer)
        canvas.drawRightString(192 * mm, 10 * mm, str(canvas.getPageNumber()))
        if marking:
            canvas.setFont(bold, 9)
            canvas.drawRightString(192 * mm, 287 * mm, marking)
        canvas.restoreState()

    def table(header: list[str], rows: list[list[str]], widths: list[float]) -> Any:
        return pdf_table(header, rows, widths, small)

    def chart(svg: str) -> Any:
        return svgpdf.to_drawing(svg, fonts=font_pair, max_width=width, max_height=220 * mm)

    def section(item: ExportSection) -> list[Any]:
        heading = [CondPageBreak(60 * mm), paragraph(item.title, h3)]
        if item.note:
            heading.append(paragraph(item.note, muted))
        if item.omitted:
            return [*heading, paragraph(item.omitted, body)]
        widths = [84.0, 30.0] if len(item.header) == 2 else [64.0, 30.0, 40.0, 40.0]
        parts = [*heading, chart(item.svg), Spacer(1, 2 * mm)]
        if item.rows:
            parts.append(table(item.header, item.rows, widths))
        else:
            parts.append(paragraph(_("Geen gegevens."), body))
        return [*parts, Spacer(1, 4 * mm)]

    version = document.version
    story: list[Any] = [
        paragraph(document.title, h1),
        paragraph(
            _("Fenomeenbeeld mensenhandel, regio %(region)s") % {"region": document.region}, h2
        ),
        table(
            [_("Gegeven"), _("Waarde")],
            [
                [_("Periode (datum van ontvangst)"), document.period],
                [_("Status"), document.status],
                [
                    _("Versie"),
                    _("%(n)s, opgeslagen op %(at)s")
                    % {
                        "n": version.number,
                        "at": date_format(version.created_at, "j F Y H:i"),
                    },
                ],
                [_("Signalen in deze periode"), document.total_text],
                [_("Cijfers"), document.figures_note],
            ],
            [60, 114],
        ),
        Spacer(1, 4 * mm),
    ]
    for heading, text in document.narrative:
        story.append(paragraph(heading, h2))
        paragraphs = _paragraphs(text)
        story += [paragraph(p, body) for p in paragraphs] or [paragraph(_("Niet ingevuld."), muted)]

    story += [CondPageBreak(90 * mm), paragraph(_("Cijfers"), h2)]
    story.append(
        paragraph(
            _(
                "Alle aantallen in dit document zijn beveiligd tegen onthulling; zie de "
                "verantwoording achteraan."
            ),
            muted,
        )
    )
    map_section = document.map_section
    if map_section.omitted:
        story += [paragraph(map_section.title, h3), paragraph(map_section.omitted, body)]
    else:
        # The map carries its credit line (Kadaster / CBS) itself.
        story.append(KeepTogether([paragraph(map_section.title, h3), chart(map_section.svg)]))
    for item in document.sections:
        story += section(item)

    story += [
        CondPageBreak(90 * mm),
        paragraph(_("Casussen in de regio"), h2),
        paragraph(document.case_note, muted),
    ]
    for item in document.case_sections:
        story += section(item)

    story += [CondPageBreak(60 * mm), paragraph(_("Verantwoording"), h2)]
    story += [paragraph(p, body) for p in document.method]
    story.append(Spacer(1, 2 * mm))
    story.append(
        table(
            [_("Tabel"), _("Onderdrukt (klein)"), _("Onderdrukt (ter bescherming)")],
            [
                [s.title, _("niet opgenomen"), "—"]
                if s.omitted
                else [s.title, str(s.primary), str(s.secondary)]
                for s in [*document.sections, *document.case_sections]
            ],
            [104, 35, 35],
        )
    )

    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=document.title,
        author="Zicht",
        subject=_("Fenomeenbeeld %(region)s, %(period)s")
        % {"region": document.region, "period": document.period},
        invariant=1,
    )
    template.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _inline(svg: str) -> str:
    return _SVG_NAMESPACE.sub("", svg)


def report_html(document: ReportDocument) -> str:
    """The report as one standalone HTML file (charts inline, styles inside, no URLs)."""

    def section(item: ExportSection) -> dict[str, Any]:
        return {
            "item": item,
            # charts.py escapes every text it writes.
            "svg": mark_safe(_inline(item.svg)) if item.svg else "",
            "body": item.rows[:-1] if item.has_total else item.rows,
            "total": item.rows[-1] if item.has_total and item.rows else None,
        }

    return render_to_string(
        "insight/export/report.html",
        {
            "document": document,
            "narrative": [(heading, _paragraphs(text)) for heading, text in document.narrative],
            "map": section(document.map_section),
            "sections": [section(item) for item in document.sections],
            "case_sections": [section(item) for item in document.case_sections],
            "footer": _footer(document),
        },
    )
