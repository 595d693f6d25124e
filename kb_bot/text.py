"""Japanese text normalisation shared by ingestion, the index and the question side.

Everything that is compared (labels, references, BM25 tokens) goes through :func:`normalize` first,
so 「第六十三条」, 「第６３条」 and 「第63条」 are the same string, and so are 「問１３－５」 and 「問13-5」.
"""

from __future__ import annotations

import re
import unicodedata

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUM = "[〇零一二三四五六七八九十百千]+"

# Dash-like characters that appear between numbers in references (問13ー5, 第8‐3, 13−21 ...).
_DASHES = "‐‑‒–—―−ー－ｰ"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9])[{_DASHES}](?=[0-9(])")

# Kanji numerals are converted only where they are part of a reference, never in prose (一部, 一時金).
_KANJI_REF = re.compile(rf"第({_KANJI_NUM})(?=[条項号章節款編]|の|[\s　]|$)")
_KANJI_AFTER_NO = re.compile(rf"(?<=[0-9][条項号])の({_KANJI_NUM})")


def kanji_to_int(s: str) -> int:
    """「六十三」 -> 63, 「百二」 -> 102, 「二〇一八」 -> 2018. Raises ValueError on anything else."""
    if not s or any(c not in _KANJI_DIGITS and c not in _KANJI_UNITS for c in s):
        raise ValueError(f"not a kanji numeral: {s!r}")
    if all(c in _KANJI_DIGITS for c in s):  # positional: 二〇一八
        return int("".join(str(_KANJI_DIGITS[c]) for c in s))
    total, digit = 0, 0
    for c in s:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        else:
            total += (digit or 1) * _KANJI_UNITS[c]
            digit = 0
    return total + digit


_CIRCLED = re.compile("[\u2460-\u2473]")
"""①…⑳: list markers, which NFKC would turn into bare digits glued to what follows (「③78条の2」 → 378条の2)."""


def normalize(text: str) -> str:
    """NFKC, circled numbers as 「1)」, unified dashes between digits, and kanji numerals in references as Arabic
    digits.

    Line breaks are kept (segmenters rely on them); runs of spaces inside a line are collapsed.
    """
    text = _CIRCLED.sub(lambda m: f"{ord(m.group(0)) - 0x245F})", text)
    text = unicodedata.normalize("NFKC", text)
    text = _DASH_BETWEEN_DIGITS.sub("-", text)
    text = _KANJI_REF.sub(lambda m: f"第{kanji_to_int(m.group(1))}", text)
    text = _KANJI_AFTER_NO.sub(lambda m: f"の{kanji_to_int(m.group(1))}", text)
    text = re.sub(r"[ \t\u3000]+", " ", text)
    return text


_OPEN, _CLOSE = "(（「『[［【〔", ")）」』]］】〕"


def split_sentences(text: str) -> list[str]:
    """Split Japanese text into sentences at 。！？ and line breaks; empty pieces are dropped.

    A 。 inside brackets (「…。」, （…。…）) does not end the sentence around it.
    """
    out: list[str] = []
    for line in text.splitlines():
        depth, start = 0, 0
        for i, c in enumerate(line):
            if c in _OPEN:
                depth += 1
            elif c in _CLOSE:
                depth = max(0, depth - 1)
            elif c in "。！？!?" and depth == 0:
                out.append(line[start : i + 1])
                start = i + 1
        out.append(line[start:])
    return [s.strip() for s in out if s.strip()]


LIST_INTRO = re.compile(r"次(?:の|に掲げる)[^。]*[。：:]$")
"""A sentence introducing the list after it (「次に掲げる請求権については、責任を免れない。」「主に次の二つである。」)."""


def list_intro(text: str) -> str:
    """The last sentence of ``text`` when it introduces a list that follows it, else ""."""
    sentences = split_sentences(text)
    return sentences[-1] if sentences and LIST_INTRO.search(sentences[-1]) else ""


_NOT_LETTERS = re.compile(r"[\s\W_]+")


def char_bigrams(text: str) -> list[str]:
    """Adjacent letter pairs of the normalised text, across spaces and punctuation (which are dropped)."""
    letters = _NOT_LETTERS.sub("", normalize(text))
    return [letters[i:i + 2] for i in range(len(letters) - 1)]
