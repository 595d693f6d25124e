"""BM25 over fugashi tokens (bm25s), plugged into llama-index as a retriever."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

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


class JapaneseBM25Retriever(BaseRetriever):
    """BM25 retriever for Japanese text; llama-index's stock BM25Retriever scores Japanese as zero.

    ``mask`` (one bool per node) limits results, e.g. to the documents in force on a date.
    """

    def __init__(
        self,
        nodes: Sequence[TextNode],
        index: LexicalIndex,
        tokenizer: JapaneseTokenizer,
        similarity_top_k: int = 10,
        mask: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        self._nodes, self._index, self._tokenizer = list(nodes), index, tokenizer
        self.similarity_top_k, self.mask = similarity_top_k, mask

    @classmethod
    def from_nodes(cls, nodes: Sequence[TextNode], similarity_top_k: int = 10) -> JapaneseBM25Retriever:
        tokenizer = JapaneseTokenizer()
        index = LexicalIndex.build([tokenizer(n.get_content()) for n in nodes])
        return cls(nodes, index, tokenizer, similarity_top_k)

    def score_all(self, query: str) -> np.ndarray:
        scores = self._index.scores(self._tokenizer(query))
        return scores if self.mask is None else np.where(self.mask, scores, 0.0)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        scores = self.score_all(query_bundle.query_str)
        k = min(self.similarity_top_k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k else []
        ranked = sorted(top, key=lambda i: -scores[i])
        return [NodeWithScore(node=self._nodes[i], score=float(scores[i])) for i in ranked if scores[i] > 0]
