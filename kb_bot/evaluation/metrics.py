"""Metrics, as pure functions over one question's ranked hits (hand-checked in tests/eval/).

Relevance is keyed on citation labels. A ranked hit carries the set of labels it stands for (a kb-bot
passage: its own label; a baseline chunk: the labels of the passages it contains). Each gold label is
credited once, at the first hit that matches it (:func:`kb_bot.refs.label_matches`), so the pieces of
one long passage or the paragraphs of one article do not count twice.

- Recall@k: 1 if any gold label is among the first k hits (gold labels are any-of), else 0.
- MRR@k: 1 / rank of the first relevant hit within k, else 0.
- nDCG@k: binary gains discounted by log2(rank + 1), over the ideal ranking that puts the gold labels
  that exist in the index first (at most k of them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from kb_bot.refs import label_matches


def relevance(hit_labels: Sequence[Iterable[str]], gold: Sequence[str]) -> list[int]:
    """0/1 per hit: 1 where the hit matches a gold label that no earlier hit matched."""
    credited: set[str] = set()
    rels = []
    for labels in hit_labels:
        labels = list(labels)
        gain = 0
        for g in gold:
            if g not in credited and any(label_matches(g, lab) for lab in labels):
                credited.add(g)
                gain = 1
                break
        rels.append(gain)
    return rels


def recall_at(rels: Sequence[int], k: int) -> float:
    return 1.0 if any(rels[:k]) else 0.0


def mrr_at(rels: Sequence[int], k: int = 10) -> float:
    for rank, r in enumerate(rels[:k], start=1):
        if r:
            return 1.0 / rank
    return 0.0


def ndcg_at(rels: Sequence[int], n_relevant: int, k: int = 10) -> float:
    """``n_relevant``: how many gold labels the index holds (the ideal ranking's ones)."""
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_relevant, k) + 1))
    if ideal == 0:
        return 0.0
    dcg = sum(r / math.log2(rank + 1) for rank, r in enumerate(rels[:k], start=1))
    return dcg / ideal


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default), p in [0, 100]."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def abstention(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict:
    """Abstaining is the right answer for unanswerable items.

    precision: of the abstentions, the share on unanswerable items; recall: of the unanswerable
    items, the share abstained on; wrong_rate: of the answerable items, the share abstained on.
    None where the denominator is zero.
    """
    pairs = list(zip(abstained, answerable, strict=True))
    true_abst = sum(1 for a, ok in pairs if a and not ok)
    n_abst = sum(1 for a, _ in pairs if a)
    n_unans = sum(1 for _, ok in pairs if not ok)
    n_ans = sum(1 for _, ok in pairs if ok)
    wrong = sum(1 for a, ok in pairs if a and ok)
    return {
        "precision": true_abst / n_abst if n_abst else None,
        "recall": true_abst / n_unans if n_unans else None,
        "wrong_rate": wrong / n_ans if n_ans else None,
        "abstained": n_abst,
        "unanswerable": n_unans,
        "answerable": n_ans,
        "wrong": wrong,
    }


RETRIEVAL_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def retrieval(rows: Sequence[tuple[Sequence[int], int]]) -> dict:
    """Means over answerable items; ``rows`` = (relevance list, number of gold labels in the index)."""
    return {
        "n": len(rows),
        "recall@1": mean(recall_at(r, 1) for r, _ in rows),
        "recall@5": mean(recall_at(r, 5) for r, _ in rows),
        "recall@10": mean(recall_at(r, 10) for r, _ in rows),
        "mrr@10": mean(mrr_at(r, 10) for r, _ in rows),
        "ndcg@10": mean(ndcg_at(r, n, 10) for r, n in rows),
    }
