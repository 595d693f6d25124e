"""BM25 over fugashi tokens (bm25s), without llama-index (its retriever wrapper: kb_bot.index.retrievers)."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from kb_bot.index import Ranking
from kb_bot.tokenize import JapaneseTokenizer


class LexicalIndex:
    """A BM25 model plus the document frequencies needed to say how much of a question a passage covers."""

    def __init__(self, bm25: bm25s.BM25, idf: dict[str, float], n_docs: int) -> None:
        self.bm25, self.idf, self.n_docs = bm25, idf, n_docs

    @classmethod
    def build(cls, tokens: Sequence[Sequence[str]]) -> LexicalIndex:
        bm25 = bm25s.BM25()
        bm25.index([list(t) or [""] for t in tokens], show_progress=False)
        df = Counter(tok for doc in tokens for tok in set(doc))
        n = len(tokens)
        idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        return cls(bm25, idf, n)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        (folder / "idf.json").write_text(json.dumps({"n_docs": self.n_docs, "idf": self.idf}, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        data = json.loads((folder / "idf.json").read_text())
        return cls(bm25, data["idf"], data["n_docs"])

    @property
    def unknown_idf(self) -> float:
        """Weight of a query word that occurs in no passage: as rare as a word can be."""
        return math.log(1 + (self.n_docs + 0.5) / 0.5)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.idf]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return self.bm25.get_scores(known)


class LexicalRanker:
    """BM25 ranking of a version's passages; ``mask`` (one bool per passage) limits results, e.g. to the
    documents in force on a date. ``ids`` are the passage ids in index order."""

    def __init__(
        self, ids: Sequence[str], index: LexicalIndex, tokenizer: JapaneseTokenizer, mask: np.ndarray | None = None
    ) -> None:
        self.ids, self.index, self.tokenizer, self.mask = ids, index, tokenizer, mask

    def score_all(self, query: str) -> np.ndarray:
        """BM25 score of every passage (0 where masked out), in index order."""
        scores = self.index.scores(self.tokenizer(query))
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
