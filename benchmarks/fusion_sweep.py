"""Dev-split evidence for the dense settings: how a passage is scored, and the fusion weight.

    python benchmarks/fusion_sweep.py [--model use-multilingual-v3] [--gold eval/gold.jsonl eval/gold2.jsonl]

1. Dense unit (dense only, answerable dev questions): a passage scored by the cosine of its whole indexed
   text, by its best sentence (max cosine over its sentences, headings as one more unit), or the mean of
   the two. Computed in numpy from the same embedder, so only the unit differs.
2. Fusion: every dev question through the real search + answer path (kb_bot.evaluation.runner), lexical,
   dense, weighted fusion for several dense weights, and RRF.

The index is built once, with the model, from the bundled sample corpus in a temporary home. Prints
Markdown tables (copied into eval/reports/fusion-dev.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pipeline import ingest  # noqa: E402
from kb_bot.evaluation import metrics as M  # noqa: E402
from kb_bot.evaluation.gold import GoldItem, load_gold  # noqa: E402
from kb_bot.evaluation.runner import evaluate_mode, summarize  # noqa: E402
from kb_bot.index.dense import Embedder  # noqa: E402
from kb_bot.index.nodes import index_text  # noqa: E402
from kb_bot.index.store import IndexStore, IndexVersion  # noqa: E402
from kb_bot.settings import Settings, load_settings  # noqa: E402
from kb_bot.text import split_sentences  # noqa: E402

CORPUS = [ROOT / "corpus" / c for c in ("handbook", "casebook", "notices")]
WEIGHTS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5)


def dense_unit_table(v: IndexVersion, embedder: Embedder, golds: dict[str, list[GoldItem]]) -> list[str]:
    passages = v.passages
    whole = embedder.embed_documents([index_text(p) for p in passages])
    units, owner = [], []
    for i, p in enumerate(passages):
        for s in ["\n".join([*p.headings, p.label]), *split_sentences(p.text)]:
            units.append(s)
            owner.append(i)
    sent = embedder.embed_documents(units)
    owner_arr = np.array(owner)

    def best_sentence(q: np.ndarray) -> np.ndarray:
        out = np.full(len(passages), -1.0)
        np.maximum.at(out, owner_arr, sent @ q)
        return out

    scorers: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "whole passage": lambda q: whole @ q,
        "best sentence": best_sentence,
        "mean of the two": lambda q: 0.5 * (whole @ q) + 0.5 * best_sentence(q),
    }
    labels = [[p.label] for p in passages]
    lines = [f"Units embedded: {len(passages)} passages, {len(units)} sentences and heading lines.", "",
             "| gold (dev, answerable) | unit | R@1 | R@5 | MRR@10 |", "| --- | --- | --- | --- | --- |"]
    for name, items in golds.items():
        answerable = [i for i in items if i.answerable]
        queries = [embedder.embed_query(i.question) for i in answerable]
        for unit, score in scorers.items():
            rels = []
            for item, q in zip(answerable, queries, strict=True):
                order = np.argsort(-score(q))[:10]
                rels.append(M.relevance([labels[j] for j in order], item.labels))
            lines.append(f"| {name} ({len(answerable)}) | {unit} | {np.mean([M.recall_at(r, 1) for r in rels]):.3f} "
                         f"| {np.mean([M.recall_at(r, 5) for r in rels]):.3f} "
                         f"| {np.mean([M.mrr_at(r, 10) for r in rels]):.3f} |")
    return lines


def fusion_table(settings: Settings, golds: dict[str, list[GoldItem]]) -> list[str]:
    runs: list[tuple[str, str, Settings]] = [("lexical", "—", settings), ("dense", "—", settings)]
    runs += [("hybrid", f"weighted {w}", dataclasses.replace(settings, fusion="weighted", dense_weight=w))
             for w in WEIGHTS]
    runs.append(("hybrid", f"rrf (k={settings.rrf_k})", dataclasses.replace(settings, fusion="rrf")))
    lines = ["| gold (dev) | mode | fusion | R@1 | R@5 | MRR@10 | nDCG@10 | wrong abstentions | abstention recall |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, items in golds.items():
        for mode, fusion, s in runs:
            m = summarize(evaluate_mode(s, items, mode, progress=False))
            r, a = m["retrieval"]["overall"], m["abstention"]
            lines.append(f"| {name} | {mode} | {fusion} | {r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['mrr@10']:.3f} "
                         f"| {r['ndcg@10']:.3f} | {a['wrong_rate']:.3f} | {a['recall']:.3f} |")
            print(lines[-1], file=sys.stderr, flush=True)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="use-multilingual-v3")
    ap.add_argument("--gold", type=Path, nargs="+", default=[ROOT / "eval" / "gold.jsonl", ROOT / "eval" / "gold2.jsonl"])
    args = ap.parse_args(argv)
    golds = {p.name: [i for i in load_gold(p).items if i.split == "dev"] for p in args.gold}
    with tempfile.TemporaryDirectory() as home:
        os.environ.pop("KB_BOT_DENSE_WEIGHT", None)
        os.environ.pop("KB_BOT_FUSION", None)
        settings = load_settings(home=home, embed_model=args.model)
        ingest(CORPUS, settings, progress=False)
        v = IndexStore(settings.index_dir).open_current()
        embedder = Embedder.load(args.model, settings.embed_query_prefix, settings.embed_document_prefix,
                                 settings.embed_device)
        out = [f"## Dense unit ({args.model}, dense only)", "", *dense_unit_table(v, embedder, golds), "",
               f"## Fusion ({args.model}; real search + answer path)", "", *fusion_table(settings, golds)]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
