"""The tuning set (eval/gold4-dev.jsonl, two writers: ids NN < 71 and NN ≥ 71): schema, dev-only, the mix, new
questions, labels that exist."""

import re
from collections import Counter
from pathlib import Path

from kb_bot.evaluation.gold import CATEGORIES, STYLES, GoldItem, load_gold
from tests.eval.gold_shape import assert_items_are_well_formed

REPO = Path(__file__).resolve().parents[2]
GOLD4 = REPO / "eval" / "gold4-dev.jsonl"
OTHERS = ("gold.jsonl", "gold2.jsonl", "gold3-blind.jsonl")


def items() -> list[GoldItem]:
    return load_gold(GOLD4).items


def test_gold4_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) == 330
    assert sum(int(i.id.rsplit("-", 1)[1]) >= 71 for i in its) == 130  # the second writer's part
    assert_items_are_well_formed(its, "g4", "dev")
    assert all(2 <= len(i.question) <= 300 for i in its)


def test_gold4_mix_of_topics_and_ways_of_asking():
    its = items()
    cats = Counter(i.category for i in its)
    styles = Counter(i.style for i in its)
    assert set(cats) == set(CATEGORIES) and min(cats.values()) >= 30, cats
    assert set(styles) == set(STYLES), styles
    assert 140 <= styles["cw"] <= 180 and styles["case"] >= 50 and styles["short"] >= 25, styles
    assert styles["exam"] >= 15 and styles["false"] >= 20 and styles["oos"] >= 35, styles
    unanswerable = sum(not i.answerable for i in its) / len(its)
    assert 0.15 <= unanswerable <= 0.25, unanswerable
    false = [i for i in its if i.style == "false"]
    assert sum(i.answerable for i in false) >= 5 and sum(not i.answerable for i in false) >= 5
    # spread over the whole corpus, not only the famous passages
    labels = {lab for i in its for lab in i.labels}
    for needle in ("国税徴収法", "地方自治法 ", "地方自治法施行令", "民法", "破産法", "年金時効特例法", "課税調査",
                   "返還金等の債権管理事務", "遺留金の処分及び弁済供託", "介護保険法", "生活保護法施行規則",
                   "介護保険料加算の認定及び保険者との連絡", "法第77条の2及び第78条の2の事務取扱",
                   "費用返還及び費用徴収決定の取扱い", "問7-", "問13-", "次第", "局第", "課第"):
        assert any(lab.startswith(needle) or needle in lab for lab in labels), needle
    assert len(labels) >= 150, len(labels)


def test_gold4_questions_are_new():
    others = {i.question for name in OTHERS for i in load_gold(REPO / "eval" / name).items}
    norm = lambda q: re.sub(r"[\s、。？?！!「」（）()・]", "", q)  # noqa: E731
    its = items()
    assert len({norm(i.question) for i in its}) == len(its)
    assert not {norm(q) for q in others} & {norm(i.question) for i in its}


def test_default_eval_measures_the_tuning_set_except_on_test():
    from kb_bot.commands.evaluate import default_sets

    assert "gold4-dev" in [s.key for s in default_sets("dev")]
    assert "gold4-dev" in [s.key for s in default_sets("all")]
    assert "gold4-dev" not in [s.key for s in default_sets("test")]
