"""BM25 over fugashi tokens and over character bigrams (bm25s), without llama-index (its retriever wrapper:
kb_bot.index.retrievers).

The word index carries the question's meaning words; the character-bigram index catches what the word
analysis splits differently from the books — a word half in kana, a typo, a compound the analyser cuts
elsewhere in the question than in the passage. Ranking adds the two, each scaled to its best passage
(:meth:`LexicalIndex.fused`); the confidence signals read the word index only.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from kb_bot.index import Ranking
from kb_bot.text import char_bigrams
from kb_bot.tokenize import JapaneseTokenizer

CHAR_WEIGHT = 1.0
"""Weight of the character-bigram scores against the word scores (both scaled to their best passage), chosen on
the dev splits with eval/gold4-dev.jsonl (eval/README.md)."""


class LexicalIndex:
    """A BM25 model plus the document frequencies needed to say how much of a question a passage covers, and
    the character-bigram BM25 (``chars``; None in an index built before it existed: re-ingest to add it)."""

    def __init__(self, bm25: bm25s.BM25, idf: dict[str, float], n_docs: int, chars: bm25s.BM25 | None = None) -> None:
        self.bm25, self.idf, self.n_docs, self.chars = bm25, idf, n_docs, chars

    @classmethod
    def build(cls, tokens: Sequence[Sequence[str]], texts: Sequence[str] | None = None) -> LexicalIndex:
        """``tokens`` per passage for the word index; ``texts`` (the same passages) for the bigram index."""
        bm25 = bm25s.BM25()
        bm25.index([list(t) or [""] for t in tokens], show_progress=False)
        df = Counter(tok for doc in tokens for tok in set(doc))
        n = len(tokens)
        idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        chars = None
        if texts is not None:
            chars = bm25s.BM25()
            chars.index([char_bigrams(t) or [""] for t in texts], show_progress=False)
        return cls(bm25, idf, n, chars)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        if self.chars is not None:
            self.chars.save(str(folder / "bm25chars"), show_progress=False)
        (folder / "idf.json").write_text(json.dumps({"n_docs": self.n_docs, "idf": self.idf}, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        chars = bm25s.BM25.load(str(folder / "bm25chars"), show_progress=False) if (folder / "bm25chars").is_dir() else None
        data = json.loads((folder / "idf.json").read_text())
        return cls(bm25, data["idf"], data["n_docs"], chars)

    @property
    def unknown_idf(self) -> float:
        """Weight of a query word that occurs in no passage: as rare as a word can be."""
        return math.log(1 + (self.n_docs + 0.5) / 0.5)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.idf]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return self.bm25.get_scores(known)

    def fused(self, word_scores: np.ndarray, grams: Sequence[str], char_weight: float) -> np.ndarray:
        """Word scores plus ``char_weight`` × the scores of the character bigrams ``grams`` (a repeated one
        counts again), each scaled to its best passage and the sum scaled back to the word scale. Word scores
        alone where there is no bigram index or no word matched (a question of unknown words stays unanswered)."""
        top = float(word_scores.max(initial=0.0))
        if self.chars is None or char_weight <= 0 or top <= 0:
            return word_scores
        vocab = self.chars.vocab_dict
        known = [g for g in grams if g in vocab]
        chars = self.chars.get_scores(known) if known else np.zeros_like(word_scores)
        return (word_scores / top + char_weight * chars / (float(chars.max(initial=0.0)) or 1.0)) * top


class LexicalRanker:
    """BM25 ranking of a version's passages (words and character bigrams, see :meth:`LexicalIndex.fused`);
    ``mask`` (one bool per passage) limits results, e.g. to the documents in force on a date. ``ids`` are the
    passage ids in index order."""

    def __init__(
        self, ids: Sequence[str], index: LexicalIndex, tokenizer: JapaneseTokenizer, mask: np.ndarray | None = None,
        char_weight: float = CHAR_WEIGHT,
    ) -> None:
        self.ids, self.index, self.tokenizer, self.mask, self.char_weight = ids, index, tokenizer, mask, char_weight

    def score_all(self, query: str) -> np.ndarray:
        """Lexical score of every passage (0 where masked out), in index order."""
        grams = list(dict.fromkeys(char_bigrams(query)))
        scores = self.index.fused(self.index.scores(self.tokenizer(query)), grams, self.char_weight)
        return scores if self.mask is None else np.where(self.mask, scores, 0.0)

    def rank(self, query: str, k: int) -> Ranking:
        return top_k(self.ids, self.score_all(query), k)


def top_k(ids: Sequence[str], scores: np.ndarray, k: int) -> Ranking:
    """The ``k`` best positive scores as (id, score), best first."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    return [(ids[i], float(scores[i])) for i in sorted(top, key=lambda i: -scores[i]) if scores[i] > 0]
