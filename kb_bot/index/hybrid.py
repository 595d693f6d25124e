"""Fusion of lexical and dense rankings into one llama-index retriever.

Two methods, chosen in settings (``fusion``) and compared with ``kb-bot eval --mode all``:
- ``rrf``: reciprocal rank fusion, score = Σ 1/(k + rank); ignores the scale of each retriever's scores.
- ``weighted``: each retriever's scores min-max normalised to [0, 1] over its candidates, then
  (1 − w)·lexical + w·dense.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle


def fuse(
    rankings: Sequence[Sequence[NodeWithScore]], method: str, rrf_k: int = 60, weights: Sequence[float] | None = None
) -> list[NodeWithScore]:
    weights = list(weights or [1.0] * len(rankings))
    total: dict[str, float] = {}
    nodes: dict[str, NodeWithScore] = {}
    for ranking, w in zip(rankings, weights):
        if method == "rrf":
            part = {h.node.node_id: w / (rrf_k + rank) for rank, h in enumerate(ranking, start=1)}
        elif method == "weighted":
            scores = [h.score or 0.0 for h in ranking]
            lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
            span = (hi - lo) or 1.0
            part = {h.node.node_id: w * ((h.score or 0.0) - lo) / span for h in ranking}
        else:
            raise ValueError(f"unknown fusion method {method!r}: use 'rrf' or 'weighted'")
        for h in ranking:
            nodes.setdefault(h.node.node_id, h)
            total[h.node.node_id] = total.get(h.node.node_id, 0.0) + part[h.node.node_id]
    ranked = sorted(total, key=lambda i: -total[i])
    return [NodeWithScore(node=nodes[i].node, score=total[i]) for i in ranked]


class HybridRetriever(BaseRetriever):
    """Lexical + dense, fused. Each side is asked for ``candidates`` results before fusion."""

    def __init__(
        self,
        lexical: BaseRetriever,
        dense: BaseRetriever,
        method: str = "rrf",
        rrf_k: int = 60,
        dense_weight: float = 0.5,
        similarity_top_k: int = 10,
    ) -> None:
        super().__init__()
        self._lexical, self._dense = lexical, dense
        self.method, self.rrf_k, self.dense_weight = method, rrf_k, dense_weight
        self.similarity_top_k = similarity_top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        rankings = [self._lexical.retrieve(query_bundle), self._dense.retrieve(query_bundle)]
        weights = [1.0 - self.dense_weight, self.dense_weight] if self.method == "weighted" else [1.0, 1.0]
        return fuse(rankings, self.method, self.rrf_k, weights)[: self.similarity_top_k]
