"""One evaluation run: index, questions through the real Searcher + compose, metrics, baseline.

The index: by default a fresh one is built in a temporary home from the corpus folders given (the
bundled sample corpus unless told otherwise), so a run is reproducible and never touches the index in
service. ``use_current`` measures the index in service under ``settings.home`` instead — what an
office wants for its own gold set on its own books.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb_bot import DISCLAIMER, __version__
from kb_bot.errors import UserError
from kb_bot.evaluation import metrics as M
from kb_bot.evaluation.gold import TEST_SHARE, GoldItem, GoldSet, category_name, stratified_split
from kb_bot.passage import Passage
from kb_bot.refs import label_matches
from kb_bot.settings import Settings
from kb_bot.tokenize import TokenizerConfig

K = 10
"""Hits retrieved per question (the metrics go to @10)."""
MODES = ("lexical", "dense", "hybrid")
TARGETS = {
    "recall@5": (">=", 0.97),
    "mrr@10": (">=", 0.85),
    "abstention_recall": (">=", 0.90),
    "wrong_abstention": ("<=", 0.03),
    "confident_unanswerable": ("<=", 0),
    "disclaimer": (">=", 1.0),
}
"""Issue 9's targets for the gold sets (issue 3's MRR@10 kept), on the held-out split."""
LAW_TARGETS = {
    "wrong_abstention": ("<=", 0.10),
    "disclaimer": (">=", 1.0),
}
"""Issue 9's target for the long-question law set: abstention on answerable questions ≤ 10%."""
CONFIDENT = 0.9
"""An answer at this confidence or more on an unanswerable question is a confident wrong answer."""
RESPLIT_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "abstention_recall",
                "abstention_precision", "wrong_abstention", "confident_unanswerable", "caught_unanswerable",
                "weak_answered", "cites_gold")
"""The metrics reported as mean ± sd over repeated random resplits."""
CONTRACT_KEYS = ("question", "answer", "abstained", "disclaimer", "citations", "corpus_version", "retrieval_mode")


class EvalError(UserError, RuntimeError):
    """The run cannot start (no index, no corpus, no questions in the split); the message says why."""


@dataclass
class EvalIndex:
    """The index a run measures, and the settings that point at it."""

    settings: Settings
    info: dict
    temp: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def close(self) -> None:
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            self.temp = None

    def __enter__(self) -> EvalIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_index(settings: Settings, corpus: Sequence[Path], modes: Sequence[str] = ("lexical",),
                tokenizer_config: TokenizerConfig | None = None, progress: bool = True) -> EvalIndex:
    """Ingest ``corpus`` into a temporary home (dense vectors only when a non-lexical mode is asked)."""
    from ingest.pipeline import IngestFailed, ingest

    missing = [str(p) for p in corpus if not p.exists()]
    if missing:
        raise EvalError(f"コーパスのパスがありません: {', '.join(missing)}")
    temp = Path(tempfile.mkdtemp(prefix="kb-bot-eval-"))
    wants_dense = any(m != "lexical" for m in modes)
    s = dataclasses.replace(settings, home=temp, database_url="",
                            embed_model=settings.embed_model if wants_dense else "none")
    try:
        report = ingest(list(corpus), s, progress=progress, tokenizer_config=tokenizer_config)
    except IngestFailed as e:
        shutil.rmtree(temp, ignore_errors=True)
        raise EvalError(f"評価用の索引を作成できませんでした: {e}") from e
    idx = EvalIndex(s, {"built_from": [str(p) for p in corpus], "home": "(一時フォルダ)"}, temp)
    idx.warnings += [f"取り込めなかったファイル {path}: {why}" for path, why in report.skipped]
    _describe(idx)
    return idx


def current_index(settings: Settings) -> EvalIndex:
    from kb_bot.index.store import IndexStore

    if IndexStore(settings.index_dir).current_name() is None:
        raise EvalError(f"{settings.home} に索引がありません。kb-bot ingest で作成するか、--corpus で評価用に作らせてください")
    idx = EvalIndex(settings, {"built_from": None, "home": str(settings.home)})
    _describe(idx)
    return idx


