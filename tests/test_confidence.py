"""The confidence model: persisted as data and loaded, fitted on dev rows, a matched reference raises it
without saturating it, and fitting on a gold set's dev split saves a model with what it was fitted on."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from kb_bot.confidence import (
    CEILING,
    FEATURES,
    WEAK_CEILING,
    ConfidenceModelMissing,
    feature,
    load_models,
    model_for,
    save_models,
)
from kb_bot.errors import UserError
from kb_bot.evaluation.calibrate import caution, choose_caution, fit, fit_model
from kb_bot.search import Searcher


@pytest.fixture
def indexed(settings, mini_corpus):  # the mini corpus indexed under a temporary home
    from ingest.pipeline import ingest

    ingest(mini_corpus, settings, progress=False)
    return settings


TYPICAL = {"coverage": 0.35, "bm25_ratio": 0.3, "unknown_share": 0.4, "ref_matched": 0.0, "ref_subject": 0.0}


def rows(n: int = 40) -> list[dict]:
    """Answerable rows cover the question well, unanswerable ones do not; every 4th has a matched reference
    and is unanswerable (so an unconstrained fit would learn a negative reference coefficient)."""
    out = []
    for i in range(n):
        answerable = i % 4 != 3
        cov = 0.2 + 0.6 * ((i * 7) % 10) / 10 if answerable else 0.1 + 0.3 * ((i * 3) % 10) / 10
        ref = 1.0 if i % 4 == 3 else 0.0
        out.append({"answerable": answerable, "forced_zero": False,
                    "signals": {"coverage": cov, "bm25_ratio": cov / 2, "unknown_share": 1 - cov,
                                "ref_matched": ref, "ref_subject": ref}})
    return out


def test_the_shipped_models_are_fitted_on_dev_and_load() -> None:
    for mode in ("lexical", "hybrid"):
        m = model_for(mode)
        assert set(m.features) <= set(FEATURES["hybrid"])
        assert 0.0 < m.threshold < 1.0
        assert m.caution is not None and m.threshold <= m.caution < WEAK_CEILING
        assert m.fitted_on["split"] == "dev" and m.fitted_on["answerable"] < m.fitted_on["items"]
        assert m.fitted_at
        assert not any(c.startswith("/") for c in m.fitted_on["corpus"]), "the shipped file names no machine's paths"
    assert model_for("lexical").features == FEATURES["lexical"]


def test_a_matched_reference_raises_confidence_but_never_to_one() -> None:
    for mode in ("lexical", "hybrid"):
        m = model_for(mode)
        base = {**TYPICAL, "dense_max": 0.5, "agreement": 0.4}
        with_ref = {**base, "ref_matched": 1.0, "ref_subject": 1.0}
        assert m.predict(base) < m.predict(with_ref) <= CEILING
        in_passing = {**base, "ref_matched": 1.0, "ref_subject": 0.1}
        assert m.predict(in_passing) <= m.predict(with_ref)
        perfect = {"coverage": 1.0, "bm25_ratio": 2.0, "unknown_share": 0.0, "ref_matched": 1.0, "ref_subject": 1.0,
                   "dense_max": 1.0, "agreement": 1.0}
        assert m.predict(perfect) == CEILING < 1.0


def test_coverage_and_bm25_ratio_are_read_on_a_log_scale() -> None:
    low, lower = {"coverage": 0.15, "bm25_ratio": 0.15}, {"coverage": 0.05, "bm25_ratio": 0.05}
    high, lower_high = {"coverage": 0.85, "bm25_ratio": 0.85}, {"coverage": 0.75, "bm25_ratio": 0.75}
    for name in ("log_coverage", "log_bm25_ratio"):
        # the same 0.1 apart weighs far more near zero than near one
        assert feature(low, name) - feature(lower, name) > 3 * (feature(high, name) - feature(lower_high, name))
    assert feature({"coverage": 0.0}, "log_coverage") < feature({"coverage": 0.01}, "log_coverage")  # finite at 0
    assert feature({"length": 2.5}, "length") == 2.5


@pytest.mark.parametrize("weak", [{"asked_number_missing": 1.0}, {"phrase_missing": 0.9}, {"coverage": 0.25}])
def test_a_weak_key_signal_caps_the_confidence(weak: dict) -> None:
    for mode in ("lexical", "hybrid"):
        m = model_for(mode)
        strong = {"coverage": 0.9, "bm25_ratio": 2.0, "unknown_share": 0.0, "length": 3.0, "ref_matched": 1.0,
                  "ref_subject": 1.0, "asked_number_missing": 0.0, "phrase_missing": 0.0, "dense_max": 0.9,
                  "agreement": 1.0}
        assert m.predict(strong) > WEAK_CEILING
        assert m.threshold < m.predict({**strong, **weak}) <= WEAK_CEILING  # still answered, never highly confident


def test_reference_coefficients_are_fitted_non_negative() -> None:
    m = fit_model(rows(), "lexical")
    coef = dict(zip(m.features, m.coef, strict=True))
    assert coef["ref_matched"] >= 0 and coef["ref_subject"] >= 0
    assert coef["log_coverage"] > 0


def test_models_are_saved_as_data_and_loaded(tmp_path: Path) -> None:
    path = tmp_path / "confidence.json"
    lexical = fit(rows(), "lexical")
    save_models({"lexical": lexical}, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["models"]["lexical"]["features"] == list(FEATURES["lexical"])
    assert load_models(path)["lexical"] == lexical
    assert load_models(path)["lexical"].predict(TYPICAL) == lexical.predict(TYPICAL)
    # saving another mode keeps the first
    hybrid_rows = [{**r, "signals": {**r["signals"], "dense_max": 0.5, "agreement": 0.2}} for r in rows()]
    save_models({"hybrid": fit(hybrid_rows, "hybrid")}, path)
    assert set(load_models(path)) == {"lexical", "hybrid"}
    assert model_for("dense", path).mode == "hybrid"


def test_a_model_file_from_before_the_caution_band_loads_without_one(tmp_path: Path) -> None:
    path = tmp_path / "confidence.json"
    save_models({"lexical": fit(rows(), "lexical")}, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["models"]["lexical"]["caution"]
    path.write_text(json.dumps(data), encoding="utf-8")
    load_models.cache_clear()
    assert load_models(path)["lexical"].caution is None


def test_the_caution_bound_marks_at_most_the_allowed_share_of_answered_questions() -> None:
    import numpy as np

    conf = np.array([0.3, 0.55, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.97, 0.99, 0.4, 0.6, 0.65, 0.85])
    answerable = np.array([True] * 10 + [False] * 4)
    # answered answerable (≥ 0.5): 0.55 … 0.99, nine of them; a quarter may be marked, so 2: 0.55 and 0.6
    bound = choose_caution(conf, answerable, 0.5, max_share=0.25)
    assert bound == 0.7
    c = caution(conf, answerable, 0.5, bound)
    assert c["answerable_marked"] == 2 / 9
    assert c["unanswerable_marked"] == 2 / 3  # 0.6 and 0.65 of 0.6, 0.65, 0.85
    assert c["caught"] == 3 / 4  # 0.4 refused, 0.6 and 0.65 marked, 0.85 neither
    assert choose_caution(conf, answerable, 0.5, max_share=0.0) == 0.55  # nothing may be marked: the band is empty


def test_a_missing_model_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfidenceModelMissing, match="--fit-confidence") as e:
        load_models(tmp_path / "none.json")
    assert isinstance(e.value, UserError)


def test_search_confidence_with_a_matched_reference(indexed) -> None:
    s = Searcher(indexed)
    named = s.search("63条と78条の違いは")
    assert named.signals["ref_matched"] == 1.0 and named.signals["ref_subject"] == 1.0
    assert 0.5 < named.confidence < 1.0
    missing = s.search("生活保護法第150条の手続は")
    assert missing.abstained and missing.confidence == 0.0 and "第150条" in missing.reason
    # one reference found, the one the question rests on not: still no answer, and the reason names it
    partly = s.search("法第63条の3で、63条の返還金には延滞金を取らないとされているのはなぜ？")
    assert partly.missing_refs == ["生活保護法 第63条の3"] and partly.abstained and partly.confidence == 0.0
    assert "第63条の3" in partly.reason and "第63条 " not in partly.reason
    # a notice number mentioned beside a found reference decides nothing: a notice not ingested is no wrong number
    passing = s.search("平成24年7月23日付け社援保発0723第1号により返還額を決めた。63条と78条の違いは")
    assert passing.missing_refs == [] and "取り込まれた資料" not in passing.reason


def test_an_article_of_the_law_named_earlier_is_found_not_reported_missing(settings, tmp_path) -> None:
    from ingest.pipeline import ingest
    from tests.fixtures.core import MINI_CORPUS, write_corpus

    rei = {
        "notices/manifest.toml": 'collection = "notices"\n[[document]]\nfile = "rei.md"\nkind = "law"\n'
                                 'title = "地方自治法施行令"\n',
        "notices/rei.md": "## 地方自治法施行令\n### 第171条の6（履行延期の特約）\n"
                          "債務者が無資力に近いときは、履行期限を延長する特約をすることができる。\n",
    }
    ingest(write_corpus(tmp_path / "src", {**MINI_CORPUS, **rei}), settings, progress=False)
    s = Searcher(settings)
    r = s.search("地方自治法施行令の債権管理の条文のうち、第171条の6は何を定めているか")
    assert r.refs == ["地方自治法施行令 第171条の6"] and r.missing_refs == [] and not r.abstained
    assert r.hits[0].passage.label == "地方自治法施行令 第171条の6"
    # 生活保護法 holds 第63条: named after 地方自治法施行令, it is still 生活保護法's
    assert s.search("地方自治法施行令とは別に、63条の返還額はどう決める").refs == ["生活保護法 第63条"]


def test_a_question_asking_for_a_number_the_passages_do_not_state_lowers_confidence(indexed) -> None:
    s = Searcher(indexed)
    stated = s.search("不正受給の徴収金に加算する割合は何割？")  # 第78条 states 百分の四十
    assert stated.hits[0].passage.label == "生活保護法 第78条"
    assert stated.signals["asked_number_missing"] == 0.0
    unstated = s.search("不正受給の徴収金に加算する額はいくら？")  # the same article states no amount in yen
    assert unstated.hits[0].passage.label == "生活保護法 第78条"
    assert unstated.signals["asked_number_missing"] == 1.0
    for mode in ("lexical", "hybrid"):  # the same signals otherwise: the shipped models count it against
        m = model_for(mode)
        assert m.predict(unstated.signals) < m.predict({**unstated.signals, "asked_number_missing": 0.0})


def test_noun_phrases_the_passages_lack_count_against_the_answer(indexed) -> None:
    s = Searcher(indexed)
    held = s.search("保護金品に相当する額の範囲")
    assert held.signals["phrase_missing"] == 0.0
    other = s.search("児童扶養手当の所得制限の範囲")
    assert other.signals["phrase_missing"] == 1.0
    for mode in ("lexical", "hybrid"):
        m = model_for(mode)
        assert m.predict(other.signals) < m.predict({**other.signals, "phrase_missing": 0.0})


GOLD = [
    ("a1", "63条と78条の違いは", ["生活保護法 第63条"]),
    ("a2", "自立更正費で冷蔵庫を買った分は引けるか", ["問13-5"]),
    ("a3", "保険金を申告せずに使ってしまった", ["問13-21"]),
    ("a4", "資産と能力の活用は保護の要件か", ["生活保護法 第4条"]),
    ("a5", "不正な手段で受けた保護費の徴収", ["生活保護法 第78条"]),
    ("a6", "保護金品の交付の際に徴収金を差し引く申出", ["生活保護法 第78条の2"]),
    ("a7", "返還額から家電の購入費を控除できるか", ["問13-5"]),
    ("a8", "急迫の場合に資力があったときの返還", ["生活保護法 第63条"]),
    ("a9", "不正受給の徴収額に上乗せはあるか", ["生活保護法 第78条"]),
    ("a10", "保険金の受領から発覚までの保護費の扱い", ["問13-21"]),
    ("u1", "道路交通法の反則金の納付期限はいつまでか", []),
    ("u2", "児童手当の支給月はいつか", []),
    ("u3", "マイナンバーカードの更新手続", []),
    ("u4", "介護タクシーの運賃の上限はいくらか", []),
    ("u5", "国民年金の保険料免除の申請先", []),
]


def test_fit_confidence_saves_what_it_was_fitted_on(settings, mini_corpus, tmp_path: Path) -> None:
    from kb_bot.evaluation.calibrate import Source, fit_confidence, markdown
    from kb_bot.evaluation.gold import load_gold

    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": i, "question": q, "labels": labels, "category": "x",
                                        "answerable": bool(labels), "split": "dev"}, ensure_ascii=False) + "\n"
                            for i, q, labels in GOLD), encoding="utf-8")
    path = tmp_path / "confidence.json"
    report = fit_confidence(settings, [Source(load_gold(gold), tuple(mini_corpus))], ["lexical", "hybrid"], path=path,
                            progress=False)
    assert report["saved"] == str(path)
    assert "skipped" in report["models"]["hybrid"]  # no dense model in this test environment
    lexical = report["models"]["lexical"]
    assert lexical["items"] == 15 and lexical["answerable"] == 10
    assert lexical["resplits"]["seeds"] == 20
    assert set(lexical["by_gold"]) == {str(gold)}
    saved = load_models(path)["lexical"]
    assert saved.fitted_on["items"] == 15 and saved.threshold == lexical["threshold"]
    # the trade-off table: a higher threshold never abstains less, on either side
    curve = lexical["tradeoff"]
    assert [t["threshold"] for t in curve] == sorted(t["threshold"] for t in curve)
    for lower, higher in itertools.pairwise(curve):
        assert higher["recall"] >= lower["recall"] and higher["wrong_rate"] >= lower["wrong_rate"]
    assert "KB_BOT_ABSTAIN_THRESHOLD" in markdown(report)
    assert saved.caution == lexical["caution"] >= saved.threshold and "KB_BOT_CAUTION_THRESHOLD" in markdown(report)
