"""False premises: a number the question states that the quoted passages contradict is named in the answer."""

from __future__ import annotations

import dataclasses

import pytest

from kb_bot.answer import answer_question
from kb_bot.premise import premise_note, quantities
from kb_bot.search import Searcher


def test_quantities_read_percent_in_every_spelling_and_skip_dates() -> None:
    assert [(v, u) for _, v, u in quantities("100分の40、40%、4割、百分の四十")] == [(40.0, "%")] * 4
    assert [(v, u) for _, v, u in quantities("5年間、五年、3か月、14日以内")] == [
        (5.0, "年"), (5.0, "年"), (3.0, "か月"), (14.0, "日")]
    assert quantities("令和6年3月28日付け、2024年4月1日から、平成26年7月") == []
    assert quantities("平成25年から27年まで、令和6年度") == []
    assert quantities("3年前に転入、2日目に連絡") == []  # when something happened, not a rule's number


@pytest.mark.parametrize(("question", "passage", "note"), [
    ("返還金の時効は10年でしたよね？", "5年間行使しないときは時効によって消滅する", "「10年」"),
    ("上乗せは100分の50まで？", "徴収する額に100分の40を乗じて得た額以下", "「100分の50」"),
    ("申請から21日以内でしたよね？", "申請から14日以内に決定し、特別な理由があれば30日まで延ばせる", "（14日、30日）"),
    ("返還金の時効は5年で合ってる？", "五年間行使しないときは時効によって消滅する", ""),  # the same number
    ("上乗せは40%まで？", "100分の40を乗じて得た額以下", ""),  # the same number, written otherwise
    ("時効は10年？", "時効の援用を要しない", ""),  # the passage states no number of years: nothing to compare
    ("令和6年の改正で時効は？", "5年間行使しないときは消滅する", ""),  # a date is not a premise
])
def test_premise_note(question: str, passage: str, note: str) -> None:
    got = premise_note(question, [passage])
    assert (note in got) if note else got == ""
    if note:
        assert got.startswith("質問の") and "確認してください" in got


def test_the_answer_names_a_contradicted_number(indexed) -> None:
    s = Searcher(dataclasses.replace(indexed, abstain_threshold=0.0))  # about the note, not the confidence
    wrong = answer_question(s, "不正受給の徴収金の上乗せは徴収額の100分の50までですよね？", mode="lexical")
    assert not wrong.abstained
    assert "「100分の50」" in wrong.premise_note and "百分の四十" in wrong.premise_note
    assert wrong.to_json()["premise_note"] == wrong.premise_note
    right = answer_question(s, "不正受給の徴収金の上乗せは徴収額の100分の40までですよね？", mode="lexical")
    assert not right.abstained and right.premise_note == ""


@pytest.fixture
def indexed(settings, mini_corpus):  # the mini corpus indexed under a temporary home
    from ingest.pipeline import ingest

    ingest(mini_corpus, settings, progress=False)
    return settings
