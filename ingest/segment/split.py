"""Turning a unit into passages: long units are split at sentence boundaries with one sentence of overlap."""

from __future__ import annotations

from kb_bot.passage import DocumentMeta, Passage
from kb_bot.text import split_sentences

MAX_CHARS = 600
"""Length limit of one piece, repeated prefix included (a longer sentence is cut)."""
MIN_BODY_CHARS = 300
"""Room always left for the split text, even when the repeated prefix (a long question) then makes a
piece longer than MAX_CHARS."""


def _sentences(text: str, max_chars: int) -> list[tuple[str, bool]]:
    """(sentence, ends_line) pairs, so that pieces keep the line breaks of the unit; a sentence longer
    than ``max_chars`` is cut into chunks."""
    out: list[tuple[str, bool]] = []
    for line in text.splitlines():
        sentences = split_sentences(line)
        for i, sentence in enumerate(sentences):
            for start in range(0, len(sentence), max_chars):
                chunk = sentence[start : start + max_chars]
                out.append((chunk, i == len(sentences) - 1 and start + max_chars >= len(sentence)))
    return out


def _render(sentences: list[tuple[str, bool]]) -> str:
    return "".join(s + ("\n" if ends_line else "") for s, ends_line in sentences).strip()


def split_text(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """``text`` itself when short enough; else pieces of at most ``max_chars`` characters, each starting
    with the last sentence of the previous piece (unless the two do not fit together)."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    for sentence in _sentences(text, max_chars):
        if current and len(_render([*current, sentence])) > max_chars:
            pieces.append(current)
            overlap = current[-1]
            current = [overlap] if len(_render([overlap, sentence])) <= max_chars else []
        current.append(sentence)
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

    ``prefix`` (a 問's question and the 答 mark) is repeated at the head of every piece.
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
            text=(prefix + body).strip(),
            source=meta.source,
            headings=headings,
            page=page,
            part=part,
        )

    if len(pieces) == 1:
        return [passage(pieces[0], 0)]
    return [passage(piece, n) for n, piece in enumerate(pieces, start=1)]
