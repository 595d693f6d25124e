"""The third tuning set (eval/gold6-dev.jsonl, six blind writers): schema, dev-only, the mix, new questions, labels
spread over the corpus (that every label names a passage is checked in test_gold_labels.py)."""

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
GOLD6 = REPO / "eval" / "gold6-dev.jsonl"
OTHERS = ("gold.jsonl", "gold2.jsonl", "gold3-blind.jsonl", "gold4-dev.jsonl", "gold5-blind.jsonl")


def items() -> list[GoldItem]:
    return load_gold(GOLD6).items


def test_gold6_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) == 200
    assert_items_are_well_formed(its, "g6", "dev")
    assert all(8 <= len(i.question) <= 300 for i in its)


def test_gold6_mix_of_topics_and_ways_of_asking():
    its = items()
    assert_mix(its, min_per_category=22, unanswerable=(0.24, 0.26),
               styles={"cw": (90, 105), "case": (30, MANY), "short": (15, MANY), "exam": (8, MANY),
                       "false": (14, MANY), "oos": (20, MANY)})
    cats = Counter(i.category for i in its)
    assert cats["63_78"] >= 30 and cats["jiritsu"] >= 22 and cats["claims"] >= 35, cats
    assert cats["kaigo_shinkoku"] >= 25 and cats["other"] >= 30 and 48 <= cats["unanswerable"] <= 52, cats
    false = [i for i in its if i.style == "false"]
    assert sum(i.answerable for i in false) >= 7 and sum(not i.answerable for i in false) >= 7
    assert_labels_spread(its, CORPUS_PARTS, 250)  # spread over the whole corpus


def test_gold6_uses_the_claims_notice_in_force_where_the_two_differ():
    assert_claims_notice_in_force_where_the_two_differ(items())


def test_gold6_questions_are_new():
    """No question repeats (or nearly repeats) one of the other five sets; only our own ids are reported."""
    assert_questions_are_new(items(), (i.question for name in OTHERS for i in load_gold(REPO / "eval" / name).items))


def test_default_eval_measures_the_third_tuning_set_except_on_test():
    from kb_bot.commands.evaluate import default_sets

    assert "gold6-dev" in [s.key for s in default_sets("dev")]
    assert "gold6-dev" not in [s.key for s in default_sets("test")]
