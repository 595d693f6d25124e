"""Fit the confidence models (kb_bot/data/confidence.json) on the dev split: ``kb-bot eval --fit-confidence``.

For each mode, every dev question of every gold set goes through the real :class:`~kb_bot.search.Searcher`
on a fresh index of the corpus; its signals (kb_bot.confidence) and whether it is answerable are the
training rows. A logistic regression (scikit-learn, L2, standardised signals) is fitted on them; the
reference signals are kept non-negative. The abstention threshold is chosen on 5-fold cross-validated
confidences of the dev rows (not on the fitted ones, which flatter the model): the highest abstention
recall with at most ``MAX_WRONG`` wrong abstentions, the middle of the best plateau. Above it, the caution
bound marks answers 「根拠が弱い」: the highest confidence under which at most ``MAX_CAUTION`` of the answered
answerable dev questions fall (same cross-validated confidences); what matters is how many answered
unanswerable questions it catches.

Robustness: ``RESPLITS`` random halvings of dev — fit (and choose the threshold) on one half, score the
other — give the mean and spread of abstention recall and wrong abstentions. The test split is never read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb_bot.confidence import DEFAULT_PATH, FEATURES, NON_NEGATIVE, ConfidenceModel, feature, save_models
from kb_bot.evaluation.gold import GoldSet, shown_path
from kb_bot.settings import Settings

MAX_WRONG = 0.03
"""Largest share of answerable dev questions the chosen threshold may abstain on."""
MAX_CAUTION = 0.10
"""Largest share of the answered answerable dev questions the caution band may mark 「根拠が弱い」."""
RESPLITS = 20
THRESHOLDS = np.round(np.arange(0.02, 0.99, 0.01), 2)


def collect(settings: Settings, golds: Sequence[GoldSet], mode: str) -> list[dict]:
    """One row per dev question: its signals, answerability and whether a missing reference forces 0."""
    from kb_bot.search import Searcher

    searcher = Searcher(settings)
    rows = []
    for gold in golds:
        for item in gold.select("dev"):
            r = searcher.search(item.question, mode=mode)
            rows.append({"id": item.id, "gold": gold.path, "answerable": item.answerable, "mode_used": r.mode,
                         "signals": r.signals, "forced_zero": bool(r.missing_refs)})
    return rows


def _matrix(rows: Sequence[dict], features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[feature(r["signals"], f) for f in features] for r in rows], dtype=float)
    y = np.array([1 if r["answerable"] else 0 for r in rows])
    return x, y


def fit_model(rows: Sequence[dict], mode: str, threshold: float = 0.5) -> ConfidenceModel:
    """Logistic regression over the mode's signals; a reference coefficient fitted negative is dropped."""
    from sklearn.linear_model import LogisticRegression

    features = list(FEATURES[mode])
    x, y = _matrix(rows, features)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    active = list(range(len(features)))
    while True:
        clf = LogisticRegression(C=1.0, max_iter=1000).fit((x[:, active] - mean[active]) / scale[active], y)
        coef = dict(zip(active, clf.coef_[0], strict=True))
        negative = [i for i in active if features[i] in NON_NEGATIVE and coef[i] < 0]
        if not negative:
            break
        active = [i for i in active if i not in negative]
    return ConfidenceModel(mode, tuple(features), tuple(float(m) for m in mean), tuple(float(s) for s in scale),
                           tuple(float(coef.get(i, 0.0)) for i in range(len(features))),
                           float(clf.intercept_[0]), threshold)


def confidences(model: ConfidenceModel, rows: Sequence[dict]) -> np.ndarray:
    return np.array([0.0 if r["forced_zero"] else model.predict(r["signals"]) for r in rows])


def abstention(conf: np.ndarray, answerable: np.ndarray, threshold: float) -> dict:
    abstain = conf < threshold
    n_ans, n_un = int(answerable.sum()), int((~answerable).sum())
    return {"recall": float(abstain[~answerable].mean()) if n_un else None,
            "wrong_rate": float(abstain[answerable].mean()) if n_ans else None,
            "max_unanswerable_conf": float(conf[~answerable].max()) if n_un else None}


