"""The grounding check of an LLM answer: every sentence cites, and every citation is a retrieved passage.

The model is told to end each sentence with markers such as [1] or [1][3] that number the passages it
was given. :func:`check` accepts an answer only when

1. it has at least one sentence;
2. every marker's number is one of the retrieved passages (1..n);
3. every sentence carries at least one marker (a marker written just after 。 belongs to that sentence);
4. optionally, every sentence shares at least ``min_overlap`` content words with one of the passages it
   cites (a weak guard against a marker stuck onto an invented sentence).

Anything else fails, and the chat falls back to the extractive answer and flags the turn for review.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kb_bot.text import split_sentences

MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,、，]\s*\d{1,3})*)\s*\]")
"""[1], [1][2], [1, 2], [1、2] (full-width brackets are NFKC-normalised first)."""
_ONLY_MARKERS = re.compile(rf"^(?:\s*{MARKER.pattern}\s*)+[。．.]?$")
_LEADING_MARKERS = re.compile(rf"^(?:\s*{MARKER.pattern})+\s*")
_BULLET = re.compile(r"^\s*(?:[-・*•●○◆■□☐✓]|\d+[.)．）]|[（(]\d+[)）])\s*")


@dataclass
class Grounding:
    ok: bool
    sentences: list[tuple[str, list[int]]] = field(default_factory=list)
    """Each sentence with the passage numbers it cites."""
    problems: list[str] = field(default_factory=list)
    """Why it failed, in Japanese (shown to the SV in the review queue)."""

    @property
    def cited(self) -> list[int]:
        return sorted({n for _, ns in self.sentences for n in ns})


def markers(text: str) -> list[int]:
    out: list[int] = []
    for m in MARKER.finditer(text):
        out.extend(int(x) for x in re.split(r"[,、，]", m.group(1)))
    return out


def sentences_with_markers(text: str) -> list[tuple[str, list[int]]]:
    """Split into sentences; a fragment made only of markers is attached to the sentence before it."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    out: list[tuple[str, list[int]]] = []
    for raw in split_sentences(text):
        s = raw.strip()
        if not s:
            continue
        lead = _LEADING_MARKERS.match(s)
        if lead and out and lead.end() < len(s):  # 「…返還する。[1]不正な…」: [1] closes the sentence before
            prev, ns = out[-1]
            out[-1] = (prev + lead.group(0).strip(), ns + markers(lead.group(0)))
            s = s[lead.end():].strip()
        if _ONLY_MARKERS.match(s) and out:
            prev, ns = out[-1]
            out[-1] = (prev + s, ns + markers(s))
            continue
        out.append((s, markers(s)))
    return out


def check(
    text: str,
    n_passages: int,
    passages: Sequence[str] = (),
    tokenizer: Callable[[str], list[str]] | None = None,
    min_overlap: int = 0,
) -> Grounding:
    """Is ``text`` grounded in the ``n_passages`` numbered passages (texts in ``passages``, 1-based)?"""
    sents = sentences_with_markers(text)
    problems: list[str] = []
    if not sents:
        return Grounding(False, [], ["回答が空です"])
    kept: list[tuple[str, list[int]]] = []
    for s, ns in sents:
        body = MARKER.sub("", _BULLET.sub("", s)).strip(" 。.、")
        if not body:  # a bare marker line with nothing before it
            problems.append(f"本文のない引用マーカー: {s}")
            continue
        if re.fullmatch(r"[#＃].*|.{0,20}[:：]", body) and not ns:
            continue  # a heading such as 「結論：」 or 「## 根拠」 needs no marker
        kept.append((s, ns))
        bad = [n for n in ns if not 1 <= n <= n_passages]
        if bad:
            problems.append(f"存在しない根拠番号 {', '.join(f'[{n}]' for n in bad)}: {s}")
        if not ns:
            problems.append(f"根拠番号のない文: {s}")
        elif min_overlap > 0 and tokenizer is not None and passages and not bad:
            words = set(tokenizer(body))
            best = max(len(words & set(tokenizer(passages[n - 1]))) for n in ns)
            if best < min_overlap:
                problems.append(f"引用した記載と語句が一致しない文: {s}")
    if not kept:
        problems.append("回答に根拠のある文がありません")
    return Grounding(not problems, kept, problems)
