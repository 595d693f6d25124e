"""The tuning set (eval/gold4-dev.jsonl, two writers: ids NN < 71 and NN ≥ 71): schema, dev-only, the mix, new
questions, labels that exist."""

import re
from pathlib import Path

from kb_bot.evaluation.gold import GoldItem, load_gold
from tests.eval.gold_shape import MANY, assert_items_are_well_formed, assert_labels_spread, assert_mix

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
    assert_mix(its, min_per_category=30, unanswerable=(0.15, 0.25),
               styles={"cw": (140, 180), "case": (50, MANY), "short": (25, MANY), "exam": (15, MANY),
                       "false": (20, MANY), "oos": (35, MANY)})
    assert_labels_spread(its, ("国税徴収法", "地方自治法 ", "地方自治法施行令", "民法", "破産法", "年金時効特例法", "課税調査",
                               "返還金等の債権管理事務", "遺留金の処分及び弁済供託", "介護保険法", "生活保護法施行規則",
                               "介護保険料加算の認定及び保険者との連絡", "法第77条の2及び第78条の2の事務取扱",
                               "費用返還及び費用徴収決定の取扱い", "問7-", "問13-", "次第", "局第", "課第"), 150)


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