def choose_threshold(conf: np.ndarray, answerable: np.ndarray, max_wrong: float = MAX_WRONG) -> float:
    """Highest abstention recall with wrong abstentions ≤ ``max_wrong``; the middle of the best plateau."""
    scored = [(t, abstention(conf, answerable, t)) for t in THRESHOLDS]
    feasible = [(t, a["recall"] or 0.0) for t, a in scored if (a["wrong_rate"] or 0.0) <= max_wrong]
    if not feasible:
        return float(THRESHOLDS[0])
    best = max(r for _, r in feasible)
    plateau = [t for t, r in feasible if r == best]
    return float(plateau[len(plateau) // 2])


def choose_caution(conf: np.ndarray, answerable: np.ndarray, threshold: float,
                   max_share: float = MAX_CAUTION) -> float:
    """The highest bound at or above ``threshold`` under which at most ``max_share`` of the answered answerable
    questions fall (``threshold`` itself when none)."""
    answered_ok = conf[(conf >= threshold) & answerable]
    fits = [float(x) for x in THRESHOLDS if x >= threshold and (answered_ok < x).mean() <= max_share]
    return max(fits, default=threshold)


def caution(conf: np.ndarray, answerable: np.ndarray, threshold: float, bound: float) -> dict:
    """What the band [threshold, bound) marks: shares of the answered answerable and answered unanswerable
    questions, and of the unanswerable ones either refused or marked (``caught``)."""
    answered, weak = conf >= threshold, (conf >= threshold) & (conf < bound)
    un = ~answerable

    def share(part: np.ndarray, whole: np.ndarray) -> float | None:
        return float(part[whole].mean()) if whole.any() else None

    return {"answerable_marked": share(weak, answered & answerable), "unanswerable_marked": share(weak, answered & un),
            "caught": share(~answered | weak, un)}


def _stratified(rows: Sequence[dict], seed: int) -> list[int]:
    """Row positions shuffled, answerable and unanswerable interleaved, so every slice holds both."""
    rng = np.random.default_rng(seed)
    yes = list(rng.permutation([i for i, r in enumerate(rows) if r["answerable"]]))
    no = list(rng.permutation([i for i, r in enumerate(rows) if not r["answerable"]]))
    step = len(rows) / max(len(no), 1)
    out, slots = [], {round(k * step) for k in range(len(no))}
    for pos in range(len(rows)):
        out.append(no.pop() if pos in slots and no else yes.pop() if yes else no.pop())
    return [int(i) for i in out]


def cross_validated(rows: Sequence[dict], mode: str, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each row's confidence from a model fitted without its fold (folds stratified by answerability)."""
    order = _stratified(rows, seed)
    conf = np.zeros(len(rows))
    for f in range(folds):
        held = set(order[f::folds])
        model = fit_model([rows[i] for i in order if i not in held], mode)
        conf[sorted(held)] = confidences(model, [rows[i] for i in sorted(held)])
    return conf


TRADEOFF_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def tradeoff(conf: np.ndarray, answerable: np.ndarray) -> list[dict]:
    """Abstention recall and wrong abstentions at a few thresholds: what an office buys or pays when it sets
    ``KB_BOT_ABSTAIN_THRESHOLD`` above or below the fitted one."""
    return [{"threshold": t, **abstention(conf, answerable, t)} for t in TRADEOFF_THRESHOLDS]


def fit(rows: Sequence[dict], mode: str, max_wrong: float = MAX_WRONG, cv: np.ndarray | None = None) -> ConfidenceModel:
    """The model of ``rows``, its threshold and caution bound chosen on cross-validated confidences (``cv`` when
    already computed)."""
    answerable = np.array([r["answerable"] for r in rows])
    cv = cross_validated(rows, mode) if cv is None else cv
    threshold = choose_threshold(cv, answerable, max_wrong)
    return dataclasses.replace(fit_model(rows, mode, threshold), caution=choose_caution(cv, answerable, threshold))


def resplits(rows: Sequence[dict], mode: str, seeds: int = RESPLITS, max_wrong: float = MAX_WRONG) -> dict:
    """Fit on a random half of dev (threshold included), score the other half; mean and spread over seeds."""
    recall, wrong, top_un, caught = [], [], [], []
    for seed in range(seeds):
        order = _stratified(rows, 1000 + seed)
        train, held = [rows[i] for i in order[0::2]], [rows[i] for i in order[1::2]]
        model = fit(train, mode, max_wrong)
        conf, answerable = confidences(model, held), np.array([r["answerable"] for r in held])
        a = abstention(conf, answerable, model.threshold)
        recall.append(a["recall"] or 0.0)
        wrong.append(a["wrong_rate"] or 0.0)
        top_un.append(a["max_unanswerable_conf"] or 0.0)
        caught.append(caution(conf, answerable, model.threshold, model.caution or model.threshold)["caught"] or 0.0)

    def spread(xs: list[float]) -> dict:
        return {"mean": round(statistics.mean(xs), 3), "sd": round(statistics.pstdev(xs), 3),
                "min": round(min(xs), 3), "max": round(max(xs), 3)}

    return {"seeds": seeds, "abstention_recall": spread(recall), "wrong_abstention": spread(wrong),
            "max_unanswerable_confidence": spread(top_un), "caught": spread(caught)}


@dataclasses.dataclass(frozen=True)
class Source:
    """A gold set and the corpus its questions are asked of (the sample corpus, or the generated law set's)."""

    gold: GoldSet
    corpus: tuple[Path, ...]


def fit_confidence(settings: Settings, sources: Sequence[Source], modes: Sequence[str],
                   path: Path = DEFAULT_PATH, progress: bool = True) -> dict:
    """Fit one model per mode that can run here on the dev rows of every source (one index per corpus), save
    them to ``path``, and return what was measured."""
    from kb_bot.evaluation.runner import build_index

    report: dict = {"gold": [s.gold.path for s in sources], "split": "dev", "max_wrong": MAX_WRONG,
                    "max_caution": MAX_CAUTION, "models": {}}
    rows: dict[str, list[dict]] = {mode: [] for mode in modes}
    dense_model: dict[str, str | None] = {}
    for corpus in dict.fromkeys(s.corpus for s in sources):
        golds = [s.gold for s in sources if s.corpus == corpus]
        with build_index(settings, corpus, modes, progress=progress) as idx:
            for mode in modes:
                rows[mode] += collect(idx.settings, golds, mode)
                dense_model[mode] = idx.info.get("dense_model") or idx.info.get("dense_note")
    fitted: dict[str, ConfidenceModel] = {}
    for mode in modes:
        mode_rows = rows[mode]
        if any(r["mode_used"] != mode for r in mode_rows):
            report["models"][mode] = {"skipped": f"{mode} は使えません（密モデルなし: {dense_model[mode] or '—'}）"}
            continue
        answerable = np.array([r["answerable"] for r in mode_rows])
        cv = cross_validated(mode_rows, mode)  # chooses the threshold and the caution bound; the report reads it
        model = dataclasses.replace(
            fit(mode_rows, mode, cv=cv), fitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            fitted_on={"gold": [f"{s.gold.path} (sha1 {s.gold.sha1[:12]})" for s in sources], "split": "dev",
                       "items": len(mode_rows), "answerable": int(answerable.sum()),
                       "dense_model": dense_model[mode] if mode != "lexical" else None,
                       "corpus": sorted({shown_path(p) for s in sources for p in s.corpus})})
        fitted[mode] = model
        report["models"][mode] = {
            "features": dict(zip(model.features, (round(c, 3) for c in model.coef), strict=True)),
            "intercept": round(model.intercept, 3), "threshold": model.threshold,
            "dev_in_sample": abstention(confidences(model, mode_rows), answerable, model.threshold),
            "dev_cross_validated": abstention(cv, answerable, model.threshold),
            "by_gold": {g: abstention(confidences(model, rs), np.array([r["answerable"] for r in rs]), model.threshold)
                        for g in dict.fromkeys(r["gold"] for r in mode_rows)
                        for rs in [[r for r in mode_rows if r["gold"] == g]]},
            "resplits": resplits(mode_rows, mode), "items": len(mode_rows), "answerable": int(answerable.sum()),
            "tradeoff": tradeoff(cv, answerable), "caution": model.caution,
            "caution_cross_validated": caution(cv, answerable, model.threshold, model.caution),
        }
    if fitted:
        save_models(fitted, path)
    report["saved"] = str(path) if fitted else None
    return report


def markdown(report: dict) -> str:
    def f(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    lines = ["# 確信度モデルの学習（dev split のみ）", "",
             (f"正解データ: {', '.join(report['gold'])}。閾値は 5 分割交差検証の確信度で、誤って控えた率 ≤ "
              f"{report['max_wrong']:.0%} の範囲で控えた再現率が最大になる値（同率の範囲の中央）。"), ""]
    for mode, m in report["models"].items():
        lines.append(f"## {mode}")
        if "skipped" in m:
            lines += ["", m["skipped"], ""]
            continue
        rs = m["resplits"]
        lines += ["", f"dev {m['items']} 問（回答可能 {m['answerable']}）。係数（標準化後）: "
                  + "、".join(f"{k} {v}" for k, v in m["features"].items())
                  + f"、切片 {m['intercept']}、閾値 {m['threshold']}", "",
                  "| 測り方 | 控えた再現率 | 誤って控えた率 | 回答不能での最大確信度 |", "|---|---|---|---|"]
        rows = [("dev（学習に使った問題）", m["dev_in_sample"]), ("dev 5分割交差検証", m["dev_cross_validated"])]
        rows += [(f"dev のうち {g}（学習に使った問題）", a) for g, a in m["by_gold"].items()]
        for name, a in rows:
            lines.append(f"| {name} | {f(a['recall'])} | {f(a['wrong_rate'])} | {f(a['max_unanswerable_conf'])} |")
        lines.append(f"| dev を無作為に半分ずつ（{rs['seeds']} 回、平均 ± 標準偏差 [最小–最大]） | "
                     + " | ".join(f"{rs[k]['mean']} ± {rs[k]['sd']} [{rs[k]['min']}–{rs[k]['max']}]"
                                  for k in ("abstention_recall", "wrong_abstention", "max_unanswerable_confidence"))
                     + " |")
        lines += ["", "閾値を変えたとき（dev 5分割交差検証の確信度。KB_BOT_ABSTAIN_THRESHOLD で所内で選べる）:", "",
                  "| 閾値 | 控えた再現率 | 誤って控えた率 |", "|---|---|---|"]
        lines += [f"| {t['threshold']} | {f(t['recall'])} | {f(t['wrong_rate'])} |" for t in m["tradeoff"]]
        c = m["caution_cross_validated"]
        lines += ["", (f"「根拠が弱い」と表示する範囲: 確信度 {m['threshold']} 以上 {m['caution']} 未満（回答した回答可能な質問の "
                   f"{report['max_caution']:.0%} 以下になる最大の値。KB_BOT_CAUTION_THRESHOLD で所内で選べる）。dev 5分割交差検証で、回答した"
                   f"回答可能な質問のうち {f(c['answerable_marked'])}、回答した回答不能な質問のうち {f(c['unanswerable_marked'])} に"
                   f"表示し、回答不能な質問のうち控えたか表示したものは {f(c['caught'])}（dev を半分ずつ {rs['seeds']} 回: "
                   f"{rs['caught']['mean']} ± {rs['caught']['sd']}）。"), ""]
    lines.append(f"保存先: {report['saved'] or '（保存なし）'}")
    return "\n".join(lines) + "\n"
