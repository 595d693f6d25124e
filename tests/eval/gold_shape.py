"""The per-question checks the blind and tuning sets share: ids, split, category and style, labels."""

import re
from collections.abc import Sequence

from kb_bot.evaluation.gold import CATEGORIES, STYLES, GoldItem

CHOICES = re.compile(r"(ア|1|\(1\)).+(イ|2|\(2\))")
"""An exam-style question lists at least two choices."""


def assert_items_are_well_formed(items: Sequence[GoldItem], prefix: str, split: str) -> None:
    """Unique ids ``<prefix>-<category>-NN``, every item in ``split``, known category and style, labels exactly
    when answerable (unanswerable = category unanswerable), cases of 100–300 characters, exam choices, and
    out-of-scope questions unanswerable."""
    own_id = re.compile(rf"^{prefix}-(?P<cat>[a-z0-9_]+)-\d{{2,3}}$")
    assert len({i.id for i in items}) == len(items)
    for i in items:
        assert i.split == split, i.id
        m = own_id.match(i.id)
        assert m and m["cat"] == i.category, i.id
        assert i.category in CATEGORIES and i.style in STYLES, i.id
        assert i.answerable == (i.category != "unanswerable"), i.id
        assert bool(i.labels) == i.answerable, i.id
        if i.style == "case":
            assert 100 <= len(i.question) <= 300, (i.id, len(i.question))
        if i.style == "exam":
            assert CHOICES.search(i.question), i.id
        if i.style == "oos":
            assert not i.answerable, i.id
