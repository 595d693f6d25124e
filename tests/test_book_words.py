"""The books' words for what a CW says in other words (kb_bot.question.BOOK_WORDS): 法78's 加算 is searched for as
上乗せ/100分の40, 端数 as 円未満を切り捨て; 介護保険料加算 and the other 加算 are left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_bot.question import analyse
from kb_bot.search import Searcher
from kb_bot.tokenize import JapaneseTokenizer
from tests.fixtures.core import write_corpus

CORPUS = {
    "handbook/manifest.toml": """collection = "handbook"
[[document]]
file = "hou.md"
kind = "law"
title = "生活保護法"
""",
    "handbook/hou.md": """## 生活保護法
### 第78条（不正受給者からの費用の徴収）
不正な手段により保護を受けた者からは、その費用の全部又は一部を徴収するほか、徴収する額に100分の40を乗じて得た額以下の金額を上乗せして徴収することができる。
### 第78条の2（保護金品からの徴収）
徴収金の納付に充てる旨を被保護者が申し出た場合には、保護金品の交付の際に徴収できる。
### 第80条（返還の免除）
やむを得ない事由があると認めるときは、返還すべき保護金品の全部又は一部を返還させないことができる。
""",
    "casebook/manifest.toml": """collection = "casebook"
[[document]]
file = "qa.txt"
kind = "qa"
title = "問答集（テスト）"
""",
    "casebook/qa.txt": """第7 加算
問7-1 障害者加算
(問) 障害者加算はどのような者に計上するか。
(答) 障害の程度が一定以上の者に障害者加算を計上する。法78の規定とは関係がない。
問7-2 介護保険料加算
(問) 介護保険料加算はいつから計上するか。
(答) 普通徴収の介護保険料を納める月から介護保険料加算を計上する。
第13 費用返還
問13-1 返還額の計算
(問) 返還額はどう計算するか。
(答) 資力の額と支給した保護費のいずれか低い方を上限として、実施機関が返還額を定める。
問13-2 上乗せ額の計算
(問) 上乗せ額の計算で注意することは何か。
(答) 上乗せ額に円未満が生じたときは切り捨てる。
""",
}


@pytest.fixture(scope="module")
def tokenizer() -> JapaneseTokenizer:
    return JapaneseTokenizer()


@pytest.mark.parametrize(("question", "expected"), [
    ("法78の加算", {"上乗せ", "100分の40"}),
    ("不正受給の4割はどう決める", {"上乗せ", "100分の40"}),
    ("返還額の端数はどうする", {"円未満", "切り捨て"}),
    ("不正受給の罰則は", {"懲役", "罰金"}),
    ("他市に引っ越した人の返還金", {"転居"}),
    ("介護保険料加算は78条の徴収金から引けるか", set()),  # another 加算
    ("障害者加算の要件", set()),  # no 78条 context
    # everyday speech
    ("ズルして受け取った人から取るお金", {"不正受給", "虚偽"}),
    ("役所が払いすぎたお金は返してもらえる？", {"過支給", "過誤払い"}),
    ("督促すると時効はリセットされる？", {"更新", "中断"}),
    ("パスワードをリセットしたい", set()),  # リセット only means 更新 about 時効
    ("分けて払う約束をした人", {"分納", "分割納付"}),
    ("遺されたお金で葬儀代を払える？亡くなった人の", {"遺留金", "死亡"}),
    ("返すお金から買った分を差し引いてもらえる？", {"控除"}),
    ("どんなお金が入ったら知らせなければいけない？", {"届け出", "収入申告"}),
    ("働いていたのを言いそびれていたそうです", {"届け出なかった", "申告しなかった"}),
    ("重加算税のような上乗せはありますか", {"100分の40", "不正受給"}),
    ("返還金は公債権ですか", {"時効の援用", "援用を要せず"}),
    ("正社員になって保護を卒業する人に", {"保護の廃止"}),
    ("入院するのにパジャマがない", {"被服"}),
    ("消費税を引いた金額で計算して", set()),  # 差し引く about something other than a repayment
    # the thesaurus by topic
    ("手すりを付ける工事の費用", {"バリアフリー工事"}),
    ("兄に扶養紹介が行くのが嫌だと言っている", {"扶養照会"}),
    ("払えない人の残りを一括で請求できる？分納の約束を破られた", {"不履行", "一括請求"}),
    ("介保加算はいつから", {"介護保険料加算"}),
    ("保護費と相殺して返してもらえる？", {"充当"}),
    ("介護保険料を保護費と相殺", set()),  # the premium is paid from the benefit: not a repayment
])
def test_which_questions_get_the_books_words(tokenizer: JapaneseTokenizer, question: str,
                                             expected: set[str]) -> None:
    q = analyse(question, tokenizer.analyze)
    assert expected <= set(q.points)
    assert bool(q.book_terms) is bool(expected)
    assert not set(q.book_terms) & set(q.terms)  # only what the question does not already say


def test_every_books_word_is_in_the_sample_corpus(tmp_path: Path) -> None:
    from ingest.pipeline import ingest
    from kb_bot.commands.evaluate import DEFAULT_CORPUS
    from kb_bot.index.store import IndexStore
    from kb_bot.question import BOOK_WORDS
    from kb_bot.settings import load_settings, sample_corpus
    from kb_bot.text import normalize

    settings = load_settings(home=tmp_path / "home", embed_model="none")
    ingest([sample_corpus() / c for c in DEFAULT_CORPUS], settings, progress=False)
    books = normalize("\n".join(p.text for p in IndexStore(settings.index_dir).open_current().passages))
    older_terms = {"中断"}  # the 時効 term before the 2020 民法 reform, in older notices; the sample says 更新
    assert [w for b in BOOK_WORDS for w in b.books if normalize(w) not in books and w not in older_terms] == []


@pytest.fixture
def searcher(home: Path, tmp_path: Path, settings) -> Searcher:
    from ingest.pipeline import ingest

    ingest(write_corpus(tmp_path / "src", CORPUS), settings, progress=False)
    return Searcher(settings)


def test_the_78_surcharge_asked_as_kasan_finds_the_article(searcher: Searcher) -> None:
    r = searcher.search("法78の加算", mode="lexical")
    assert r.hits[0].passage.label == "生活保護法 第78条"


def test_rounding_asked_as_hasuu_finds_the_passage_that_says_kirisute(searcher: Searcher) -> None:
    r = searcher.search("返還額の端数はどうする", mode="lexical")
    assert r.hits[0].passage.label == "問13-2"


def test_the_books_words_cover_the_question_but_never_add_to_what_must_be_covered(searcher: Searcher) -> None:
    r = searcher.search("徴収するときの4割", mode="lexical")
    v, q = searcher.version(), r.analysed
    assert q is not None and q.book_terms
    without = Searcher._coverage(v, q.terms, r.hits[:3])
    assert r.signals["coverage"] > without  # 上乗せ / 100分の40 in 第78条 stand in for 4割
    assert r.signals["coverage"] <= 1.0
    plain = searcher.search("障害者加算の要件", mode="lexical")  # no book words: coverage as before
    assert plain.signals["coverage"] == pytest.approx(
        Searcher._coverage(v, plain.analysed.terms, plain.hits[:3]), abs=1e-4)
