"""PDF files with a text layer, read the way a person reads the printed page.

Per page, pypdf's layout mode gives the text lines with their horizontal positions. Then:

1. page-number lines (``12``, ``- 12 -``, ``12/300``, ``p.12``) and running headers/footers are dropped:
   a line at the top or bottom of many pages (a book title), or of the neighbouring pages (a chapter
   running head), with the same text or the same text but for the page number in it;
2. a page whose lines share an empty vertical band in the middle is two-column: each block of
   column lines is read left column first, then right column (lines spanning the band stay in place);
3. a printed line that fills the column and ends inside a sentence is joined to the next one without a
   space, unless the next one starts a unit (heading, number, 問/答, 第N条 ...); table rows (cells
   separated by wide gaps) are never joined.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from ingest.loaders.line import Line, LoadError
from ingest.structure import starts_unit
from kb_bot.text import normalize

logging.getLogger("pypdf").setLevel(logging.ERROR)  # repair notes on damaged files are noise to a CW

_TOP_ZONE, _BOTTOM_ZONE = 2, 3
_REPEATED_SHARE = 0.4
_REPEATED_MIN_PAGES = 3
_PAGE_TRACKING_SHARE = 0.8
_NEIGHBOUR_PAGES = 2
_RUNNING_HEAD_SHARE = 0.6
_TABLE_GAP = re.compile(r"\S\s{3,}\S")
_BARE_MARKER = re.compile(r"^[\(\[【〔]?[問答][\)\]】〕]?$")
_PAGE_NUMBER = re.compile(r"^(?:p\.?\s*|-\s*)?\d{1,4}(?:\s*-)?$|^\d{1,4}\s*/\s*\d{1,4}$", re.IGNORECASE)
_SENTENCE_END = tuple("。．！？!?")
_FULL_LINE_SHARE = 0.9
_MIN_MEASURE = {False: 40, True: 20}
"""Narrowest plausible line of running text (half-width units), single-column and in a column: in a
document of short lines only (a table, a list of headings) no line counts as full."""
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
        raise LoadError("ページのないPDFです（空のファイルか、壊れています）。元のファイルを確認してください")
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


def _numbers_follow_pages(occurrences: list[tuple[int, str]]) -> bool:
    """Do the lines carry the page number (a number that grows with the page, at a fixed offset)?"""
    offsets = Counter(
        offset
        for page, text in occurrences
        for offset in {int(n) - page for n in re.findall(r"\d+", text)}
    )
    return bool(offsets) and offsets.most_common(1)[0][1] >= _PAGE_TRACKING_SHARE * len(occurrences)


def _repeated_keys(zones: list[list[str]], needed: int) -> set[str]:
    """Keys (digits ignored) of the zone lines that recur on at least ``needed`` pages, either as the
    same text or with the page number in them; a heading numbered 10, 29, 48 ... does not qualify."""
    occurrences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for page, zone in enumerate(zones):
        for text in set(zone):
            occurrences[_key(text)].append((page, text))
    return {
        key
        for key, found in occurrences.items()
        if len(found) >= needed and (len({text for _, text in found}) == 1 or _numbers_follow_pages(found))
    }


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers, running headers and running footers from the top and bottom zones.

    A running line is one that is in the same zone on many pages (a book title), or on a neighbouring
    page (a chapter running head, printed on every page or every other page of its chapter): the same
    text, or the same text but for the page number in it.
    """
    zones = (
        [[normalize(line).strip() for line in lines[:_TOP_ZONE]] for lines in pages],
        [[normalize(line).strip() for line in lines[-_BOTTOM_ZONE:]] for lines in pages],
    )
    needed = max(_REPEATED_MIN_PAGES, round(_REPEATED_SHARE * len(pages)))
    repeated = tuple(_repeated_keys(zone, needed) for zone in zones)
    widest = [max((_width(line.strip()) for line in lines), default=0) for lines in pages]

    def running(text: str, page: int, zone: int) -> bool:
        key = _key(text)
        if not key or _PAGE_NUMBER.match(text):
            return True
        if _BARE_MARKER.match(text):  # 「(答)」 may well open two pages in a row; it is never a running head
            return False
        if key in repeated[zone]:
            return True
        if _width(text) > _RUNNING_HEAD_SHARE * widest[page]:
            return False  # a full line of text, not a running head
        near = range(max(0, page - _NEIGHBOUR_PAGES), min(len(pages), page + _NEIGHBOUR_PAGES + 1))
        alike = [(p, t) for p in near if p != page for t in zones[zone][p] if _key(t) == key]
        return any(t == text for _, t in alike) or (bool(alike) and _numbers_follow_pages([*alike, (page, text)]))

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
    """The width from which a line fills the measure, for single-column and for column lines."""
    full: dict[bool, float] = {}
    for in_column in (False, True):
        widths = sorted(_width(p.text) for p in printed if p.in_column == in_column)
        if widths:
            measure = max(widths[int(0.9 * (len(widths) - 1))], _MIN_MEASURE[in_column])
            full[in_column] = measure * _FULL_LINE_SHARE
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
        open_sentence = (
            _width(p.text) >= full[p.in_column]
            and not p.text.endswith(_SENTENCE_END)
            and not _TABLE_GAP.search(p.text)  # a table row ends where its last cell ends
        )
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
