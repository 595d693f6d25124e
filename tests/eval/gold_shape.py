"""The checks the blind and tuning sets share: per question (ids, split, category and style, labels) and per set
(the mix of topics and ways of asking, labels spread over the corpus)."""

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher

from kb_bot.evaluation.gold import CATEGORIES, STYLES, GoldItem

MANY = math.inf
"""No upper bound on a style's count (:func:`assert_mix`)."""
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


def assert_mix(items: Sequence[GoldItem], *, min_per_category: int, styles: Mapping[str, tuple[int, float]],
               unanswerable: tuple[float, float]) -> None:
    """Every category (at least ``min_per_category`` each) and every way of asking (``styles``: inclusive bounds
    per style), a share of unanswerable questions within ``unanswerable``, and false premises of both kinds: a
    wrong number the books correct (answerable) and a thing that does not exist (unanswerable)."""
    cats = Counter(i.category for i in items)
    counts = Counter(i.style for i in items)
    assert set(cats) == set(CATEGORIES) and min(cats.values()) >= min_per_category, cats
    assert set(counts) == set(STYLES), counts
    for style, (low, high) in styles.items():
        assert low <= counts[style] <= high, (style, counts)
    share = sum(not i.answerable for i in items) / len(items)
    assert unanswerable[0] <= share <= unanswerable[1], share
    false = [i for i in items if i.style == "false"]
    assert sum(i.answerable for i in false) >= 5 and sum(not i.answerable for i in false) >= 5


CORPUS_PARTS = ("生活保護法 ", "生活保護法施行規則", "次第", "局第", "課第", "問1-", "問3-", "問5-", "問7-", "問8-", "問11-",
                "問13-", "国税徴収法", "地方自治法 ", "地方自治法施行令", "民法", "破産法", "介護保険法", "年金時効特例法",
                "課税調査の徹底", "費用返還及び費用徴収決定の取扱い", "法第77条の2及び第78条の2の事務取扱",
                "遺留金の処分及び弁済供託", "介護保険料加算の認定及び保険者との連絡", "サンプル市福第201号",
                "サンプル市福第305号")
"""Every part of the sample corpus a set spread over the whole corpus reaches: the law and its rules, the three
layers of 実施要領, the 問答集 chapters, the other laws and every notice (:func:`assert_labels_spread`)."""
OLD_CLAIMS_NOTICE = "返還金等の債権管理事務 (平成31年3月29日 サンプル市福第201号)"


def assert_labels_spread(items: Sequence[GoldItem], needles: Sequence[str], min_labels: int) -> None:
    """The gold labels reach every part of the corpus a needle names (prefix or part of a label), not only the
    famous passages, and at least ``min_labels`` distinct labels."""
    labels = {lab for i in items for lab in i.labels}
    for needle in needles:
        assert any(lab.startswith(needle) or needle in lab for lab in labels), needle
    assert len(labels) >= min_labels, len(labels)


def assert_claims_notice_in_force_where_the_two_differ(items: Sequence[GoldItem]) -> None:
    """催告 (3) and 分納の不履行 (4-(3)) changed in 2024: only the 令和6年 notice answers them, never the 2019 one."""
    changed = {f"{OLD_CLAIMS_NOTICE} {s}" for s in ("3-(1)", "3-(2)", "4-(3)")}
    assert [i.id for i in items if changed & set(i.labels)] == []


def _bare(question: str) -> str:
    return re.sub(r"[\s、。，．,.？?！!「」『』（）()・〜~ー―-]", "", question)


def assert_questions_are_new(items: Sequence[GoldItem], others: Iterable[str]) -> None:
    """No question of ``items`` repeats another, or repeats or nearly repeats (similarity ≥ 0.8, spaces and
    punctuation ignored) one of ``others``; only ``items``' ids are reported, never the other questions."""
    theirs = {_bare(q) for q in others}
    assert len({_bare(i.question) for i in items}) == len(items)
    assert [i.id for i in items if _bare(i.question) in theirs] == []
    near = []
    for i in items:
        mine = _bare(i.question)
        for other in theirs:
            m = SequenceMatcher(None, mine, other, autojunk=False)
            if m.real_quick_ratio() >= 0.8 and m.quick_ratio() >= 0.8 and m.ratio() >= 0.8:
                near.append(i.id)
                break
    assert near == []
