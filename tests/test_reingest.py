"""Re-ingest: incremental updates, versions in force, atomic switch, lock, rollback."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from kb_bot.cli import main
from kb_bot.index.store import IndexStore
from kb_bot.search import Searcher
from kb_bot.settings import load_settings
from tests.fixtures.core import MINI_CORPUS, write_corpus

NOTICES = {
    "notices/manifest.toml": """collection = "notices"
[[document]]
file = "bunno-old.md"
kind = "notice"
title = "分納の取扱いについて"
short_title = "分納の取扱い"
date = "令和2年4月1日"
number = "サンプル発0401第1号"
effective = "2020-04-01"

[[document]]
file = "bunno-new.md"
kind = "notice"
title = "分納の取扱いについて（改正）"
short_title = "分納の取扱い"
date = "令和7年3月1日"
number = "サンプル発0301第2号"
effective = "2025-04-01"
replaces = ["bunno-old.md"]
""",
    "notices/bunno-old.md": "サンプル発0401第1号\n令和2年4月1日\n分納の取扱いについて\n1 分納の回数\n分納は原則として三十六回までとする。\n",
    "notices/bunno-new.md": "サンプル発0301第2号\n令和7年3月1日\n分納の取扱いについて（改正）\n1 分納の回数\n分納は生活状況を見て回数を定め、上限は設けない。\n",
}


def ingest(*paths, prune=False):
    args = ["ingest", "--json", *map(str, paths)] + (["--prune"] if prune else [])
    assert main(args) == 0


def last_report(capsys):
    return json.loads(capsys.readouterr().out)


def current(settings):
    return IndexStore(settings.index_dir).open_current()


def test_unchanged_documents_are_skipped_and_never_duplicated(settings, mini_corpus, capsys):
    ingest(*mini_corpus)
    first = last_report(capsys)
    ingest(*mini_corpus)
    second = last_report(capsys)
    assert second["unchanged_docs"] == first["documents"] == 2
    assert second["added_passages"] == second["changed_passages"] == second["removed_passages"] == []
    ids = [p.id for p in current(settings).passages]
    assert len(ids) == len(set(ids)) == first["passages"]


def test_changed_document_replaces_its_passages_in_the_index(settings, mini_corpus, capsys):
    ingest(*mini_corpus)
    capsys.readouterr()
    qa = mini_corpus[0] / "qa.txt"
    text = qa.read_text(encoding="utf-8")
    text = text.replace("冷蔵庫などの家電の購入", "エアコンの購入").split("問13-21")[0]
    qa.write_text(text, encoding="utf-8")
    ingest(*mini_corpus)
    report = last_report(capsys)
    assert report["changed_docs"] == ["casebook/qa.txt"]
    assert report["changed_passages"] == ["問13-5"] and report["removed_passages"] == ["問13-21"]
    version = current(settings)
    assert "問13-21" not in {p.label for p in version.passages}
    hits = Searcher(settings).search("エアコンの購入は控除できるか").hits
    assert hits[0].passage.label == "問13-5" and "エアコン" in hits[0].passage.text
    assert all("冷蔵庫" not in p.text for p in version.passages)


def test_tokens_are_remade_when_the_analysis_changed_since_the_index_was_built(settings, mini_corpus, capsys,
                                                                               monkeypatch):
    import re

    from ingest import pipeline
    from kb_bot import tokenize

    ingest(*mini_corpus)
    retokenized = []
    tokenize_missing = pipeline._tokenize_missing
    monkeypatch.setattr(pipeline, "_tokenize_missing", lambda passages, tokens, *rest: (
        retokenized.append(tokens.count(None)), tokenize_missing(passages, tokens, *rest)))
    ingest(*mini_corpus)
    assert retokenized == [0]  # same analysis: the unchanged documents keep their tokens

    # A release that reads one more CW spelling: the unchanged passages must be analysed by it too.
    monkeypatch.setattr(tokenize, "_CW_SPELLINGS", (*tokenize._CW_SPELLINGS, (re.compile("冷蔵庫"), "冷凍冷蔵庫")))
    capsys.readouterr()
    assert main(["doctor"]) == 0
    assert "語の解析: 索引の作成後に" in capsys.readouterr().out
    ingest(*mini_corpus)
    assert last_report(capsys)["unchanged_docs"] == 2 and retokenized[-1] == len(current(settings).passages)
    version = current(settings)
    [row] = [t for p, t in zip(version.passages, version.tokens, strict=True) if p.label == "問13-5"]
    assert "冷凍" in row
    assert main(["doctor"]) == 0
    assert "語の解析: 索引の作成時と同じ" in capsys.readouterr().out


def test_passages_are_cut_again_when_the_segmenting_code_changed(settings, mini_corpus, capsys, monkeypatch):
    """A release that reads or segments documents differently (here: a 問答 answer loses its 「答」 mark) must
    reach the documents whose bytes did not change too; with the same code they keep their passages."""
    import importlib

    from ingest import pipeline

    segmenters = importlib.import_module("ingest.segment").SEGMENTERS
    ingest(*mini_corpus)
    segment_qa = segmenters["qa"]
    monkeypatch.setitem(segmenters, "qa", lambda lines, meta: [  # a stand-in for the next release's segmenter
        dataclasses.replace(p, text=p.text.replace("\n答 ", "\n")) for p in segment_qa(lines, meta)])
    capsys.readouterr()
    ingest(*mini_corpus)
    assert last_report(capsys)["changed_passages"] == []  # same code fingerprint: the passages are kept
    assert sum("\n答 " in p.text for p in current(settings).passages) == 2

    monkeypatch.setattr(pipeline, "segmentation_fingerprint", lambda: "next-release")
    assert main(["doctor"]) == 0
    assert "資料の区切り方: 索引の作成後に" in capsys.readouterr().out
    ingest(*mini_corpus)
    report = last_report(capsys)
    assert report["resegmented"] and report["unchanged_docs"] == 2 and report["changed_docs"] == []
    assert sorted(report["changed_passages"]) == ["問13-21", "問13-5"]
    assert not any("\n答 " in p.text for p in current(settings).passages)
    assert current(settings).manifest["segmentation"] == "next-release"
    assert main(["doctor"]) == 0
    assert "資料の区切り方: 索引の作成時と同じ" in capsys.readouterr().out


def test_prune_removes_documents_that_disappeared(settings, mini_corpus, capsys):
    ingest(*mini_corpus)
    (mini_corpus[0] / "qa.txt").unlink()
    (mini_corpus[0] / "manifest.toml").unlink()
    capsys.readouterr()
    ingest(*mini_corpus)
    assert last_report(capsys)["removed_docs"] == []  # without --prune: kept
    assert "casebook/qa.txt" in current(settings).docs
    ingest(*mini_corpus, prune=True)
    report = last_report(capsys)
    assert report["removed_docs"] == ["casebook/qa.txt"]
    assert set(report["removed_passages"]) == {"問13-5", "問13-21"}
    assert not any(p.source == "casebook/qa.txt" for p in current(settings).passages)


def test_superseded_notice_is_found_only_as_of_its_period(settings, tmp_path, capsys):
    [folder] = write_corpus(tmp_path / "n", NOTICES)
    ingest(folder)
    searcher = Searcher(settings)
    now = searcher.search("分納の回数の上限は", k=3)
    assert "上限は設けない" in now.hits[0].passage.text and now.hits[0].current
    assert all("三十六回" not in h.passage.text for h in now.hits)
    then = searcher.search("分納の回数の上限は", k=3, as_of="2024-06-30")
    assert "三十六回" in then.hits[0].passage.text
    assert not then.hits[0].current and then.hits[0].period == ("2020-04-01", "2025-04-01")
    assert now.corpus_version != then.corpus_version
    assert main(["ask", "--as-of", "2024-06-30", "分納の回数"]) == 0
    assert "【旧 2020-04-01〜2025-04-01】" in capsys.readouterr().out


def test_the_same_text_in_many_places_passes_the_smoke_check(settings, tmp_path, capsys):
    """More identical passages than the probe's top ten: ties must not fail a healthy index."""
    body = MINI_CORPUS["casebook/qa.txt"]
    folders = write_corpus(tmp_path / "dup", {f"copy{i:02d}/qa.txt": body for i in range(12)})
    assert main(["ingest", "--collection", "casebook", *map(str, folders)]) == 0
    assert len(current(settings).passages) == 12 * 2


