"""Which words of a passage match the question: character spans to highlight.

The passage is analysed with the same MeCab dictionary as the index; a word is highlighted when its
lemma (or surface) is one of the question's content words, so 「返還した」 lights up for a question with
「返還」. References written in the question (第63条, 問13-5) are highlighted literally too.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from kb_bot.text import normalize

if TYPE_CHECKING:
    import fugashi

    from kb_bot.tokenize import JapaneseTokenizer

_local = threading.local()
_SKIP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
_NOISE = frozenset(
    "為る 有る 居る 成る 言う 良い 無い 出来る 思う 教える 下さる 仕舞う 何方 場合 事 物 方 様 所 時 よう こと もの "
    "どう 何 ない 如何 どれ いつ 何処 誰 知る 分かる 行う 受ける 得る 見る 来る 行く 付く 付ける".split()
)
_KANA_ONLY = re.compile(r"[ぁ-ゖー]{1,3}")


def _tagger() -> fugashi.Tagger:
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        import fugashi

        tagger = _local.tagger = fugashi.Tagger()
    return tagger


def _lemma(word: fugashi.UnidicNode) -> str:
    lemma = word.feature.lemma or word.surface
    return normalize(lemma.split("-")[0]).lower()


def spans(text: str, terms: set[str], literals: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of ``text`` whose words are in ``terms`` or equal a literal."""
    if not text:
        return []
    found: list[tuple[int, int]] = []
    if terms:
        pos = 0
        for w in _tagger()(text):
            start = text.find(w.surface, pos)
            if start < 0:
                continue
            pos = start + len(w.surface)
            if w.feature.pos1 in _SKIP_POS or len(w.surface.strip()) == 0:
                continue
            if _lemma(w) in terms or normalize(w.surface).lower() in terms:
                found.append((start, pos))
    for lit in literals:
        if lit:
            found.extend(m.span() for m in re.finditer(re.escape(lit), text))
    found.sort()
    merged: list[tuple[int, int]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def content_words(tokenizer: JapaneseTokenizer, text: str) -> list[str]:
    """The tokenizer's unigrams without light verbs, fillers, short kana and single characters: the words
    that carry meaning (used to highlight, to match SV確認済み回答 and for the grounding overlap)."""
    unigrams, _ = tokenizer.analyze(text)
    return [t for t in unigrams if len(t) > 1 and t not in _NOISE and not _KANA_ONLY.fullmatch(t)]


def question_terms(question: str, tokenizer: JapaneseTokenizer) -> tuple[set[str], tuple[str, ...]]:
    """(content-word lemmas, literal references) of a question, for :func:`spans`."""
    from kb_bot.refs import find_refs

    terms = set(content_words(tokenizer, question))
    literals = []
    for ref in find_refs(question):
        key = ref.key.split(" ")[-1]  # 生活保護法 第63条 -> 第63条
        literals.append(key)
    return terms, tuple(literals)
