"""Segmenters: split a document's lines into citable passages, following its own structure.

``segment(lines, meta)`` normalises the lines and dispatches on ``meta.kind`` (docs/source-formats.md);
Markdown heading marks (``## 第8 収入の認定``) are accepted in every kind.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ingest.loaders.line import Line
from ingest.segment.law import segment_law
from ingest.segment.notice import segment_notice
from ingest.segment.qa import segment_qa
from ingest.segment.youryou import segment_youryou
from ingest.structure import strip_markdown_heading
from kb_bot.passage import DocumentMeta, Passage
from kb_bot.text import normalize

SEGMENTERS: dict[str, Callable[[list[Line], DocumentMeta], list[Passage]]] = {
    "law": segment_law,
    "youryou": segment_youryou,
    "qa": segment_qa,
    "notice": segment_notice,
}


def _unique_labels(passages: list[Passage]) -> list[Passage]:
    """A unit whose label is already taken in the document (a numbering restarted in an 別紙, a repeated
    article) gets 「 (2)」, 「 (3)」 ... so that passage ids stay unique."""
    seen: dict[str, int] = {}
    out: list[Passage] = []
    label = ""
    for p in passages:
        if p.part <= 1:
            seen[p.label] = seen.get(p.label, 0) + 1
            label = p.label if seen[p.label] == 1 else f"{p.label} ({seen[p.label]})"
        out.append(p if label == p.label else dataclasses.replace(p, label=label, id=""))
    return out


def segment(lines: list[Line], meta: DocumentMeta) -> list[Passage]:
    """Passages of one document, in document order."""
    if meta.kind not in SEGMENTERS:
        raise ValueError(f"unknown document kind: {meta.kind!r}")
    normalized = [Line(text, line.page) for line in lines if (text := normalize(line.text).strip())]
    if meta.kind != "law":  # only the law form gives Markdown heading levels a meaning
        normalized = [Line(strip_markdown_heading(line.text), line.page) for line in normalized]
    return _unique_labels(SEGMENTERS[meta.kind](normalized, meta))


__all__ = ["segment"]
