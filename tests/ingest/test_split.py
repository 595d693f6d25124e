"""Splitting long units at sentence boundaries with one sentence of overlap."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from ingest.segment.split import MAX_CHARS, make_passages, split_text
from kb_bot.passage import DocumentMeta
from kb_bot.text import split_sentences

META = DocumentMeta("notices/x.md", "notices", "notice", "通知")

words = st.text(alphabet="保護実施機関収入認定世帯資産扶養、", min_size=1, max_size=120)
document = st.lists(st.lists(words, min_size=1, max_size=8), min_size=1, max_size=20).map(
    # numbered so that every sentence is different and the overlap can be told from a repetition
    lambda paragraphs: "\n".join(
        "".join(f"{w}{i}-{j}。" for j, w in enumerate(paragraph)) for i, paragraph in enumerate(paragraphs)
    )
)


def test_short_text_is_one_piece() -> None:
    assert split_text("短い本文。") == ["短い本文。"]


@given(document)
def test_pieces_are_bounded_overlap_by_one_sentence_and_cover_every_sentence_in_order(text: str) -> None:
    pieces = [split_sentences(piece) for piece in split_text(text)]
    assert all(len(piece) <= MAX_CHARS for piece in split_text(text))
    rebuilt = list(pieces[0])
    for previous, current in itertools.pairwise(pieces):
        if current[0] == previous[-1]:
            rebuilt.extend(current[1:])
        else:  # no overlap only when the two sentences together do not fit
            assert len(previous[-1]) + len(current[0]) + 1 > MAX_CHARS
            rebuilt.extend(current)
    assert rebuilt == split_sentences(text)


def test_a_sentence_longer_than_the_limit_is_cut() -> None:
    pieces = split_text("あ" * (MAX_CHARS * 2 + 10) + "。")
    assert [len(p) for p in pieces] == [MAX_CHARS, MAX_CHARS, 11]


def test_line_breaks_inside_a_piece_are_kept() -> None:
    text = "\n".join("第一の段落の文である。" * 5 for _ in range(20))
    assert all("\n" in piece for piece in split_text(text))


def test_make_passages_numbers_parts_and_keeps_label_and_prefix() -> None:
    body = "返還額は資力の額を限度とする。" * 80
    passages = make_passages(META, "通知 2-(1)", body, headings=("2 返還額",), page=3, prefix="問 質問か。\n答 ")
    assert [p.part for p in passages] == list(range(1, len(passages) + 1))
    assert all(p.label == "通知 2-(1)" and p.page == 3 and p.headings == ("2 返還額",) for p in passages)
    assert all(p.text.startswith("問 質問か。\n答 返還額") for p in passages)
    assert make_passages(META, "通知 1", "短い。")[0].part == 0
    assert make_passages(META, "通知 1", "  ") == []
