"""The index's rankers as llama-index retrievers, for code that composes with llama-index.

Each class wraps a llama-index-free core (:mod:`kb_bot.index.lexical`, :mod:`~kb_bot.index.dense`,
:mod:`~kb_bot.index.hybrid`) and maps its (passage id, score) ranking onto ``TextNode``s. The command line
and the app use the cores directly, so they never import llama-index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from kb_bot.index import Ranking
from kb_bot.index.dense import DenseRanker, DenseStore, Embedder
from kb_bot.index.hybrid import fuse_hybrid, tapered_weight
from kb_bot.index.lexical import LexicalIndex, LexicalRanker
from kb_bot.tokenize import JapaneseTokenizer


def _with_nodes(ranking: Ranking, nodes: Mapping[str, TextNode]) -> list[NodeWithScore]:
    return [NodeWithScore(node=nodes[i], score=s) for i, s in ranking if i in nodes]


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
        self._nodes = {n.node_id: n for n in nodes}
        self.ranker = LexicalRanker([n.node_id for n in nodes], index, tokenizer, mask)
        self.similarity_top_k = similarity_top_k

    @classmethod
    def from_nodes(cls, nodes: Sequence[TextNode], similarity_top_k: int = 10) -> JapaneseBM25Retriever:
        tokenizer = JapaneseTokenizer()
        index = LexicalIndex.build([tokenizer(n.get_content()) for n in nodes])
        return cls(nodes, index, tokenizer, similarity_top_k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return _with_nodes(self.ranker.rank(query_bundle.query_str, self.similarity_top_k), self._nodes)


class DenseRetriever(BaseRetriever):
    """Nearest passages by embedding. ``allowed`` (ids) limits results, e.g. to documents in force."""

    def __init__(
        self,
        nodes: Mapping[str, TextNode],
        store: DenseStore,
        embedder: Embedder,
        similarity_top_k: int = 10,
        allowed: set[str] | None = None,
    ) -> None:
        super().__init__()
        self._nodes = nodes
        self.ranker = DenseRanker(store, embedder, allowed)
        self.similarity_top_k = similarity_top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return _with_nodes(self.ranker.rank(query_bundle.query_str, self.similarity_top_k), self._nodes)


class HybridRetriever(BaseRetriever):
    """Lexical + dense, fused (:func:`kb_bot.index.hybrid.fuse_hybrid`); each side gives its own top-k first.
    ``dense_taper`` (from, to characters) lowers the dense weight for long queries as the search does
    (:func:`kb_bot.index.hybrid.tapered_weight`); (0, 0) = no taper."""

    def __init__(
        self,
        lexical: BaseRetriever,
        dense: BaseRetriever,
        method: str = "weighted",
        rrf_k: int = 60,
        dense_weight: float = 0.5,
        similarity_top_k: int = 10,
        dense_taper: tuple[int, int] = (0, 0),
    ) -> None:
        super().__init__()
        self._lexical, self._dense = lexical, dense
        self.method, self.rrf_k, self.dense_weight, self.dense_taper = method, rrf_k, dense_weight, dense_taper
        self.similarity_top_k = similarity_top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        sides = [self._lexical.retrieve(query_bundle), self._dense.retrieve(query_bundle)]
        nodes = {h.node.node_id: h.node for side in sides for h in side}
        lexical, dense = ([(h.node.node_id, float(h.score or 0.0)) for h in side] for side in sides)
        weight = tapered_weight(self.dense_weight, len(query_bundle.query_str), *self.dense_taper)
        fused = fuse_hybrid(lexical, dense, self.method, self.rrf_k, weight)
        return [NodeWithScore(node=nodes[i], score=s) for i, s in fused[: self.similarity_top_k]]
