"""The tuning set, second part (eval/gold4b-dev.jsonl): schema, dev-only, mix, new questions, labels that exist."""

import re
from collections import Counter
from pathlib import Path

from kb_bot.evaluation.gold import CATEGORIES, STYLES, GoldItem, load_gold
from kb_bot.refs import label_matches

REPO = Path(__file__).resolve().parents[2]
GOLD4B = REPO / "eval" / "gold4b-dev.jsonl"
OWN_ID = re.compile(r"^g4-(?P<cat>[a-z0-9_]+)-(?P<num>\d{2,3})$")
OTHER_SETS = ("gold.jsonl", "gold2.jsonl", "gold3-blind.jsonl")


def items() -> list[GoldItem]:
    return load_gold(GOLD4B).items


def test_gold4b_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) == 130
    assert len({i.id for i in its}) == len(its)
    numbers: dict[str, list[int]] = {}
    for i in its:
        assert i.split == "dev", i.id
        m = OWN_ID.match(i.id)
        assert m and m["cat"] == i.category, i.id
        numbers.setdefault(i.category, []).append(int(m["num"]))
        assert i.category in CATEGORIES and i.style in STYLES, i.id
        assert i.answerable == (i.category != "unanswerable"), i.id
        assert bool(i.labels) == i.answerable, i.id
        assert len(set(i.labels)) == len(i.labels), i.id
        if i.style == "case":
            assert 100 <= len(i.question) <= 300, (i.id, len(i.question))
        if i.style == "exam":
            assert re.search(r"(ア|1|\(1\)).+(イ|2|\(2\))", i.question), i.id
    # the second part numbers every category from 71 on, so it concatenates with the first part
    for cat, nums in numbers.items():
        assert sorted(nums) == list(range(71, 71 + len(nums))), cat


def test_gold4b_mix_of_topics_and_ways_of_asking():
    its = items()
    cats, styles = Counter(i.category for i in its), Counter(i.style for i in its)
    assert set(cats) == set(CATEGORIES)
    assert set(styles) == set(STYLES)
    assert styles["cw"] >= 50 and styles["case"] >= 20 and styles["short"] >= 10
    assert styles["exam"] >= 6 and styles["false"] >= 8 and styles["oos"] >= 12
    unanswerable = sum(not i.answerable for i in its) / len(its)
    assert 0.15 <= unanswerable <= 0.25, unanswerable
    false = [i for i in its if i.style == "false"]
    assert sum(i.answerable for i in false) >= 4 and sum(not i.answerable for i in false) >= 4
    assert all(not i.answerable for i in its if i.style == "oos")
    # spread over the corpus, not just the famous passages
    labels = {lab for i in its for lab in i.labels}
    for needle in ("国税徴収法", "地方自治法 ", "地方自治法施行令", "民法", "破産法", "年金時効特例法",
                   "課税調査の徹底", "返還金等の債権管理事務", "遺留金の処分及び弁済供託", "介護保険法",
                   "生活保護法施行規則", "費用返還及び費用徴収決定の取扱い", "介護保険料加算の認定", "問7-", "問13-"):
        assert any(needle in lab for lab in labels), needle


def test_gold4b_questions_are_new():
    others = {i.question for name in OTHER_SETS for i in load_gold(REPO / "eval" / name).items}
    its = items()
    own = [i.question for i in its]
    assert len(set(own)) == len(own)
    assert not others & set(own)
    # nor a near copy: no question shares a 20-character stretch with a question of the other sets
    def grams(text: str) -> set[str]:
        return {text[k:k + 20] for k in range(len(text) - 19)}
    theirs = set().union(*(grams(t) for t in others))
    assert [i.id for i in its if grams(i.question) & theirs] == []


def test_every_gold4b_label_names_a_passage_of_the_sample_corpus(home, settings):
    from ingest.pipeline import ingest
    from kb_bot.index.store import IndexStore

    ingest([REPO / "corpus" / c for c in ("handbook", "casebook", "notices")], settings, progress=False)
    passages = [p.label for p in IndexStore(settings.index_dir).open_current().passages]
    missing = sorted({(i.id, g) for i in items() for g in i.labels
                      if not any(label_matches(g, lab) for lab in passages)})
    assert missing == []