def _describe(idx: EvalIndex) -> None:
    from kb_bot.index.store import IndexStore

    v = IndexStore(idx.settings.index_dir).open_current()
    idx.info.update({
        "version": v.name, "passages": len(v.passages), "documents": len(v.docs),
        "corpus_version": v.corpus_version(dt.date.today().isoformat()),
        "tokenizer": v.manifest.get("tokenizer"), "dense_model": v.dense_model,
        "dense_note": v.manifest.get("dense_note", ""),
    })


# -- kb-bot ------------------------------------------------------------------------------------------
def _label_presence(passage_labels: Sequence[str], items: Sequence[GoldItem]) -> dict[str, bool]:
    wanted = {g for i in items for g in i.labels}
    return {g: any(label_matches(g, lab) for lab in passage_labels) for g in sorted(wanted)}


def evaluate_mode(settings: Settings, items: Sequence[GoldItem], mode: str, progress: bool = True,
                  presence: dict[str, bool] | None = None) -> list[dict]:
    """Every item through Searcher.search + compose, as the CLI does; one row per item."""
    from tqdm import tqdm

    from kb_bot.answer import search_and_answer
    from kb_bot.search import Searcher

    searcher = Searcher(settings)
    version = searcher.version()
    if presence is None:
        presence = _label_presence([p.label for p in version.passages], items)
    searcher.search("保護の要件", k=K, mode=mode)  # warm-up: index load and tagger start are not per-question latency
    rows = []
    for item in tqdm(items, desc=f"eval {mode}", unit="問", disable=not progress, file=sys.stderr):
        t0 = time.perf_counter()
        result, answer = search_and_answer(searcher, item.question, mode=mode, depth=K)
        latency = (time.perf_counter() - t0) * 1000
        data = answer.to_json()
        hit_labels = [h.passage.label for h in result.hits]
        rels = M.relevance([[lab] for lab in hit_labels], item.labels)
        used = [c.label for c in answer.citations if c.n in answer.used]
        cites = any(label_matches(g, lab) for g in item.labels for lab in used) if item.answerable else None
        rows.append({
            "id": item.id, "category": item.category, "answerable": item.answerable, "question": item.question,
            "labels": list(item.labels), "mode_used": result.mode,
            "hits": [{"label": h.passage.label, "score": h.score} for h in result.hits],
            "rels": rels, "n_relevant": sum(presence.get(g, False) for g in item.labels),
            "first_rank": next((r for r, x in enumerate(rels, start=1) if x), None),
            "abstained": answer.abstained, "weak_basis": answer.weak_basis, "has_hits": bool(result.hits),
            "confidence": result.confidence,
            "reason": answer.reason, "answer_labels": used, "cites_gold": cites,
            "disclaimer_ok": bool(data.get("disclaimer")) and data["disclaimer"] == DISCLAIMER,
            "contract_ok": all(k in data for k in CONTRACT_KEYS), "latency_ms": round(latency, 2),
        })
    return rows


def summarize(rows: Sequence[dict]) -> dict:
    """Metrics of one mode's rows: retrieval (answerable items) overall and per category, abstention,
    answers, latency."""
    answerable = [r for r in rows if r["answerable"]]
    by_cat: dict[str, list[dict]] = {}
    for r in rows:
        by_cat.setdefault(r["category"], []).append(r)
    retrieval = {"overall": M.retrieval([(r["rels"], r["n_relevant"]) for r in answerable]), "by_category": {}}
    for cat, rs in by_cat.items():
        ans = [r for r in rs if r["answerable"]]
        entry = M.retrieval([(r["rels"], r["n_relevant"]) for r in ans]) if ans else {"n": 0}
        entry["items"] = len(rs)
        entry["abstained"] = sum(r.get("abstained", False) for r in rs)
        retrieval["by_category"][cat] = entry
    out = {"items": len(rows), "retrieval": retrieval}
    if "abstained" in (rows[0] if rows else {}):
        out["abstention"] = M.abstention([r["abstained"] for r in rows], [r["answerable"] for r in rows])
        out["abstention"]["confident_unanswerable"] = sum(
            1 for r in rows if not r["answerable"] and not r["abstained"] and r["confidence"] >= CONFIDENT)
        unanswerable = [r for r in rows if not r["answerable"]]
        out["abstention"]["caught"] = M.mean(1.0 if r["abstained"] or r.get("weak_basis") else 0.0 for r in unanswerable)
        answered = [r for r in answerable if not r["abstained"]]
        out["answers"] = {
            "weak_basis": M.mean(1.0 if r.get("weak_basis") else 0.0 for r in answered),
            "cites_gold": M.mean(1.0 if r["cites_gold"] else 0.0 for r in answerable),
            "cites_gold_when_answered": M.mean(1.0 if r["cites_gold"] else 0.0 for r in answered),
            "disclaimer": M.mean(1.0 if r["disclaimer_ok"] else 0.0 for r in rows),
            "contract": M.mean(1.0 if r["contract_ok"] else 0.0 for r in rows),
        }
    lat = [r["latency_ms"] for r in rows]
    out["latency_ms"] = {"p50": M.percentile(lat, 50), "p95": M.percentile(lat, 95), "max": max(lat, default=None)}
    return out


