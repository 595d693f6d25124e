"""The blind set (eval/gold3-blind.jsonl): schema, test-only, new questions, labels that exist, default runs."""

from collections import Counter
from pathlib import Path

from kb_bot.commands.evaluate import default_sets
from kb_bot.evaluation.gold import CATEGORIES, STYLES, GoldItem, load_gold
from tests.eval.gold_shape import assert_items_are_well_formed

REPO = Path(__file__).resolve().parents[2]
GOLD3 = REPO / "eval" / "gold3-blind.jsonl"


def items() -> list[GoldItem]:
    return load_gold(GOLD3).items


def test_gold3_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) >= 90
    assert_items_are_well_formed(its, "g3", "test")


def test_gold3_mix_of_topics_and_ways_of_asking():
    its = items()
    assert set(Counter(i.category for i in its)) == set(CATEGORIES)
    assert set(Counter(i.style for i in its)) == set(STYLES)
    unanswerable = sum(not i.answerable for i in its) / len(its)
    assert 0.15 <= unanswerable <= 0.25, unanswerable
    false = [i for i in its if i.style == "false"]
    assert sum(i.answerable for i in false) >= 5 and sum(not i.answerable for i in false) >= 5
    # the issue 10 additions are asked about: 遺留金/供託 notice, 高校生の収入, 78条の加算の日付, 63条の上限
    labels = {lab for i in its for lab in i.labels}
    assert any("遺留金の処分及び弁済供託" in lab for lab in labels)
    assert {"問13-33", "問13-34", "問13-37", "問13-38", "問13-39", "問13-40", "問13-41"} <= labels


def test_gold3_questions_are_new():
    others = {i.question for name in ("gold.jsonl", "gold2.jsonl") for i in load_gold(REPO / "eval" / name).items}
    its = items()
    assert len({i.question for i in its}) == len(its)
    assert not others & {i.question for i in its}


def test_default_eval_measures_the_blind_set_except_on_dev():
    assert "gold3-blind" in [s.key for s in default_sets("test")]
    assert "gold3-blind" in [s.key for s in default_sets("all")]
    dev = [s.key for s in default_sets("dev")]
    assert "gold3-blind" not in dev and {"gold", "gold2"} <= set(dev)
