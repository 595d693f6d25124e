"""The blind set (eval/gold3-blind.jsonl): schema, test-only, new questions, labels that exist, default runs."""

import re
from collections import Counter
from pathlib import Path

from kb_bot.commands.evaluate import default_sets
from kb_bot.evaluation.gold import CATEGORIES, STYLES, GoldItem, load_gold
from kb_bot.refs import label_matches

REPO = Path(__file__).resolve().parents[2]
GOLD3 = REPO / "eval" / "gold3-blind.jsonl"
OWN_ID = re.compile(r"^g3-(?P<cat>[a-z0-9_]+)-\d{2}$")


def items() -> list[GoldItem]:
    return load_gold(GOLD3).items


def test_gold3_schema_ids_and_split():
    its = items()  # load_gold checks the schema (fields, types, labels vs answerable) and unique ids
    assert len(its) >= 90
    assert len({i.id for i in its}) == len(its)
    for i in its:
        assert i.split == "test", i.id
        assert OWN_ID.match(i.id) and OWN_ID.match(i.id)["cat"] == i.category, i.id
        assert i.category in CATEGORIES and i.style in STYLES, i.id
        assert i.answerable == (i.category != "unanswerable"), i.id
        assert bool(i.labels) == i.answerable, i.id
        if i.style == "case":
            assert 100 <= len(i.question) <= 300, (i.id, len(i.question))
        if i.style == "exam":
            assert re.search(r"(ア|1|\(1\)).+(イ|2|\(2\))", i.question), i.id


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


def test_every_gold3_label_names_a_passage_of_the_sample_corpus(home, settings):
    from ingest.pipeline import ingest
    from kb_bot.index.store import IndexStore

    ingest([REPO / "corpus" / c for c in ("handbook", "casebook", "notices")], settings, progress=False)
    passages = [p.label for p in IndexStore(settings.index_dir).open_current().passages]
    missing = sorted({(i.id, g) for i in items() for g in i.labels
                      if not any(label_matches(g, lab) for lab in passages)})
    assert missing == []


def test_default_eval_measures_the_blind_set_except_on_dev():
    assert "gold3-blind" in [s.key for s in default_sets("test")]
    assert "gold3-blind" in [s.key for s in default_sets("all")]
    dev = [s.key for s in default_sets("dev")]
    assert "gold3-blind" not in dev and {"gold", "gold2"} <= set(dev)
