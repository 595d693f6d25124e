"""Long case questions: the lexical search looks for each word once and for the asking sentences' words once
more (kb_bot.question.Question.search_terms), so a case that keeps naming its parties and their business does
not outweigh the point it asks about."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_bot.question import analyse, focus_sentences
from kb_bot.search import Searcher
from kb_bot.text import normalize
from kb_bot.tokenize import JapaneseTokenizer
from tests.fixtures.core import write_corpus

CASE = ("株式会社Hは、知事の指定を受けて水路清掃機関として水路清掃事業を行ってきたが、指定を受けた日から6年が経過した。"
        "この間、株式会社Hは水路清掃事業について何の手続もしていない。株式会社Hは今後も水路清掃事業を続けたい。"
        "株式会社Hの指定は現在も効力を有するか。")

CORPUS = {
    "notices/manifest.toml": """collection = "notices"
[[document]]
file = "law.md"
kind = "law"
title = "水路清掃法"
""",
    "notices/law.md": """## 水路清掃法
### 第10条（指定）
水路清掃事業を行おうとする者は、知事の指定を受けなければならない。
### 第11条（帳簿）
水路清掃機関は、水路清掃事業に関する帳簿を備え、水路清掃事業の記録を三年間保存しなければならない。
### 第12条（指定の更新）
水路清掃機関の第10条の指定は、五年ごとにその更新を受けなければ、その期間の経過によって、その効力を失う。
""",
}


@pytest.fixture(scope="module")
def tokenizer() -> JapaneseTokenizer:
    return JapaneseTokenizer()


def test_the_asking_sentences_of_a_case() -> None:
    assert focus_sentences(normalize(CASE)) == normalize("株式会社Hの指定は現在も効力を有するか。")
    assert focus_sentences(normalize("E組合は無登録で1年営業した。どのような罰則が科されうるか。説明せよ。")) == \
        normalize("どのような罰則が科されうるか。説明せよ。")
    # a one-sentence question, or one whose every sentence asks, has no separate focus
    assert focus_sentences(normalize("分納の月額に決まりってある？いくらにすればいい？")) == ""
    assert focus_sentences(normalize("葬祭扶助の基準額はいくら？")) == ""


def test_search_terms_hold_each_word_once_and_the_asked_point_twice(tokenizer: JapaneseTokenizer) -> None:
    q = analyse(CASE, tokenizer.analyze)
    assert q.terms.count("清掃") > 1  # the case repeats its business …
    assert q.search_terms.count("清掃") == 1  # … the search does not
    assert q.search_terms.count("効力") == 2  # the asked point counts once more
    short = analyse("指定の効力はいつまで", tokenizer.analyze)
    assert short.focus_terms == () and short.search_terms == list(dict.fromkeys(short.terms))


def test_a_case_question_finds_the_article_on_its_asked_point(home: Path, tmp_path: Path, settings) -> None:
    from ingest.pipeline import ingest

    ingest(write_corpus(tmp_path / "src", CORPUS), settings, progress=False)
    searcher = Searcher(settings)
    v, q = searcher.version(), searcher.analyse(CASE)
    words = v.lexical.scores(q.search_terms)  # the word search, where the asked point counts twice
    assert v.passages[int(words.argmax())].label.endswith("第12条")
    # the letter pairs of the narrative (水路清掃事業, 指定) pull 第10条 up, never 第12条 out of the first two
    r = searcher.search(q, mode="lexical")
    assert "水路清掃法 第12条" in [h.passage.label for h in r.hits[:2]]
