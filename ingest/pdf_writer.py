"""Write Japanese text as a book-like PDF with a real text layer.

Used by the tests, by the corpus build script and by benchmarks, so that PDF ingestion is exercised on
files that look like the printed books: a running header and footer on every page, a page-number line
(``- 3 -``), long lines wrapped at a fixed character width (a sentence breaks across lines) and, if
asked, two-column pages. The font is IPAexGothic (shipped with japanize-matplotlib), embedded as a
TrueType subset with a ToUnicode map, so pypdf extracts the text again.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_NAME = "IPAexGothic"
# Located without importing japanize_matplotlib, which would import matplotlib and change its settings.
FONT_PATH = Path(importlib.util.find_spec("japanize_matplotlib").origin).parent / "fonts" / "ipaexg.ttf"

_FONT_SIZE = 10.0
_LEADING = 17.0
_MARGIN_X = 56.0
_MARGIN_TOP = 60.0
_COLUMN_GAP = 28.0


def register_font() -> None:
    """Make IPAexGothic available to reportlab as FONT_NAME (for pages drawn directly on a canvas)."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH)))


def _char_width(c: str) -> float:
    """Width in full-width character units: CJK and full-width forms are 1, ASCII and half-width 0.5."""
    return 1.0 if unicodedata.east_asian_width(c) in ("W", "F", "A") else 0.5


def wrap(line: str, width: float) -> list[str]:
    """Break ``line`` into pieces of at most ``width`` full-width characters (no hyphenation, no spaces)."""
    if not line:
        return [""]
    out: list[str] = []
    current, used = "", 0.0
    for c in line:
        w = _char_width(c)
        if current and used + w > width:
            out.append(current)
            current, used = "", 0.0
        current += c
        used += w
    out.append(current)
    return out


def write_pdf(
    path: Path,
    lines: list[str],
    *,
    header: str,
    footer: str,
    lines_per_page: int = 38,
    columns: int = 1,
) -> int:
    """Write ``lines`` to a PDF at ``path`` and return the number of pages.

    Each input line starts a new printed line and is wrapped at the column's character width; an empty
    string is a blank line. ``lines_per_page`` printed lines fill one column; with ``columns=2`` the left
    column is filled before the right one. Every page carries ``header`` at the top, ``footer`` and a
    page-number line ``- N -`` at the bottom; ``{page}`` in the header or footer becomes the page number
    (as in books that print it beside the running head).
    """
    if columns not in (1, 2):
        raise ValueError("columns must be 1 or 2")
    if lines_per_page < 1:
        raise ValueError("lines_per_page must be positive")
    register_font()
    page_w, page_h = A4
    column_w = (page_w - 2 * _MARGIN_X - (columns - 1) * _COLUMN_GAP) / columns
    chars_per_line = int(column_w // _FONT_SIZE)
    printed = [piece for line in lines for piece in wrap(line, chars_per_line)]
    per_page = lines_per_page * columns
    pages = [printed[i : i + per_page] for i in range(0, len(printed), per_page)] or [[]]

    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1, invariant=1)  # same text, same bytes
    canvas.setTitle(header.replace("{page}", "").strip())
    body_top = page_h - _MARGIN_TOP - 2 * _LEADING
    for number, page_lines in enumerate(pages, start=1):
        canvas.setFont(FONT_NAME, _FONT_SIZE)
        canvas.drawString(_MARGIN_X, page_h - _MARGIN_TOP, header.replace("{page}", str(number)))
        for i, text in enumerate(page_lines):
            column, row = divmod(i, lines_per_page)
            x = _MARGIN_X + column * (column_w + _COLUMN_GAP)
            if text:
                canvas.drawString(x, body_top - row * _LEADING, text)
        bottom = body_top - (lines_per_page + 1) * _LEADING
        canvas.drawString(_MARGIN_X, bottom, footer.replace("{page}", str(number)))
        canvas.drawCentredString(page_w / 2, bottom - _LEADING, f"- {number} -")
        canvas.showPage()
    canvas.save()
    return len(pages)
