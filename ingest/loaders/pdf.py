"""PDF files with a text layer, read the way a person reads the printed page.

Per page, pypdf's layout mode gives the text lines with their horizontal positions. Then:

1. running headers/footers (a line, digits ignored, repeated at the top or bottom of many pages or of
   the neighbouring pages, as chapter running heads are) and page-number lines are dropped;
2. a page whose lines share an empty vertical band in the middle is two-column: each block of
   column lines is read left column first, then right column (lines spanning the band stay in place);
3. a printed line that fills the column and ends inside a sentence is joined to the next one without a
   space, unless the next one starts a unit (heading, number, 問/答, 第N条 ...).
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError, PyPdfError

from ingest.loaders.line import Line, LoadError
from ingest.structure import starts_unit
from kb_bot.text import normalize

_TOP_ZONE, _BOTTOM_ZONE = 2, 3
_REPEATED_SHARE = 0.4
_REPEATED_MIN_PAGES = 3
_NEIGHBOUR_PAGES = 2
_BARE_MARKER = re.compile(r"^[\(\[【〔]?[問答][\)\]】〕]?$")
_PAGE_NUMBER = re.compile(r"^(?:p\.?\s*|-\s*)?\d{1,4}(?:\s*-)?$|^\d{1,4}\s*/\s*\d{1,4}$", re.IGNORECASE)
_SENTENCE_END = tuple("。．！？!?")
_FULL_LINE_SHARE = 0.9
_GUTTER_MIN_WIDTH = 2
_GUTTER_MAX_OCCUPANCY = 0.1
_COLUMN_FILL_SLACK = 4
_COLUMN_FILLED_SHARE = 0.4


@dataclass
class _Printed:
    """One printed line of a page, in reading order."""

    text: str
    page: int
    in_column: bool


@dataclass(frozen=True)
class PdfText:
    lines: list[Line]
    pages: int


def _open(path: Path) -> PdfReader:
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise LoadError("PDFではないか、壊れているため読み込めません。元のファイルを確認してください")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("暗号化されたPDFのため読み込めません。パスワードを外したファイルを指定してください")
        pages = len(reader.pages)
    except DependencyError:
        raise LoadError("暗号化されたPDFのため読み込めません。パスワードを外したファイルを指定してください") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        raise LoadError("PDFが壊れているため読み込めません（構造を読み取れません）。元のファイルを確認してください") from None
    if pages == 0:
        raise LoadError("ページのないPDFです。内容のあるファイルを指定してください")
    return reader


def _page_lines(reader: PdfReader) -> list[list[str]]:
    """Non-blank layout-mode lines of every page (right-stripped, positions kept)."""
    pages: list[list[str]] = []
    for page in reader.pages:
        try:
            text = page.extract_text(extraction_mode="layout")
        except (PyPdfError, ValueError, KeyError, TypeError, ZeroDivisionError):
            try:
                text = page.extract_text()
            except (PyPdfError, ValueError, KeyError, TypeError, ZeroDivisionError):
                text = ""
        pages.append([line.rstrip() for line in text.splitlines() if line.strip()])
    return pages


def _key(text: str) -> str:
    return re.sub(r"[\d\s]", "", text)


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers, running headers and running footers from the top and bottom zones.

    A running line is one whose text, digits ignored, is in the same zone on many pages (a book title
    with the page number), or whose exact text is in the same zone of a neighbouring page (a chapter
    running head, printed on every page, or every other page, of its chapter).
    """
    texts = [
        ([normalize(line).strip() for line in lines[:_TOP_ZONE]], [normalize(line).strip() for line in lines[-_BOTTOM_ZONE:]])
        for lines in pages
    ]
    keys = [tuple({_key(t) for t in zone} for zone in page) for page in texts]
    needed = max(_REPEATED_MIN_PAGES, round(_REPEATED_SHARE * len(pages)))

    def running(text: str, page: int, zone: int) -> bool:
        key = _key(text)
        if not key or _PAGE_NUMBER.match(text):
            return True
        if _BARE_MARKER.match(text):  # 「(答)」 may well open two pages in a row; it is never a running head
            return False
        if sum(key in k[zone] for k in keys) >= needed:
            return True
        near = range(max(0, page - _NEIGHBOUR_PAGES), min(len(pages), page + _NEIGHBOUR_PAGES + 1))
        return any(text in texts[p][zone] for p in near if p != page)

    out: list[list[str]] = []
    for p, lines in enumerate(pages):
        top_end, bottom_start = min(_TOP_ZONE, len(lines)), max(0, len(lines) - _BOTTOM_ZONE)
        kept = []
        for i, line in enumerate(lines):
            zone = 0 if i < top_end else 1 if i >= bottom_start else None
            if zone is None or not running(normalize(line).strip(), p, zone):
                kept.append(line)
        out.append(kept)
    return out


