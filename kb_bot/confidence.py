"""Calibrated confidence: a small logistic model over retrieval signals, one per retrieval mode.

The signals (computed by :class:`kb_bot.search.Searcher` for every question):

- ``coverage`` — share of the question's weight (idf) found in the best of the top 3 passages;
- ``bm25_ratio`` — the top BM25 score over the question's self-score (what a passage holding each of the
  question's words once, at average length, would score), capped at 2;
- ``unknown_share`` — share of the question's weight carried by words and word pairs found in no passage;
- ``length`` — log(1 + the number of distinct words of the question): a long case description covers less
  of itself in any one passage than a short question does;
- ``ref_matched`` — 1 when a reference in the question (第63条, 問13-5) names passages of the index;
- ``ref_subject`` — ``ref_matched`` × how much of the question the references are (1 when they are its
  subject, small when one is mentioned in passing);
- ``asked_number_missing`` — 1 when the question asks for a number (いくら → yen, 何年, 何日, 何%, 何人 …) that
  none of the top 3 passages states: a near-domain question whose words the corpus shares (葬祭扶助の基準額)
  but whose answer it does not hold;
- ``phrase_missing`` — share of the question's noun phrases (runs of 3+ kanji/katakana: 所得制限限度額) that
  none of the top 3 passages holds verbatim;
- ``dense_max`` — the best cosine of the dense retriever (hybrid only);
- ``agreement`` — share of the lexical top 5 that is also in the dense top 5 (hybrid only).

The models read ``coverage`` and ``bm25_ratio`` on a log scale (``log_coverage``, ``log_bm25_ratio``, see
:func:`feature`): a passage covering 5% of a long question against one covering 15% is a larger difference in
evidence than 75% against 85%, and the linear signals let a long question's length outweigh a near-zero cover.
A question with a weak key signal — it asks for a number no top passage states, almost none of its noun
phrases is in the top passages, or they cover under :data:`WEAK_COVERAGE` of it — gets at most
:data:`WEAK_CEILING`.

The models are data (``kb_bot/data/confidence.json``: features, standardisation, coefficients, threshold,
what they were fitted on and when), fitted on the dev split by ``kb-bot eval --fit-confidence``
(:mod:`kb_bot.evaluation.calibrate`) and loaded once. The reference coefficients are fitted non-negative, so
a matched reference raises the confidence; it is capped at :data:`CEILING`, never 1.0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from kb_bot.errors import UserError

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "confidence.json"
FEATURES = {
    "lexical": ("log_coverage", "log_bm25_ratio", "unknown_share", "length", "ref_matched", "ref_subject",
                "asked_number_missing", "phrase_missing"),
    "hybrid": ("log_coverage", "log_bm25_ratio", "unknown_share", "length", "ref_matched", "ref_subject",
               "asked_number_missing", "phrase_missing", "dense_max", "agreement"),
}
"""The signals each mode's model reads (``dense`` mode uses the hybrid model)."""
CEILING = 0.99
"""The most confidence any answer gets: a retrieved passage is evidence, never certainty."""
WEAK_CEILING = 0.85
"""The most confidence an answer gets when a key signal is weak (:func:`weak_signal`)."""
WEAK_COVERAGE = 0.3
"""A best passage holding less than this share of the question's weight is no ground for near-certainty: long
out-of-scope cases (a 介護保険 給付制限 question told at length) reached 0.9 on their length alone. The ceiling
only lowers the confidence shown; the abstention threshold (about 0.5) lies below it."""
NON_NEGATIVE = ("ref_matched", "ref_subject")
"""Signals whose coefficient may not be negative: a matched reference never lowers the confidence."""


LOG_OF = {"log_coverage": "coverage", "log_bm25_ratio": "bm25_ratio"}
"""Model features that are a signal on a log scale: log(0.02 + the signal)."""


def feature(signals: Mapping[str, float], name: str) -> float:
    """The value of model feature ``name`` for ``signals`` (a signal, or a signal on a log scale)."""
    if name in LOG_OF:
        return math.log(0.02 + signals.get(LOG_OF[name], 0.0))
    return signals.get(name, 0.0)


def weak_signal(signals: Mapping[str, float]) -> bool:
    """A key signal says the top passages hardly hold the question: the asked number is missing, ≥ 85% of its
    noun phrases are missing, or the best passage covers under :data:`WEAK_COVERAGE` of its weight."""
    return (signals.get("asked_number_missing", 0.0) >= 1.0 or signals.get("phrase_missing", 0.0) >= 0.85
            or signals.get("coverage", 1.0) < WEAK_COVERAGE)


class ConfidenceModelMissing(UserError):
    """No usable confidence model file; the message says how to make one."""


@dataclass(frozen=True)
class ConfidenceModel:
    mode: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    """Below this confidence the answer abstains (chosen on dev: see kb_bot.evaluation.calibrate)."""
    fitted_on: dict = field(default_factory=dict)
    fitted_at: str = ""
    caution: float | None = None
    """Below this confidence (and at or above :attr:`threshold`) an answer is shown as resting on a weak basis
    (chosen on dev, see kb_bot.evaluation.calibrate); None in a file fitted before it existed: no band."""

    def predict(self, signals: Mapping[str, float]) -> float:
        z = self.intercept + sum(c * (feature(signals, f) - m) / s
                                 for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True))
        ceiling = WEAK_CEILING if weak_signal(signals) else CEILING
        return min(ceiling, 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ConfidenceModel:
        caution = d.get("caution")
        return cls(d["mode"], tuple(d["features"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]),
                   float(d["intercept"]), float(d["threshold"]), dict(d.get("fitted_on", {})), d.get("fitted_at", ""),
                   None if caution is None else float(caution))


@cache
def load_models(path: Path = DEFAULT_PATH) -> dict[str, ConfidenceModel]:
    """The models in ``path`` by mode (read once per path)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {mode: ConfidenceModel.from_dict(m) for mode, m in data["models"].items()}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfidenceModelMissing(
            f"確信度モデル {path} を読み込めません（{e}）。kb-bot eval --fit-confidence で作り直してください") from e


def model_for(mode: str, path: Path = DEFAULT_PATH) -> ConfidenceModel:
    """The model of ``mode``; hybrid and dense fall back to the lexical model until a hybrid one is fitted
    (their signals include the lexical ones)."""
    models = load_models(path)
    if mode != "lexical" and "hybrid" in models:
        return models["hybrid"]
    return models["lexical"]


def save_models(models: Mapping[str, ConfidenceModel], path: Path = DEFAULT_PATH) -> None:
    """Write ``models``, keeping the file's models of other modes; the next :func:`load_models` re-reads."""
    try:
        kept = dict(load_models(path))
    except ConfidenceModelMissing:
        kept = {}
    kept.update(models)
    data = {"format": 1, "note": "kb-bot eval --fit-confidence で作成（dev split のみで学習）",
            "models": {mode: m.to_dict() for mode, m in sorted(kept.items())}}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    load_models.cache_clear()
