"""End to end through the CLI: ingest a small corpus, ask, and check the JSON contract."""

import io
import json

import pytest

from kb_bot import DISCLAIMER
from kb_bot.cli import main
from kb_bot.index.nodes import index_text
from kb_bot.index.store import IndexStore
from kb_bot.search import Searcher
from kb_bot.settings import load_settings

CONTRACT = {"question", "answer", "abstained", "disclaimer", "citations", "corpus_version", "retrieval_mode"}
CITATION = {"label", "collection", "title", "text", "page", "source", "score"}


def ask_json(capsys, *args):
    assert main(["ask", "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def ingested(home, mini_corpus, capsys):
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    capsys.readouterr()
    return home


def test_ask_json_contract_and_article_labels(ingested, capsys):
    [a] = ask_json(capsys, "63条と78条の違いは")
    assert a.keys() >= CONTRACT
    assert a["disclaimer"] == DISCLAIMER
    assert a["retrieval_mode"] == "lexical"
    assert not a["abstained"]
    assert all(c.keys() >= CITATION for c in a["citations"])
    top2 = {c["label"] for c in a["citations"][:2]}
    assert top2 == {"生活保護法 第63条", "生活保護法 第78条"}
    assert "[1]" in a["answer"] or "[2]" in a["answer"]


def test_ask_reads_one_question_per_line_from_stdin(ingested, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("自立更正費で冷蔵庫\n\n保険金を申告せずに使った\n"))
    answers = ask_json(capsys, "-")
    assert [a["question"] for a in answers] == ["自立更正費で冷蔵庫", "保険金を申告せずに使った"]
    assert answers[0]["citations"][0]["label"] == "問13-5"
    assert answers[1]["citations"][0]["label"] == "問13-21"
    assert len({a["corpus_version"] for a in answers}) == 1


@pytest.mark.parametrize("question", ["道路交通法の反則金の納付期限はいつまでか", "生活保護法第150条の手続は"])
def test_abstains_without_a_basis_but_shows_nearest(ingested, capsys, question):
    [a] = ask_json(capsys, question)
    assert a["abstained"] is True
    assert a["disclaimer"] == DISCLAIMER


def test_text_output_always_carries_the_disclaimer(ingested, capsys):
    assert main(["ask", "問13-21"]) == 0
    out = capsys.readouterr().out
    assert DISCLAIMER in out and "問13-21" in out


def test_text_output_speaks_japanese_and_never_points_at_missing_passages(ingested, capsys):
    assert main(["ask", "問13-21"]) == 0
    out = capsys.readouterr().out
    assert "検索方式 語句検索" in out and "lexical" not in out
    assert main(["ask", "qwertyuiop"]) == 0  # no word the index knows: nothing near to show
    out = capsys.readouterr().out
    assert "十分な根拠が見つかりませんでした" in out
    assert "近い記載" not in out


def test_text_output_shows_the_63_78_checklist(ingested, capsys):
    assert main(["ask", "保険金を申告しなかった場合は63条か78条か"]) == 0
    out = capsys.readouterr().out
    assert "■ 第63条" in out and "   □ " in out


def test_sample_documents_are_marked_as_such_and_others_are_not(home, mini_corpus, capsys):
    manifest = mini_corpus[0] / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'collection = "casebook"', 'collection = "casebook"\nsample = true'), encoding="utf-8")
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    capsys.readouterr()
    [from_sample] = ask_json(capsys, "問13-21")
    [only_law] = ask_json(capsys, "-k", "1", "78条の2の申出")
    assert "サンプル" in from_sample["sample_note"]
    assert only_law["citations"][0]["source"] == "handbook/hou.md"
    assert only_law["sample_note"] == ""


def test_ask_without_index_says_what_to_do(home, capsys):
    assert main(["ask", "63条"]) == 1
    assert "kb-bot ingest" in capsys.readouterr().err