def test_bad_manifest_is_a_clear_error_and_changes_nothing(settings, mini_corpus, capsys):
    ingest(*mini_corpus)
    before = current(settings).name
    (mini_corpus[0] / "manifest.toml").write_text("collection = [", encoding="utf-8")
    assert main(["ingest", *map(str, mini_corpus)]) == 1
    assert "manifest.toml" in capsys.readouterr().err
    assert current(settings).name == before


def test_second_ingest_is_refused_while_one_runs(settings, mini_corpus, capsys):
    with IndexStore(settings.index_dir).lock():
        assert main(["ingest", *map(str, mini_corpus)]) == 1
    assert "実行中" in capsys.readouterr().err
    assert current(settings) is None


def test_killed_ingest_leaves_the_previous_version_serving(settings, mini_corpus, tmp_path, capsys):
    ingest(*mini_corpus)
    before = current(settings).name
    big = {f"bulk/part{i}.txt": "第1 合成\n" + "".join(
        f"問{i + 1}-{j + 1} 合成\n(問) 保護費の返還について{j}回目の相談。\n(答) 資力の発生時点と返還額の決定を確認する。" * 3 + "\n"
        for j in range(150)) for i in range(20)}
    [bulk] = write_corpus(tmp_path / "big", big)
    env = {**os.environ, "KB_BOT_HOME": str(settings.home)}
    proc = subprocess.Popen([sys.executable, "-m", "kb_bot.cli", "ingest", str(bulk), *map(str, mini_corpus)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    versions = settings.index_dir / "versions"
    deadline = time.time() + 60
    while not list(versions.glob(".build-*")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current(settings).name == before
    assert Searcher(load_settings()).search("78条の2").hits[0].passage.label == "生活保護法 第78条の2"
    ingest(*mini_corpus)  # the stale lock of the killed process and its half-built folder are cleaned up
    assert not list(versions.glob(".build-*"))


def test_search_keeps_answering_during_an_ingest_and_then_serves_the_new_version(settings, mini_corpus, tmp_path):
    ingest(*mini_corpus)
    searcher = Searcher(settings)
    before = searcher.version().name
    big = {f"bulk/part{i}.txt": "第1 合成\n" + "".join(
        f"問{i + 1}-{j + 1} 合成\n(問) 分納の相談{j}。\n(答) 生活状況を聞いて回数を決める。\n" for j in range(150))
        for i in range(20)}
    [bulk] = write_corpus(tmp_path / "big", big)
    env = {**os.environ, "KB_BOT_HOME": str(settings.home)}
    proc = subprocess.Popen([sys.executable, "-m", "kb_bot.cli", "ingest", str(bulk), *map(str, mini_corpus)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    answered = 0
    while proc.poll() is None:
        hits = searcher.search("78条の2の申出").hits
        assert hits[0].passage.label == "生活保護法 第78条の2"
        answered += 1
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert answered > 0
    assert searcher.version().name != before
    assert searcher.search("分納の相談7").hits[0].passage.source.startswith("bulk/")


def test_versions_and_rollback(settings, mini_corpus, capsys):
    ingest(*mini_corpus)
    first = current(settings).name
    (mini_corpus[1] / "hou.md").write_text(MINI_CORPUS["handbook/hou.md"] + "### 第80条（返還の免除）\n消費した場合は返還を免除できる。\n",
                                          encoding="utf-8")
    ingest(*mini_corpus)
    second = current(settings).name
    assert second != first
    capsys.readouterr()
    assert main(["index", "versions"]) == 0
    listing = capsys.readouterr().out
    assert f"* {second}" in listing and f"  {first}" in listing
    assert main(["index", "rollback"]) == 0
    assert current(settings).name == first
    assert "生活保護法 第80条" not in {p.label for p in current(settings).passages}


@pytest.mark.parametrize("keep", [2])
def test_old_versions_beyond_keep_are_removed(home, mini_corpus, monkeypatch, keep):
    monkeypatch.setenv("KB_BOT_KEEP_VERSIONS", str(keep))
    for i in range(4):
        (mini_corpus[1] / "extra.md").write_text(f"## 生活保護法\n### 第{90 + i}条\n本文{i}\n", encoding="utf-8")
        assert main(["ingest", str(mini_corpus[1] / "extra.md")]) == 0
    assert len(IndexStore(load_settings().index_dir).names()) == keep


def test_change_report_shows_eval_before_and_after_with_a_gold_set(settings, mini_corpus, tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "id": "g1", "question": "前渡しした保護費を使ってしまった場合、返還を免除できるか", "labels": ["生活保護法 第80条"],
        "key_points": ["消費・喪失していること", "やむを得ない事由があれば返還させないことができる"], "category": "claims",
        "answerable": True, "split": "dev"}, ensure_ascii=False) + "\n", encoding="utf-8")
    ingest(*mini_corpus)
    law = mini_corpus[1] / "hou.md"
    law.write_text(law.read_text(encoding="utf-8")
                   + "### 第80条（返還の免除）\n前渡しした保護金品を消費し、やむを得ない事由があるときは返還を免除できる。\n",
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["ingest", "--json", "--gold", str(gold), *map(str, mini_corpus)]) == 0
    evals = json.loads(capsys.readouterr().out)["eval"]
    assert evals["before"]["recall@5"] == 0.0
    assert evals["after"]["recall@1"] == 1.0
    assert main(["ingest", "--gold", str(gold), *map(str, mini_corpus)]) == 0
    assert "recall@1: 1.000 → 1.000" in capsys.readouterr().out


def test_bad_gold_file_is_reported_before_anything_is_ingested(settings, mini_corpus, tmp_path, capsys):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "g1"}\n', encoding="utf-8")
    assert main(["ingest", "--gold", str(gold), *map(str, mini_corpus)]) == 2
    assert "gold.jsonl" in capsys.readouterr().err
    assert current(settings) is None
