"""The second blind set (eval/gold5-blind.jsonl): schema, test-only, the mix, new questions, labels that exist."""

from pathlib import Path

from kb_bot.evaluation.gold import GoldItem, load_gold
from tests.eval.gold_shape import (
    CORPUS_PARTS,
    MANY,
    assert_items_are_well_formed,
    assert_labels_spread,
    assert_mix,
    assert_questions_are_new,
)

REPO = Path(__file__).resolve().parents[2]
GOLD5 = REPO / "eval" / "gold5-blind.jsonl"
OTHERS = ("gold.jsonl", "gold2.jsonl", "gold3-blind.jsonl", "gold4-dev.jsonl")


def items() -> list[GoldItem]:
    return load_gold(GOLD5).items


def test_gold5_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) == 160
    assert_items_are_well_formed(its, "g5", "test")
    assert all(8 <= len(i.question) <= 300 for i in its)


def test_gold5_mix_of_topics_and_ways_of_asking():
    its = items()
    assert_mix(its, min_per_category=15, unanswerable=(0.22, 0.28),
               styles={"cw": (75, 95), "case": (20, MANY), "short": (12, MANY), "exam": (6, MANY),
                       "false": (10, MANY), "oos": (12, MANY)})
    assert_labels_spread(its, CORPUS_PARTS, 120)  # spread over the whole corpus


def test_gold5_questions_are_new():
    """No question repeats (or nearly repeats) one of the other four sets; only our own ids are reported."""
    assert_questions_are_new(items(), (i.question for name in OTHERS for i in load_gold(REPO / "eval" / name).items))


def test_default_eval_measures_the_second_blind_set_except_on_dev():
    from kb_bot.commands.evaluate import default_sets

    assert "gold5-blind" in [s.key for s in default_sets("test")]
    assert "gold5-blind" not in [s.key for s in default_sets("dev")]
