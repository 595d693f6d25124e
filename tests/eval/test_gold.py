"""Gold file validation: clear errors with line numbers; and the bundled gold set's shape."""

import json
from collections import Counter
from pathlib import Path

import pytest

from kb_bot.evaluation.gold import CATEGORIES, GoldError, load_gold, parse_gold

GOOD = {"id": "q1", "question": "63条と78条の違いは", "labels": ["生活保護法 第63条"], "key_points": ["a", "b"],
        "category": "63_78", "answerable": True, "split": "dev"}
REPO = Path(__file__).resolve().parents[2]


def lines(*objs) -> str:
    return "\n".join(o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs)


def problems(text: str) -> list[str]:
    with pytest.raises(GoldError) as e:
        parse_gold(text, "g.jsonl")
    return e.value.problems


def test_valid_file_parses_and_selects_splits():
    other = {**GOOD, "id": "q2", "split": "test"}
    none = {"id": "u1", "question": "児童手当の額は", "labels": [], "category": "unanswerable", "answerable": False}
    g = parse_gold(lines(GOOD, "", other, none), "g.jsonl")
    assert [i.id for i in g.items] == ["q1", "q2", "u1"]
    assert [i.id for i in g.select("dev")] == ["q1"]
    assert [i.id for i in g.select("test")] == ["q2"]
    assert len(g.select("all")) == 3
    assert g.items[0].line == 1 and g.items[2].line == 4
    assert g.items[0].labels == ("生活保護法 第63条",)


def test_every_problem_is_reported_with_its_line():
    found = problems(lines(
        GOOD,
        "{not json",
        {**GOOD, "id": "q1"},  # duplicate id
        {k: v for k, v in GOOD.items() if k != "question"} | {"id": "q3"},
        {**GOOD, "id": "q4", "lables": ["x"]},
        {**GOOD, "id": "q5", "answerable": "yes"},
        {**GOOD, "id": "q6", "labels": []},
        {**GOOD, "id": "q7", "answerable": False},
        {**GOOD, "id": "q8", "split": "train"},
        {**GOOD, "id": "q9", "key_points": ["only one"]},
        {**GOOD, "id": "q10", "labels": "生活保護法 第63条"},
        ["a list"],
    ))
    text = "\n".join(found)
    assert "g.jsonl:2: JSON として読めません" in text
    assert "id 'q1' が重複しています（1, 3 行目）" in text
    assert "g.jsonl:4: 必須項目 'question' がありません" in text
    assert "g.jsonl:5: 不明な項目 'lables'（labels の誤り？）" in text
    assert "g.jsonl:6: 'answerable' は true か false" in text
    assert "g.jsonl:7: answerable が true なのに 'labels' が空" in text
    assert "g.jsonl:8: answerable が false（資料外）なのに 'labels' があります" in text
    assert "g.jsonl:9: 'split' は \"dev\" か \"test\"" in text
    assert "g.jsonl:10: 'key_points' は2〜4項目" in text
    assert "g.jsonl:11: 'labels' は引用ラベルの文字列のリスト" in text
    assert "g.jsonl:12: 1行に1つの JSON オブジェクト" in text


def test_empty_missing_and_undecodable_files(tmp_path):
    assert problems("\n\n") == ["g.jsonl: 質問が1件もありません"]
    with pytest.raises(GoldError, match="ファイルがありません"):
        load_gold(tmp_path / "nope.jsonl")
    bad = tmp_path / "sjis.jsonl"
    bad.write_bytes("質問".encode("shift_jis"))
    with pytest.raises(GoldError, match="UTF-8 で読めません"):
        load_gold(bad)


def test_error_message_is_readable():
    with pytest.raises(GoldError) as e:
        parse_gold(lines({**GOOD, "split": "x"}), "mine.jsonl")
    assert str(e.value).startswith("正解データ mine.jsonl に 1 件の問題があります")


def test_bundled_gold_set_meets_the_issue():
    g = load_gold(REPO / "eval" / "gold.jsonl")
    items = g.items
    assert len(items) >= 100
    cats = Counter(i.category for i in items)
    for cat, least in {"63_78": 25, "jiritsu": 15, "claims": 15, "kaigo_shinkoku": 10, "other": 15,
                       "unanswerable": 15}.items():
        assert cats[cat] >= least, cat
    assert set(cats) <= set(CATEGORIES)
    for i in items:
        assert i.split in ("dev", "test"), i.id
        assert 2 <= len(i.key_points) <= 4, i.id
        assert i.answerable == (i.category != "unanswerable"), i.id
    # held out ~40% of every category
    for cat in cats:
        test = sum(1 for i in items if i.category == cat and i.split == "test")
        assert 0.3 <= test / cats[cat] <= 0.5, cat
    assert len({i.question for i in items}) == len(items)