def test_unavailable_model_is_reported_once_and_lexical_serves(home, mini_corpus, capsys, monkeypatch):
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", "example-org/not-cached-model")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there: refused at once
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("not-cached-model") == 1
    assert "語彙検索" in captured.out
    [a] = ask_json(capsys, "78条の2の申出")
    assert a["retrieval_mode"] == "lexical"
    assert a["citations"][0]["label"] == "生活保護法 第78条の2"


def test_dense_path_with_a_tiny_local_model(home, mini_corpus, tiny_model, capsys, monkeypatch):
    monkeypatch.setenv("KB_BOT_EMBED_MODEL", str(tiny_model))
    monkeypatch.setenv("KB_BOT_EMBED_QUERY_PREFIX", "")
    monkeypatch.setenv("KB_BOT_EMBED_DOCUMENT_PREFIX", "")
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    capsys.readouterr()
    settings = load_settings()
    version = IndexStore(settings.index_dir).open_current()
    assert version.dense_model == str(tiny_model)
    assert version.dense_store().count() == len(version.passages)

    searcher = Searcher(settings)
    for p in version.passages:  # an identical text embeds identically: it must come first
        result = searcher.search(index_text(p), mode="dense", k=3)
        assert result.mode == "dense"
        assert result.hits[0].passage.id == p.id
    [a] = ask_json(capsys, "63条と78条の違いは")
    assert a["retrieval_mode"] == "hybrid"
    assert {c["label"] for c in a["citations"][:2]} == {"生活保護法 第63条", "生活保護法 第78条"}


def test_an_answer_under_the_caution_bound_says_its_basis_is_weak(ingested, capsys, monkeypatch) -> None:
    from kb_bot.answer import WEAK_BASIS_NOTE

    monkeypatch.setenv("KB_BOT_CAUTION_THRESHOLD", "0.995")  # every answer falls under it
    [a] = ask_json(capsys, "63条と78条の違いは")
    assert not a["abstained"] and a["weak_basis"]
    assert main(["ask", "63条と78条の違いは"]) == 0
    assert WEAK_BASIS_NOTE in capsys.readouterr().out
    [refused] = ask_json(capsys, "生活保護法第150条の手続は")
    assert refused["abstained"] and not refused["weak_basis"]  # a refusal is no weak answer
    monkeypatch.setenv("KB_BOT_CAUTION_THRESHOLD", "0")
    [a] = ask_json(capsys, "63条と78条の違いは")
    assert not a["weak_basis"]
    assert main(["ask", "63条と78条の違いは"]) == 0
    assert WEAK_BASIS_NOTE not in capsys.readouterr().out


def test_doctor_reports_index_mode_and_packages(ingested, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "パッセージ 6 件" in out
    assert "検索方式 lexical" in out
    assert "llama-index-core:" in out and "bm25s:" in out
    assert "語彙索引: 単語 + 文字bigram" in out


def test_doctor_says_when_the_index_predates_the_bigram_part(ingested, capsys):
    import shutil

    from kb_bot.index.store import IndexStore
    from kb_bot.settings import load_settings

    v = IndexStore(load_settings().index_dir).open_current()
    shutil.rmtree(v.path / "bm25chars")  # as an index built by an earlier kb-bot
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "語彙索引: 単語のみ" in out and "kb-bot ingest で作り直す" in out
    [a] = ask_json(capsys, "63条と78条の違いは")  # and it still answers, by words
    assert a["citations"]


def test_doctor_without_index_says_what_to_do(home, capsys):
    assert main(["doctor"]) == 0
    assert "kb-bot ingest" in capsys.readouterr().out


def test_text_output_says_when_the_checklist_is_partial(ingested, capsys):
    assert main(["ask", "63条と78条の違いは"]) == 0
    out = capsys.readouterr().out
    assert "■ 第63条" in out
    assert "※ 取得した根拠には次の判断基準の記載が見つからず" in out  # the mini corpus quotes none of the 78条 types
