"""Ministry notices and office letters: header, 前文, numbered sections.

The header (number line, date line, addressees, issuer, title) is read from the top of the document;
the lines between the title and the first numbered section are the 前文. Sections are labelled
``{short_title} ({date} {number}) 2-(1)``; a notice without numbering is one unit (split when long).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.loaders.line import Line
from ingest.segment.outline import numbered, outline_passages, parse_outline
from ingest.segment.split import make_passages
from ingest.structure import IGNORED_HEADING, strip_markdown_heading
from kb_bot.passage import DocumentMeta, Passage

_HEADER_ZONE = 15
_TITLE_MAX = 80
_NUMBER = re.compile(r"^(?:\S*第\d+号|事務連絡)$")
_DATE = re.compile(r"^(?:(?:明治|大正|昭和|平成|令和)\s?(?:\d+|元)|\d{4})\s?年(?:\s?\d{1,2}\s?月(?:\s?\d{1,2}\s?日)?)?$")
_ADDRESSEE = re.compile(r"(?:殿|様|御中)$")
_ISSUER = re.compile(r"(?:大臣|長官|次官|局長|部長|課長|室長|所長|知事|市長|区長|町長|村長|課|室|局|部|省)$")
_TITLE = re.compile(r"^(?P<short>.+?)について(?:\s*\([^()]*\))?(?:\s*(?:要旨|抄|抜粋))?$")
"""「…について」, optionally followed by (通知) or (昭和38年4月1日 社発第246号 厚生省社会局長通知) 要旨."""
PREAMBLE_SECTION = "前文"


@dataclass(frozen=True)
class NoticeHeader:
    title: str = ""
    number: str = ""
    date: str = ""
    issuer: str = ""
    end: int = 0
    """Index of the first line after the header."""


def parse_header(texts: list[str]) -> NoticeHeader:
    """Read number, date, issuer and title from the top lines (before the first numbered section).

    The title is the line ending in 「について」 (everything above it is header); failing that, the
    first line that is no number, date, addressee or issuer line.
    """
    zone: list[str] = []
    for raw in texts[:_HEADER_ZONE]:
        text = strip_markdown_heading(raw)
        if numbered(text) or IGNORED_HEADING.match(text):
            break
        zone.append(text)
    title_index = next((i for i, text in enumerate(zone) if _TITLE.match(text)), None)
    if title_index is None:
        title_index = len(zone)
        for i, text in enumerate(zone):
            if not _header_field(text):
                title_index = i
                break
    found: dict[str, str] = {}
    for text in zone[:title_index]:
        field = _header_field(text)
        if field:
            found.setdefault(field, text)
    title = zone[title_index] if title_index < len(zone) else ""
    if title.endswith("。") or len(title) > _TITLE_MAX:
        title = ""  # the 前文 begins right after the header lines
    end = title_index + 1 if title else title_index
    return NoticeHeader(title, found.get("number", ""), found.get("date", ""), found.get("issuer", ""), end)


def _header_field(text: str) -> str:
    """Which header line ``text`` is: number, date, addressee, issuer, or "" for none."""
    for name, pattern in (("number", _NUMBER), ("date", _DATE), ("addressee", _ADDRESSEE), ("issuer", _ISSUER)):
        if pattern.search(text):
            return name
    return ""


def short_title(title: str) -> str:
    """The title without 「について」 (and a trailing (通知) etc.)."""
    m = _TITLE.match(title)
    return m.group("short") if m else title


def clean_title(title: str) -> str:
    """「…について(昭和38年… 局長通知)要旨」 -> 「…について」; other titles unchanged."""
    m = _TITLE.match(title)
    return m.group("short") + "について" if m else title


def notice_label_base(meta: DocumentMeta, header: NoticeHeader) -> str:
    name = meta.short_title or short_title(meta.title or header.title)
    issued = " ".join(part for part in (meta.date or header.date, meta.number or header.number) if part)
    return f"{name} ({issued})" if issued else name


def segment_notice(lines: list[Line], meta: DocumentMeta) -> list[Passage]:
    header = parse_header([line.text for line in lines])
    base = notice_label_base(meta, header)
    preamble, nodes = parse_outline(lines[header.end :])
    preamble_text = "\n".join(line.text for line in preamble)
    if not nodes:
        page = preamble[0].page if preamble else None
        return make_passages(meta, base, preamble_text, page=page)
    passages = []
    if preamble_text:
        passages = make_passages(meta, f"{base} {PREAMBLE_SECTION}", preamble_text, page=preamble[0].page)
    return passages + outline_passages(nodes, meta, lambda path: f"{base} {'-'.join(path)}")
