"""The dev-split sweeps behind the retrieval defaults: ``python -m kb_bot.evaluation.tune``.

Only the dev split is used; the test split stays held out for the final numbers (eval/README.md).
Sweeps, each in lexical mode (the mode every machine runs):

1. tokenisation: every combination of the :class:`~kb_bot.tokenize.TokenizerConfig` switches, each on a
   fresh index, with the best abstention threshold each one allows;
2. reference boost (``ref_boost``) with the chosen tokenisation;
3. abstention threshold: abstention recall and wrong-abstention rate for thresholds 0.00–1.00 (the
   confidence of every answer is recorded once, so no re-run is needed);
4. fusion (rrf / weighted, rrf_k, dense_weight): measurable only with a dense model; run where one is
   available, otherwise reported as not measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from pathlib import Path

from kb_bot.evaluation.gold import load_gold
from kb_bot.evaluation.runner import build_index, evaluate_mode, summarize
from kb_bot.settings import Settings, load_settings
from kb_bot.tokenize import TokenizerConfig

MAX_WRONG = 0.05
THRESHOLDS = [round(i / 100, 2) for i in range(0, 101)]
REF_BOOSTS = (0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 1.0, 2.0)


def threshold_curve(rows: list[dict]) -> list[dict]:
    from kb_bot.evaluation.runner import abstention_at

    return [{"threshold": t, **abstention_at(rows, t)} for t in THRESHOLDS]


def best_threshold(curve: list[dict], max_wrong: float = MAX_WRONG) -> dict:
    """Highest abstention recall with wrong-abstention rate ≤ ``max_wrong``; the middle of the best plateau."""
    feasible = [c for c in curve if c["wrong_rate"] is not None and c["wrong_rate"] <= max_wrong]
    if not feasible:
        return {"threshold": None, "recall": None, "wrong_rate": None, "range": None}
    top = max(c["recall"] or 0.0 for c in feasible)
    plateau = [c for c in feasible if (c["recall"] or 0.0) == top]
    lo, hi = plateau[0]["threshold"], plateau[-1]["threshold"]
    mid = min(plateau, key=lambda c: abs(c["threshold"] - (lo + hi) / 2))
    return {"threshold": mid["threshold"], "recall": mid["recall"], "wrong_rate": mid["wrong_rate"],
            "precision": mid["precision"], "range": [lo, hi]}


def _row(name: str, summary: dict, best: dict) -> dict:
    o = summary["retrieval"]["overall"]
    return {"name": name, **{k: o[k] for k in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")},
            "best_threshold": best["threshold"], "threshold_range": best["range"],
            "abstention_recall": best["recall"], "wrong_abstention": best["wrong_rate"],
            "p95_ms": summary["latency_ms"]["p95"]}


def tune(settings: Settings, gold_path: Path, corpus: list[Path], progress: bool = True) -> dict:
    """Sweeps in this order: reference boost (default tokenisation), tokenisation (at the current default
    ``ref_boost``), then the threshold curve of the defaults. Change a default, run again, until stable."""
    items = load_gold(gold_path).select("dev")
    default_cfg = TokenizerConfig()
    with build_index(settings, corpus, ("lexical",), default_cfg, progress=False) as idx:
        boosts = []
        for rb in REF_BOOSTS:
            s = dataclasses.replace(idx.settings, ref_boost=rb)
            rows = evaluate_mode(s, items, "lexical", progress=False)
            boosts.append({**_row(f"ref_boost={rb}", summarize(rows), best_threshold(threshold_curve(rows))),
                           "ref_boost": rb})
        default_rows = evaluate_mode(idx.settings, items, "lexical", progress=False)
        dense = idx.info.get("dense_model")
    curve = threshold_curve(default_rows)
    defaults_summary = summarize(default_rows)
    fields = [f.name for f in dataclasses.fields(TokenizerConfig)]
    tokenizers = []
    combos = list(itertools.product([True, False], repeat=len(fields)))
    for n, values in enumerate(combos, start=1):
        cfg = TokenizerConfig(**dict(zip(fields, values, strict=True)))
        if progress:
            print(f"[{n}/{len(combos)}] {cfg}", file=sys.stderr)
        with build_index(settings, corpus, ("lexical",), cfg, progress=False) as idx:
            rows = evaluate_mode(idx.settings, items, "lexical", progress=False)
        summary = summarize(rows)
        tokenizers.append({**_row(_cfg_name(cfg), summary, best_threshold(threshold_curve(rows))),
                           "config": cfg.to_dict()})
    return {
        "gold": str(gold_path), "split": "dev", "items": len(items),
        "answerable": sum(i.answerable for i in items),
        "defaults": {"tokenizer": default_cfg.to_dict(), "ref_boost": settings.ref_boost,
                     "abstain_threshold": settings.abstain_threshold, "fusion": settings.fusion},
        "defaults_result": _row("defaults", defaults_summary, best_threshold(curve)),
        "tokenizers": tokenizers, "ref_boost": boosts, "threshold_curve": curve,
        "best_threshold": best_threshold(curve),
        "fusion": "測定できません: 密モデルがないため（lexical のみ）" if not dense else "kb-bot eval --mode all で比較",
        "confidences": [{"id": r["id"], "answerable": r["answerable"], "confidence": r["confidence"]}
                        for r in default_rows],
    }


def _cfg_name(cfg: TokenizerConfig) -> str:
    short = {"lemma": "lemma", "drop_function_words": "pos", "drop_stop_lemmas": "stop", "bigrams": "bigram",
             "drop_light_words": "light", "cw_spellings": "cw"}
    return " ".join(f"{'+' if v else '-'}{short.get(k, k)}" for k, v in cfg.to_dict().items())


def markdown(t: dict) -> str:
    def f(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    lines = [f"# 調整（dev split、{t['items']} 問、うち回答可能 {t['answerable']}）", "",
             (f"正解データ `{t['gold']}`。lexical モード。各行は新しく作った索引で測定。"
              f"「最良の閾値」は誤って控えた率 ≤ {MAX_WRONG:.0%} の範囲で控えた再現率が最大になる閾値（同率の範囲の中央）。"), "",
             "## 1. 形態素解析の設定（既定の ref_boost）", "",
             "| 設定 | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | 最良の閾値（範囲） | 控えた再現率 | 誤って控えた率 |",
             "|---|---|---|---|---|---|---|---|---|"]
    ranked = sorted(t["tokenizers"], key=lambda r: (-(r["recall@5"]), -(r["abstention_recall"] or 0), -r["mrr@10"]))
    for r in ranked:
        rng = "—"
        if r["threshold_range"]:
            rng = f"{r['best_threshold']}（{r['threshold_range'][0]}–{r['threshold_range'][1]}）"
        lines.append(f"| {r['name']} | {f(r['recall@1'])} | {f(r['recall@5'])} | {f(r['recall@10'])} | "
                     f"{f(r['mrr@10'])} | {f(r['ndcg@10'])} | {rng} | {f(r['abstention_recall'])} | "
                     f"{f(r['wrong_abstention'])} |")
    d = t["defaults_result"]
    lines += ["", (f"既定値（{t['defaults']}）: R@1 {f(d['recall@1'])}、R@5 {f(d['recall@5'])}、MRR@10 {f(d['mrr@10'])}、"
               f"nDCG@10 {f(d['ndcg@10'])}"), "",
              "## 2. 参照ブースト（ref_boost、既定の形態素解析）", "",
              "| ref_boost | R@1 | R@5 | MRR@10 | nDCG@10 |", "|---|---|---|---|---|"]
    for r in t["ref_boost"]:
        lines.append(f"| {r['ref_boost']} | {f(r['recall@1'])} | {f(r['recall@5'])} | {f(r['mrr@10'])} | "
                     f"{f(r['ndcg@10'])} |")
    lines += ["", "## 3. 回答を控える閾値（既定の設定）", "",
              "| 閾値 | 控えた再現率 | 控えた適合率 | 誤って控えた率 |", "|---|---|---|---|"]
    for c in t["threshold_curve"]:
        if round(c["threshold"] * 100) % 5 == 0:
            lines.append(f"| {c['threshold']:.2f} | {f(c['recall'])} | {f(c['precision'])} | {f(c['wrong_rate'])} |")
    b = t["best_threshold"]
    lines += ["", (f"最良の閾値: {b['threshold']}（同率の範囲 {b['range']}）、控えた再現率 {f(b['recall'])}、"
               f"誤って控えた率 {f(b['wrong_rate'])}"), "",
              "## 4. 融合（fusion）", "", t["fusion"], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="dev split で形態素解析・参照ブースト・閾値を比べる")
    p.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"))
    p.add_argument("--corpus", type=Path, nargs="+",
                   default=[Path("corpus/handbook"), Path("corpus/casebook"), Path("corpus/notices")])
    p.add_argument("--out", type=Path, default=Path("eval/reports/tuning-dev"))
    args = p.parse_args(argv)
    settings = load_settings(embed_model="none")
    result = tune(settings, args.gold, args.corpus)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tuning.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (args.out / "tuning.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
