"""Metadata for a file that no manifest describes: its kind, title and (for notices) number and date.

Kind, in this order: e-Gov XML -> law; 問13-5 units -> qa; 問(第8の40) units, or 第N chapters with numbered
items (unless the header shows an ordinary notice) -> youryou; 第N条 articles -> law; else notice.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ingest.loaders.line import Line
from ingest.segment.notice import clean_title, parse_header
from ingest.segment.outline import numbered
from ingest.structure import (
    ARTICLE,
    CHAPTER,
    KACHO_QUESTION,
    MARKDOWN_HEADING,
    QA_QUESTION,
    starts_unit,
    strip_markdown_heading,
)
from kb_bot.passage import DocumentMeta
from kb_bot.text import normalize

_LAYERS = (("次官", "次"), ("局長", "局"), ("課長", "課"))
_AFTER_NAME = re.compile(r"\s*\(.*$")
"""What follows a law's or book's name in a title line: (昭和25年厚生省令第21号)抄, (要約サンプル) ..."""
_TITLE_MAX = 60


def detect_kind(texts: list[str], suffix: str) -> str:
    """The kind of a document from its normalised lines (Markdown heading marks allowed)."""
    if suffix == ".xml":
        return "law"
    plain = [strip_markdown_heading(t) for t in texts]
    if any(QA_QUESTION.match(t) for t in plain):
        return "qa"
    if any(KACHO_QUESTION.match(t) for t in plain):
        return "youryou"
    has_chapters = any(CHAPTER.match(t) for t in plain)
    has_items = any((n := numbered(t)) is not None and n[0] > 0 for t in plain)
    if has_chapters and has_items:
        header = parse_header(texts)
        if not header.number or "要領" in header.title:
            return "youryou"
    if any(ARTICLE.match(t) for t in plain):
        return "law"
    return "notice"


def _heading_title(texts: list[str]) -> str:
    """The first Markdown heading that is not part of the structure, else the first short plain line
    before the first unit."""
    for text in texts:
        m = MARKDOWN_HEADING.match(text)
        if m and not starts_unit(m.group(2)):
            return m.group(2).strip()
    for text in texts:
        if starts_unit(text):
            break
        if len(text) <= _TITLE_MAX and not text.endswith("。"):
            return text
    return ""


def _ref_prefix(texts: list[str]) -> str:
    if any(KACHO_QUESTION.match(strip_markdown_heading(t)) for t in texts):
        return "課"
    header = parse_header(texts)
    top = " ".join(texts[: max(header.end, 1)])
    return next((prefix for word, prefix in _LAYERS if word in top), "")


def guess_meta(lines: list[Line], *, source: str, collection: str) -> DocumentMeta:
    texts = [t for line in lines if (t := normalize(line.text).strip())]
    suffix = PurePosixPath(source).suffix.lower()
    kind = detect_kind(texts, suffix)
    stem = PurePosixPath(source).stem
    if kind == "notice":
        header = parse_header(texts)
        return DocumentMeta(
            source=source,
            collection=collection,
            kind=kind,
            title=clean_title(header.title) or stem,
            issuer=header.issuer,
            date=header.date,
            number=header.number,
        )
    if kind == "youryou":
        title = clean_title(parse_header(texts).title or _heading_title(texts)) or stem
        return DocumentMeta(source, collection, kind, title, ref_prefix=_ref_prefix(texts))
    title = _AFTER_NAME.sub("", _heading_title(texts)) or stem
    return DocumentMeta(source, collection, kind, title)