def by_style(rows: Sequence[dict], styles: dict[str, str]) -> dict:
    """Per way of asking (gold2's ``style``): retrieval of the answerable items and the abstentions."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(styles.get(r["id"], ""), []).append(r)
    out = {}
    for style, rs in groups.items():
        ans = [r for r in rs if r["answerable"]]
        entry = M.retrieval([(r["rels"], r["n_relevant"]) for r in ans]) if ans else {"n": 0}
        abst = M.abstention([r["abstained"] for r in rs], [r["answerable"] for r in rs])
        out[style] = entry | abst | {"items": len(rs)}
    return out


def abstention_at(rows: Sequence[dict], threshold: float) -> dict:
    """Abstention metrics had the threshold been ``threshold`` (for the dev-split sweep)."""
    abst = [(not r["has_hits"]) or r["confidence"] < threshold for r in rows]
    return M.abstention(abst, [r["answerable"] for r in rows])


def flat_metrics(summary: dict) -> dict[str, float | None]:
    """One run's headline metrics under flat names (targets and resplit statistics use these)."""
    abst, answers = summary.get("abstention", {}), summary.get("answers", {})
    return {**{k: summary["retrieval"]["overall"].get(k) for k in M.RETRIEVAL_KEYS},
            "abstention_recall": abst.get("recall"), "abstention_precision": abst.get("precision"),
            "wrong_abstention": abst.get("wrong_rate"), "confident_unanswerable": abst.get("confident_unanswerable"),
            "caught_unanswerable": abst.get("caught"), "weak_answered": answers.get("weak_basis"),
            "cites_gold": answers.get("cites_gold"), "disclaimer": answers.get("disclaimer")}


def target_checks(summary: dict, targets: dict[str, tuple[str, float]] = TARGETS) -> dict:
    values = flat_metrics(summary)
    out = {}
    for key, (op, goal) in targets.items():
        v = values[key]
        ok = None if v is None else (v >= goal if op == ">=" else v <= goal)
        out[key] = {"value": v, "target": f"{op} {goal}", "met": ok}
    return out


# -- baseline ----------------------------------------------------------------------------------------
def evaluate_baseline(files: Sequence[Path], passages: Sequence[Passage], items: Sequence[GoldItem],
                      progress: bool = True) -> dict:
    from tqdm import tqdm

    from kb_bot.evaluation.baseline import build_baseline

    baseline = build_baseline(files, passages, k=K)
    presence = _label_presence([lab for labs in baseline.chunk_labels.values() for lab in labs], items)
    rows = []
    for item in tqdm([i for i in items if i.answerable], desc="baseline", unit="問", disable=not progress,
                     file=sys.stderr):
        t0 = time.perf_counter()
        hits = baseline.search(item.question, K)
        latency = (time.perf_counter() - t0) * 1000
        rels = M.relevance([h.labels for h in hits], item.labels)
        rows.append({
            "id": item.id, "category": item.category, "answerable": True, "question": item.question,
            "labels": list(item.labels), "hits": [{"labels": h.labels, "score": round(h.score, 4),
                                                   "preview": h.preview} for h in hits],
            "rels": rels, "n_relevant": max(1, sum(presence.get(g, False) for g in item.labels)),
            "first_rank": next((r for r, x in enumerate(rels, start=1) if x), None),
            "latency_ms": round(latency, 2),
        })
    return {"method": "SentenceSplitter() + BM25Retriever.from_defaults()", "files": baseline.files,
            "chunks": baseline.chunks, "build_seconds": round(baseline.build_seconds, 2),
            "metrics": summarize(rows), "items": rows}


