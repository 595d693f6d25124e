"""The grounding check of an LLM answer."""

from __future__ import annotations

from kb_bot.chat.grounding import check, markers, sentences_with_markers

PASSAGES = [
    "急迫の場合などに資力があるにもかかわらず保護を受けた者は、受けた保護金品に相当する額の範囲内で返還しなければならない。",
    "不実の申請その他不正な手段により保護を受けた者からは、その費用の全部又は一部を徴収することができる。",
]


def simple_tokens(text: str) -> list[str]:
    """Kanji bigrams: enough to test the overlap rule without MeCab."""
    import re

    return [m for run in re.findall(r"[一-龥]+", text) for m in (run[i:i + 2] for i in range(max(1, len(run) - 1)))]


def test_every_sentence_cited_and_in_range_passes() -> None:
    g = check("資力があるのに保護を受けた場合は返還する。[1]不正な手段による場合は徴収する[2]。", 2)
    assert g.ok, g.problems
    assert g.cited == [1, 2]


def test_a_marker_written_after_the_full_stop_belongs_to_that_sentence() -> None:
    sents = sentences_with_markers("返還を求める。[1]\n徴収する。[2][1]")
    assert sents == [("返還を求める。[1]", [1]), ("徴収する。[2][1]", [2, 1])]
    assert check("返還を求める。[1]\n徴収する。[2][1]", 2).ok


def test_sentence_without_marker_fails() -> None:
    g = check("返還を求める。[1]徴収もできる。", 2)
    assert not g.ok
    assert any("根拠番号のない文" in p for p in g.problems)


def test_marker_outside_the_retrieved_passages_fails() -> None:
    g = check("返還を求める。[3]", 2)
    assert not g.ok
    assert any("存在しない根拠番号 [3]" in p for p in g.problems)
    assert not check("返還を求める。[0]", 2).ok


def test_marker_formats() -> None:
    assert markers("a[1][2] b[1, 3] c[2、4] d［5］") == [1, 2, 1, 3, 2, 4]
    assert check("返還を求める［1］。", 1).ok  # full-width brackets are normalised


def test_empty_answer_and_bare_markers_fail() -> None:
    assert not check("", 2).ok
    assert not check("   ", 2).ok
    assert not check("[1]", 2).ok


def test_headings_and_bullets() -> None:
    text = "結論：\n・資力があるのに受けた保護は返還する。[1]\n・不正な手段によるものは徴収する。[2]"
    assert check(text, 2).ok
    assert not check("結論：\n・返還する。\n・徴収する。[2]", 2).ok


def test_overlap_rule_catches_a_marker_stuck_on_an_invented_sentence() -> None:
    grounded = "資力があるにもかかわらず保護を受けた者は返還する。[1]"
    invented = "天気がよければ外出を勧める。[1]"
    assert check(grounded, 2, PASSAGES, simple_tokens, min_overlap=1).ok
    g = check(invented, 2, PASSAGES, simple_tokens, min_overlap=1)
    assert not g.ok and "語句が一致しない" in g.problems[0]
    assert check(invented, 2, PASSAGES, simple_tokens, min_overlap=0).ok
