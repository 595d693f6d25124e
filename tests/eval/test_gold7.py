"""The third blind set (eval/gold7-blind.jsonl, six more blind writers): schema, test-only, the mix, new questions,
labels spread over the corpus (that every label names a passage is checked in test_gold_labels.py)."""

from collections import Counter
from pathlib import Path

from kb_bot.evaluation.gold import GoldItem, load_gold
from tests.eval.gold_shape import (
    CORPUS_PARTS,
    MANY,
    assert_claims_notice_in_force_where_the_two_differ,
    assert_items_are_well_formed,
    assert_labels_spread,
    assert_mix,
    assert_questions_are_new,
)

REPO = Path(__file__).resolve().parents[2]
GOLD7 = REPO / "eval" / "gold7-blind.jsonl"
OTHERS = ("gold.jsonl", "gold2.jsonl", "gold3-blind.jsonl", "gold4-dev.jsonl", "gold5-blind.jsonl", "gold6-dev.jsonl")


def items() -> list[GoldItem]:
    return load_gold(GOLD7).items


def test_gold7_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) == 160
    assert_items_are_well_formed(its, "g7", "test")
    assert all(8 <= len(i.question) <= 300 for i in its)


def test_gold7_mix_of_topics_and_ways_of_asking():
    its = items()
    assert_mix(its, min_per_category=18, unanswerable=(0.24, 0.26),
               styles={"cw": (70, 90), "case": (25, MANY), "short": (12, MANY), "exam": (8, MANY),
                       "false": (12, MANY), "oos": (15, MANY)})
    cats = Counter(i.category for i in its)
    assert cats["63_78"] >= 24 and cats["jiritsu"] >= 18 and cats["claims"] >= 26, cats
    assert cats["kaigo_shinkoku"] >= 20 and cats["other"] >= 24 and 38 <= cats["unanswerable"] <= 42, cats
    false = [i for i in its if i.style == "false"]
    assert sum(i.answerable for i in false) >= 6 and sum(not i.answerable for i in false) >= 6
    assert_labels_spread(its, CORPUS_PARTS, 200)


def test_gold7_uses_the_claims_notice_in_force_where_the_two_differ():
    assert_claims_notice_in_force_where_the_two_differ(items())


def test_gold7_questions_are_new():
    """No question repeats (or nearly repeats) one of the other six sets; only our own ids are reported."""
    assert_questions_are_new(items(), (i.question for name in OTHERS for i in load_gold(REPO / "eval" / name).items))


def test_default_eval_measures_the_third_blind_set_except_on_dev():
    from kb_bot.commands.evaluate import default_sets

    assert "gold7-blind" in [s.key for s in default_sets("test")]
    assert "gold7-blind" not in [s.key for s in default_sets("dev")]
