"""The second blind set (eval/gold5-blind.jsonl): schema, test-only, the mix, new questions, labels that exist."""

from pathlib import Path

from kb_bot.evaluation.gold import GoldItem, load_gold
from tests.eval.gold_shape import (
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
    # spread over the whole corpus: laws, 施行規則, the three layers of 実施要領, both 問答集 chapters, every notice
    assert_labels_spread(its, ("生活保護法 ", "生活保護法施行規則", "次第", "局第", "課第", "問7-", "問13-", "問1-", "問3-",
                               "問5-", "問8-", "問11-", "国税徴収法", "地方自治法 ", "地方自治法施行令", "民法", "破産法",
                               "介護保険法", "年金時効特例法", "課税調査の徹底", "費用返還及び費用徴収決定の取扱い",
                               "法第77条の2及び第78条の2の事務取扱", "遺留金の処分及び弁済供託",
                               "介護保険料加算の認定及び保険者との連絡", "サンプル市福第201号", "サンプル市福第305号"), 120)


def test_gold5_questions_are_new():
    """No question repeats (or nearly repeats) one of the other four sets; only our own ids are reported."""
    assert_questions_are_new(items(), (i.question for name in OTHERS for i in load_gold(REPO / "eval" / name).items))


def test_default_eval_measures_the_second_blind_set_except_on_dev():
    from kb_bot.commands.evaluate import default_sets

    assert "gold5-blind" in [s.key for s in default_sets("test")]
    assert "gold5-blind" not in [s.key for s in default_sets("dev")]
