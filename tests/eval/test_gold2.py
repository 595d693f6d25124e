"""The second gold set (eval/gold2.jsonl): schema, styles, split fixed by its seed, labels that exist."""

import re
from collections import Counter
from pathlib import Path

from kb_bot.evaluation.gold import CATEGORIES, SPLIT_SEED, STYLES, GoldItem, load_gold, stratified_split

REPO = Path(__file__).resolve().parents[2]
GOLD2 = REPO / "eval" / "gold2.jsonl"
"""The corpus helper's questions for new topics; the integrator appends them to gold2.jsonl."""
OWN_ID = re.compile(r"^g2-(?P<cat>[a-z0-9_]+)-\d{2}$")


def own_items() -> list[GoldItem]:
    """gold2's own 163 questions (appended sets keep their own ids and splits)."""
    return [i for i in load_gold(GOLD2).items if OWN_ID.match(i.id)]


def test_gold2_has_every_way_of_asking_and_every_topic():
    items = own_items()
    assert len(items) >= 150
    styles = Counter(i.style for i in items)
    assert set(styles) == set(STYLES)
    for style, least in {"cw": 30, "case": 25, "exam": 10, "short": 20, "false": 12, "oos": 15}.items():
        assert styles[style] >= least, style
    cats = Counter(i.category for i in items)
    assert set(cats) == set(CATEGORIES)
    assert cats["unanswerable"] >= 25
    for i in items:
        assert OWN_ID.match(i.id)["cat"] == i.category
        assert i.answerable == (i.category != "unanswerable"), i.id
        assert bool(i.labels) == i.answerable, i.id
        if i.style == "case":
            assert 100 <= len(i.question) <= 300, (i.id, len(i.question))
        if i.style == "exam":
            assert re.search(r"(ア|A|1|\(1\)|\(a\)).+(イ|B|2|\(2\)|\(b\))", i.question), i.id
    # false premises come both ways: a wrong number the books correct, and a thing that does not exist
    false = [i for i in items if i.style == "false"]
    assert sum(i.answerable for i in false) >= 5 and sum(not i.answerable for i in false) >= 5


def test_gold2_questions_are_new():
    first = {i.question for i in load_gold(REPO / "eval" / "gold.jsonl").items}
    items = own_items()
    assert len({i.question for i in items}) == len(items)
    assert not first & {i.question for i in items}


def keys(items: list[GoldItem]) -> list[tuple[str, str]]:
    return [(i.id, i.category) for i in items]


def test_gold2_split_is_the_seeded_stratified_split():
    items = own_items()
    assert {i.id: i.split for i in items} == stratified_split(keys(items), SPLIT_SEED)
    for cat in CATEGORIES:
        of_cat = [i for i in items if i.category == cat]
        share = sum(i.split == "test" for i in of_cat) / len(of_cat)
        assert 0.3 <= share <= 0.5, cat


def test_stratified_split_depends_on_seed_not_order():
    items = own_items()
    fixed = stratified_split(keys(items), SPLIT_SEED)
    assert stratified_split(reversed(keys(items)), SPLIT_SEED) == fixed
    assert stratified_split(keys(items), SPLIT_SEED + 1) != fixed
    assert stratified_split([("x", "solo")], 1) == {"x": "dev"}
