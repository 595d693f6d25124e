"""Turning a unit into passages: long units are split at sentence boundaries with one sentence of overlap."""

from __future__ import annotations

from kb_bot.passage import DocumentMeta, Passage
from kb_bot.text import split_sentences

MAX_CHARS = 600
"""Upper bound on the length of one piece (a single longer sentence is cut at this length)."""
MIN_BODY_CHARS = 300
"""Room left for the split text when a repeated prefix (the question of a 問) is long."""


def _sentences(text: str) -> list[tuple[str, bool]]:
    """(sentence, ends_line) pairs, so that pieces keep the line breaks of the unit."""
    out: list[tuple[str, bool]] = []
    for line in text.splitlines():
        sentences = split_sentences(line)
        for i, sentence in enumerate(sentences):
            for start in range(0, len(sentence), MAX_CHARS):
                chunk = sentence[start : start + MAX_CHARS]
                out.append((chunk, i == len(sentences) - 1 and start + MAX_CHARS >= len(sentence)))
    return out


def _render(sentences: list[tuple[str, bool]]) -> str:
    return "".join(s + ("\n" if ends_line else "") for s, ends_line in sentences).strip()


def split_text(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """``text`` itself when short enough; else pieces of at most ``max_chars`` characters (unless a single
    sentence is longer), each starting with the last sentence of the previous piece."""
    if len(text) <= max_chars:
        return [text]
    sentences = _sentences(text)
    pieces: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    size = 0
    for sentence in sentences:
        if current and size + len(sentence[0]) > max_chars:
            pieces.append(current)
            overlap = current[-1]
            current = [overlap] if len(overlap[0]) + len(sentence[0]) <= max_chars else []
            size = sum(len(s) for s, _ in current)
        current.append(sentence)
        size += len(sentence[0])
    pieces.append(current)
    return [_render(piece) for piece in pieces]


def make_passages(
    meta: DocumentMeta,
    label: str,
    text: str,
    *,
    headings: tuple[str, ...] = (),
    page: int | None = None,
    prefix: str = "",
) -> list[Passage]:
    """Passages of one unit: one with ``part=0`` when it fits, else parts 1..n that all keep the label.

    ``prefix`` (e.g. the question of a 問) is repeated at the head of every piece.
    """
    text = text.strip()
    if not text and not prefix:
        return []
    budget = max(MIN_BODY_CHARS, MAX_CHARS - len(prefix))
    pieces = split_text(text, budget) if text else [""]

    def passage(body: str, part: int) -> Passage:
        return Passage(
            collection=meta.collection,
            title=meta.title,
            label=label,
            text=(prefix + "\n" + body).strip() if prefix else body,
            source=meta.source,
            headings=headings,
            page=page,
            part=part,
        )

    if len(pieces) == 1:
        return [passage(pieces[0], 0)]
    return [passage(piece, n) for n, piece in enumerate(pieces, start=1)]
