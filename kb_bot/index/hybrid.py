"""Fusion of lexical and dense rankings (no llama-index; its retriever wrapper: kb_bot.index.retrievers).

Two methods, chosen in settings (``fusion``) and compared with ``kb-bot eval --mode all``:
- ``rrf``: reciprocal rank fusion, score = Σ 1/(k + rank); ignores the scale of each retriever's scores.
- ``weighted``: each retriever's scores min-max normalised to [0, 1] over its candidates, then
  (1 − w)·lexical + w·dense, the dense weight w tapering off for long questions (:func:`tapered_weight`).
"""

from __future__ import annotations

from collections.abc import Sequence

from kb_bot.index import Ranking

FUSION_METHODS = ("weighted", "rrf")


def fuse(rankings: Sequence[Ranking], method: str, rrf_k: int = 60, weights: Sequence[float] | None = None) -> Ranking:
    """One ranking from several; a passage missing from a ranking gets nothing from it."""
    weights = list(weights or [1.0] * len(rankings))
    total: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        if method == "rrf":
            part = {pid: w / (rrf_k + rank) for rank, (pid, _) in enumerate(ranking, start=1)}
        elif method == "weighted":
            scores = [s for _, s in ranking]
            lo, hi = (min(scores), max(scores)) if scores else (0.0, 0.0)
            span = (hi - lo) or 1.0
            part = {pid: w * (s - lo) / span for pid, s in ranking}
        else:
            raise ValueError(f"unknown fusion method {method!r}: use 'rrf' or 'weighted'")
        for pid, value in part.items():
            total[pid] = total.get(pid, 0.0) + value
    return sorted(total.items(), key=lambda item: -item[1])


def fuse_hybrid(lexical: Ranking, dense: Ranking, method: str, rrf_k: int, dense_weight: float) -> Ranking:
    """Lexical and dense fused as settings say: weighted uses (1 − w, w), RRF weighs both sides alike."""
    weights = [1.0 - dense_weight, dense_weight] if method == "weighted" else [1.0, 1.0]
    return fuse([lexical, dense], method, rrf_k, weights)


def tapered_weight(dense_weight: float, chars: int, start: int, end: int) -> float:
    """The dense weight for a question of ``chars`` characters: ``dense_weight`` up to ``start``, falling linearly
    to 0 at ``end`` and beyond; ``end`` 0 = no taper.

    A sentence encoder such as USE embeds a 100–300 character case description as one vector dominated by its
    narrative (the parties, the events), not by the point asked; on templated law text it then favours the
    neighbouring law's article of the same shape. On the dev splits the taper 80 → 160 raised hybrid Recall@5 on
    the long-question law set 0.946 → 1.000 and on gold6-dev 0.960 → 0.967, the other sets unchanged
    (eval/README.md). The taper is model-dependent: a model trained on long text (ruri-v3) may not need it."""
    if end <= 0 or chars <= start:
        return dense_weight
    if chars >= end:
        return 0.0
    return dense_weight * (end - chars) / (end - start)