def _gutter(lines: list[str]) -> tuple[int, int] | None:
    """The empty vertical band that separates two columns, as (start, end) character positions."""
    width = max((len(line) for line in lines), default=0)
    if len(lines) < 4 or width < 20:
        return None
    occupancy = [0] * width
    for line in lines:
        for i, c in enumerate(line):
            if not c.isspace():
                occupancy[i] += 1
    middle = range(int(width * 0.25), int(width * 0.75) + 1)
    lowest = min(occupancy[i] for i in middle)
    if lowest > _GUTTER_MAX_OCCUPANCY * len(lines):
        return None
    runs: list[tuple[int, int]] = []
    for i in middle:
        if occupancy[i] == lowest:
            runs.append((runs.pop()[0], i + 1) if runs and runs[-1][1] == i else (i, i + 1))
    best = max(runs, key=lambda r: r[1] - r[0])
    if best[1] - best[0] < _GUTTER_MIN_WIDTH:
        return None
    g0, g1 = best
    lefts = [line[:g0].rstrip() for line in lines if line[:g0].strip()]
    rights = [line for line in lines if line[g1:].strip()]
    filled = sum(1 for left in lefts if len(left) >= g0 - _COLUMN_FILL_SLACK)
    if len(lefts) < 2 or len(rights) < 2 or filled < _COLUMN_FILLED_SHARE * len(lefts):
        return None  # a table or a page of short lines, not text set in two columns
    return best


def _reading_order(lines: list[str], page: int) -> list[_Printed]:
    """Printed lines of one page in reading order; two-column blocks are read column by column."""
    gutter = _gutter(lines)
    if gutter is None:
        return [_Printed(line.strip(), page, False) for line in lines]
    g0, g1 = gutter
    out: list[_Printed] = []
    left: list[str] = []
    right: list[str] = []

    def flush_columns() -> None:
        out.extend(_Printed(text, page, True) for text in left + right)
        left.clear()
        right.clear()

    for line in lines:
        if line[g0:g1].strip():  # spans the gutter: a full-width line between column blocks
            flush_columns()
            out.append(_Printed(line.strip(), page, False))
            continue
        if line[:g0].strip():
            left.append(line[:g0].strip())
        if line[g1:].strip():
            right.append(line[g1:].strip())
    flush_columns()
    return out


def _width(text: str) -> int:
    """Printed width in half-width units (a kanji is 2)."""
    text = re.sub(r"\s+", " ", text)
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F", "A") else 1 for c in text)


def _full_widths(printed: list[_Printed]) -> dict[bool, float]:
    """The width of a line that fills the measure, for single-column and for column lines."""
    full: dict[bool, float] = {}
    for in_column in (False, True):
        widths = sorted(_width(p.text) for p in printed if p.in_column == in_column)
        if widths:
            full[in_column] = widths[int(0.9 * (len(widths) - 1))] * _FULL_LINE_SHARE
    return full


def _join(printed: list[_Printed]) -> list[Line]:
    full = _full_widths(printed)
    lines: list[Line] = []
    text, page, open_sentence = "", 0, False
    for p in printed:
        if text and open_sentence and not starts_unit(normalize(p.text)):
            text += p.text
        else:
            if text:
                lines.append(Line(normalize(text).strip(), page))
            text, page = p.text, p.page
        open_sentence = _width(p.text) >= full[p.in_column] and not p.text.endswith(_SENTENCE_END)
    if text:
        lines.append(Line(normalize(text).strip(), page))
    return lines


def read_pdf(path: Path) -> PdfText:
    reader = _open(path)
    pages = _page_lines(reader)
    if not any(pages):
        raise LoadError("PDFに文字情報がありません（スキャン画像のPDFと思われます）。OCRで文字を読み取れるようにしてから指定してください")
    printed = [p for n, lines in enumerate(_drop_running_lines(pages), start=1) for p in _reading_order(lines, n)]
    return PdfText(_join(printed), len(pages))
