"""A certificate drawn as a one-page PDF (ReportLab), in the certificate's language.

The text is set in a TrueType font with Vietnamese glyphs, embedded as a subset
(DejaVu Sans from the system, or ``QUIZ_CERTIFICATE_FONT``); the QR code (segno)
is drawn as vector rectangles, one per run of dark modules. One certificate takes
about 10 ms (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import segno
from flask import current_app
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from quiz.attempts.models import SCORE_UNIT
from quiz.certificates.services import shown
from quiz.i18n import localized

#: Where common systems keep a font with Vietnamese glyphs: (regular, bold).
FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
    ),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    ),
)
INK = HexColor("#1b2a4a")
ACCENT = HexColor("#b5121b")
MUTED = HexColor("#555555")
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
MARGIN = 48
QR_MASK = 2
# Streams are compressed but not ASCII85-encoded: smaller files, drawn faster.
rl_config.useA85 = 0

_registered: dict[str, str] = {}


class FontMissing(RuntimeError):
    """No font with Vietnamese glyphs was found: certificates cannot be drawn."""


def font_paths() -> tuple[str, str]:
    """(regular, bold): the configured font, else the first candidate on this system."""
    configured = current_app.config.get("CERTIFICATE_FONT")
    if configured:
        bold = current_app.config.get("CERTIFICATE_FONT_BOLD") or configured
        for path in (configured, bold):
            if not Path(path).is_file():
                raise FontMissing(f"QUIZ_CERTIFICATE_FONT: no file {path}")
        return configured, bold
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else regular
    raise FontMissing(
        "no font with Vietnamese glyphs: install fonts-dejavu-core or set QUIZ_CERTIFICATE_FONT"
    )


def available() -> bool:
    try:
        font_paths()
    except FontMissing:
        return False
    return True


def _font(path: str) -> str:
    """The ReportLab name of the TrueType font at ``path``, registered once per process."""
    name = _registered.get(path)
    if name is None:
        name = f"Certificate{len(_registered)}"
        pdfmetrics.registerFont(TTFont(name, path))
        _registered[path] = name
    return name


def verify_url(code: str) -> str:
    return f"{current_app.config['BASE_URL']}/verify/{shown(code)}"


def _fitted(canvas: Canvas, text: str, font: str, size: float, y: float, colour: Any) -> None:
    """``text`` centred at height ``y``, made smaller until it fits between the margins."""
    width = PAGE_WIDTH - 4 * MARGIN
    while size > 9 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.setFillColor(colour)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """``text`` as a QR code: one filled path of rectangles, one per run of dark modules,
    written as PDF operators in module units (whole numbers; ReportLab's path object
    would format each of some 1,200 numbers as a float, half the page's cost). The mask
    is fixed rather than the best of eight: any mask reads, and choosing one would cost
    more than the rest of the page."""
    rows = [list(row) for row in segno.make(text, error="m", mask=QR_MASK).matrix_iter(border=0)]
    height = len(rows)
    runs = []
    for r, row in enumerate(rows):
        start = None
        for c, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                runs.append(f"{start} {height - r - 1} {c - start} 1 re")
                start = None
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size / height, size / height)
    canvas.setFillColor(INK)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def lines(facts: dict[str, Any], locale: str) -> dict[str, str]:
    """The certificate's sentences in ``locale`` (the PDF and the verification page)."""
    with force_locale(locale):
        university = facts["university"]["vi" if locale == "vi" else "en"]
        score = format_decimal(round(facts["score_units"] / SCORE_UNIT, 2), format="#,##0.##")
        rank = _(
            "Rank %(rank)s of %(participants)s",
            rank=format_decimal(facts["rank"], format="#,##0"),
            participants=format_decimal(facts["participants"], format="#,##0"),
        )
        if facts["band"]:
            rank += " · " + _("top %(percent)d%%", percent=facts["band"])
        if facts["title"]:
            what = _("took part in %(round)s", round=localized(facts["title"], locale))
        else:
            what = _("took part in every round, and is ranked overall")
        return {
            "contest": _("Students and the Hanoi Convention"),
            "heading": _("Certificate").upper(),
            "certifies": _("This certifies that"),
            "name": facts["name"],
            "university": university,
            "what": what,
            "score": _("Score: %(score)s of %(max)s", score=score, max=facts["max_score"]),
            "rank": rank,
            "date": format_date(date.fromisoformat(facts["date"]), "long"),
            "check": _("Check this certificate at"),
            "code": _("Code"),
        }


def render(code: str, facts: dict[str, Any], locale: str) -> bytes:
    """The certificate's PDF."""
    regular, bold = (_font(path) for path in font_paths())
    said = lines(facts, locale)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(f"{said['heading']} · {said['name']}")
    canvas.setAuthor(said["contest"])
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(3)
    canvas.rect(MARGIN / 2, MARGIN / 2, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN)
    canvas.setLineWidth(0.8)
    canvas.rect(MARGIN / 2 + 7, MARGIN / 2 + 7, PAGE_WIDTH - MARGIN - 14, PAGE_HEIGHT - MARGIN - 14)
    top = PAGE_HEIGHT - MARGIN
    _fitted(canvas, said["contest"], regular, 15, top - 30, MUTED)
    _fitted(canvas, said["heading"], bold, 34, top - 85, ACCENT)
    _fitted(canvas, said["certifies"], regular, 14, top - 130, INK)
    _fitted(canvas, said["name"], bold, 30, top - 175, INK)
    _fitted(canvas, said["university"], regular, 16, top - 208, INK)
    _fitted(canvas, said["what"], regular, 14, top - 250, INK)
    _fitted(canvas, said["score"], bold, 17, top - 290, INK)
    _fitted(canvas, said["rank"], regular, 16, top - 318, INK)
    _fitted(canvas, said["date"], regular, 13, top - 352, MUTED)
    url = verify_url(code)
    size = 92
    _qr(canvas, url, PAGE_WIDTH - MARGIN - 16 - size, MARGIN + 14, size)
    canvas.setFillColor(MUTED)
    canvas.setFont(regular, 10)
    canvas.drawString(MARGIN + 20, MARGIN + 60, said["check"])
    canvas.setFillColor(INK)
    canvas.setFont(regular, 11)
    canvas.drawString(MARGIN + 20, MARGIN + 44, url)
    canvas.setFont(bold, 12)
    canvas.drawString(MARGIN + 20, MARGIN + 24, f"{said['code']}: {shown(code)}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
