"""What every PDF export shares: a Unicode font, paragraphs and tables of text (reportlab)."""

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


def fonts() -> tuple[str, str]:
    """A Unicode font (names such as Ștefan or Łukasz), bold variant: DejaVu or reportlab's Vera."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "ZichtSans" in pdfmetrics.getRegisteredFontNames():
        return "ZichtSans", "ZichtSans-Bold"
    regular, bold = _FONT_CANDIDATES
    if not (regular.exists() and bold.exists()):
        vera = Path(rl_config.__file__).parent / "fonts"
        regular, bold = vera / "Vera.ttf", vera / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont("ZichtSans", str(regular)))
    pdfmetrics.registerFont(TTFont("ZichtSans-Bold", str(bold)))
    return "ZichtSans", "ZichtSans-Bold"


def paragraph(text: object, style: Any) -> Any:
    """A paragraph of text as written: reportlab's Paragraph parses markup, so it is escaped."""
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def table(
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    widths_mm: Sequence[float],
    style: Any,
) -> Any:
    """A table of text in ``style``, its header row shaded and repeated on every page."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    data = [[paragraph(h, style) for h in header]] + [
        [paragraph(c, style) for c in row] for row in rows
    ]
    result = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe4ef")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b4b4b4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result