def ratios(kb: dict, base: dict) -> dict:
    out = {}
    for key in M.RETRIEVAL_KEYS:
        a, b = kb["retrieval"]["overall"].get(key), base["retrieval"]["overall"].get(key)
        out[key] = None if a is None or not b else a / b
    return out


def resplit_stats(rows: Sequence[dict], seeds: Sequence[int]) -> dict:
    """Mean ± sd (and min/max) of every metric on the test part of a random stratified resplit, per seed.

    The rows are every item's result (dev and test alike); each seed draws a fresh 60/40 split with
    :func:`~kb_bot.evaluation.gold.stratified_split` and the metrics are recomputed on its test part, so
    the spread shows how much one fixed split's numbers owe to which questions landed in test.
    """
    per_seed: dict[str, list[float]] = {}
    for seed in seeds:
        test = stratified_split(((r["id"], r["category"]) for r in rows), seed)
        picked = [r for r in rows if test[r["id"]] == "test"]
        for key, value in flat_metrics(summarize(picked)).items():
            if key in RESPLIT_KEYS and value is not None:
                per_seed.setdefault(key, []).append(float(value))
    out = {}
    for key in RESPLIT_KEYS:
        values = per_seed.get(key, [])
        if values:
            mu = sum(values) / len(values)
            sd = (sum((v - mu) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else 0.0
            out[key] = {"mean": mu, "sd": sd, "min": min(values), "max": max(values), "n": len(values)}
    return {"seeds": list(seeds), "test_share": TEST_SHARE, "metrics": out}


# -- the whole run -----------------------------------------------------------------------------------
def select_items(gold: GoldSet, split: str) -> list[GoldItem]:
    """The items of ``split``; a clear error when there are none."""
    items = gold.select(split)
    if not items:
        raise EvalError(f"正解データ {gold.path} に split={split} の質問がありません"
                        "（各行の \"split\" を確認するか --split all を指定してください）")
    return items


def open_index(settings: Settings, corpus: Sequence[Path] | None, use_current: bool,
               modes: Sequence[str] = ("lexical",), tokenizer_config: TokenizerConfig | None = None,
               progress: bool = True) -> EvalIndex:
    """The index a run measures: the one in service (``use_current``) or a fresh one built from ``corpus``."""
    for m in modes:
        if m not in MODES:
            raise EvalError(f"mode は {', '.join(MODES)} のいずれかです（{m!r}）")
    if use_current:
        return current_index(settings)
    if not corpus:
        raise EvalError("評価用の索引を作るコーパスのフォルダを指定してください（--corpus）")
    return build_index(settings, corpus, modes, tokenizer_config, progress)


def run_eval(
    settings: Settings,
    gold: GoldSet,
    split: str = "all",
    modes: Sequence[str] = ("lexical",),
    corpus: Sequence[Path] | None = None,
    use_current: bool = False,
    baseline: bool = True,
    progress: bool = True,
    tokenizer_config: TokenizerConfig | None = None,
    command: str = "",
    resplits: Sequence[int] = (),
    index: EvalIndex | None = None,
    targets: dict[str, tuple[str, float]] = TARGETS,
) -> dict:
    """Run the gold questions of ``split`` in each mode (plus the baseline); returns the JSON-able result.

    ``resplits``: seeds of repeated random resplits; with ``split`` test or all, every item is run and
    each metric is also reported as mean ± sd over the test parts of those resplits (never with dev,
    so tuning on dev does not see test results). ``index``: an index opened by the caller (shared by
    several gold sets over the same corpus; the caller closes it); otherwise one is opened and closed here.
    """
    items = select_items(gold, split)
    pool = list(gold.items) if resplits and split != "dev" else items
    fixed = {i.id for i in items}
    styles = {i.id: i.style for i in items if i.style}
    own = index is None
    idx = open_index(settings, corpus, use_current, modes, tokenizer_config, progress) if own else index
    started = time.perf_counter()
    try:
        from kb_bot.index.store import IndexStore

        version = IndexStore(idx.settings.index_dir).open_current()
        passages = version.passages
        presence = _label_presence([p.label for p in passages], pool)
        warnings = list(gold.warnings) + idx.warnings
        missing = [g for g, ok in presence.items() if not ok]
        for g in missing:
            ids = ", ".join(i.id for i in pool if g in i.labels)
            warnings.append(f"正解ラベル「{g}」（{ids}）は索引のどのパッセージにも一致しません")

        runs = []
        dense_ok = version.dense_model is not None
        dense_why = (idx.info.get("dense_note") or "この索引には密ベクトルがありません").removeprefix("注意: ")
        for mode in modes:
            if mode != "lexical" and not dense_ok and "lexical" in modes:
                runs.append({"mode_requested": mode, "mode_used": None, "available": False,
                             "notice": f"{mode}: 測定できません — {dense_why}。語彙検索（lexical）の結果のみ有効です"})
                continue
            all_rows = evaluate_mode(idx.settings, pool, mode, progress, presence)
            rows = [r for r in all_rows if r["id"] in fixed]
            used = sorted({r["mode_used"] for r in rows})
            notice = ""
            if used != [mode]:
                notice = (f"{mode} を指定しましたが、密モデルが使えないため {'/'.join(used)} で検索しました"
                          f"（{dense_why}）。この結果は {'/'.join(used)} の数値です")
            summary = summarize(rows)
            if styles:
                summary["by_style"] = by_style(rows, styles)
            runs.append({"mode_requested": mode, "mode_used": "/".join(used), "available": True, "notice": notice,
                         "metrics": summary, "targets": target_checks(summary, targets),
                         "resplits": resplit_stats(all_rows, resplits) if pool is not items else None,
                         "items": rows})
        for run in runs:
            if run["notice"]:
                warnings.append(run["notice"])

        base = None
        if baseline:
            if idx.info["built_from"]:
                from kb_bot.evaluation.baseline import source_files

                files = source_files([Path(p) for p in idx.info["built_from"]])
                try:
                    base = evaluate_baseline(files, passages, pool, progress)
                except ValueError as e:
                    base = {"skipped": str(e)}
                else:
                    all_rows = base["items"]
                    base["items"] = [r for r in all_rows if r["id"] in fixed]
                    base["metrics"] = summarize(base["items"])
                    base["resplits"] = resplit_stats(all_rows, resplits) if pool is not items else None
            else:
                base = {"skipped": "運用中の索引を評価したため、元ファイルが分からずベースラインは省略しました（--corpus で指定）"}
        primary = next((r for r in runs if r["available"]), None)
        result = {
            "kb_bot_version": __version__,
            "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": command,
            "gold": {"path": gold.path, "sha1": gold.sha1, "split": split, "items": len(items),
                     "answerable": sum(i.answerable for i in items),
                     "categories": {c: sum(1 for i in items if i.category == c)
                                    for c in dict.fromkeys(i.category for i in items)},
                     "category_names": {c: category_name(c) for c in dict.fromkeys(i.category for i in items)}},
            "index": idx.info,
            "settings": {k: getattr(idx.settings, k) for k in
                         ("fusion", "rrf_k", "dense_weight", "dense_taper_from", "dense_taper_to", "ref_boost",
                          "abstain_threshold", "top_k")}
            | {"embed_model": idx.settings.embed_model},
            "runs": runs,
            "baseline": base,
            "ratio": ratios(primary["metrics"], base["metrics"]) if primary and base and "metrics" in base else None,
            "warnings": warnings,
            "seconds": round(time.perf_counter() - started, 1),
        }
    finally:
        if own:
            idx.close()
    return result
