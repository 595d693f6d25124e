"""A tiny end-to-end ``kb-bot eval`` over MINI_CORPUS: report files exist and the numbers are sane."""

import json

import pytest

from kb_bot.cli import main
from kb_bot.index.store import IndexStore

GOLD = [
    {"id": "m1", "question": "63条と78条ってどう違うの？", "labels": ["生活保護法 第63条", "生活保護法 第78条"],
     "key_points": ["63条は資力があった場合の返還", "78条は不正受給の徴収"], "category": "63_78", "answerable": True,
     "split": "dev"},
    {"id": "m2", "question": "返還額から冷蔵庫の購入費を自立更正費として引いていい？", "labels": ["問13-5"],
     "key_points": ["自立更生のためやむを得ない用途", "実施機関が認めた額"], "category": "jiritsu", "answerable": True,
     "split": "test"},
    {"id": "m3", "question": "保険金の受領を申告しないで使い込んだケース、63条か78条か",
     "labels": ["問13-21"], "key_points": ["受領後は78条", "資力発生から受領までは63条"], "category": "63_78",
     "answerable": True, "split": "test"},
    {"id": "m4", "question": "徴収金を保護費から天引きしてもらう申出", "labels": ["生活保護法 第78条の2"],
     "key_points": ["交付前の申出", "交付の際に徴収"], "category": "claims", "answerable": True, "split": "dev"},
    {"id": "u1", "question": "生活保護法第200条には何が書いてある？", "labels": [], "key_points": ["存在しない条文", "回答しない"],
     "category": "unanswerable", "answerable": False, "split": "test"},
    {"id": "u2", "question": "道路交通法の駐車違反の反則金はいくら？", "labels": [],
     "key_points": ["資料外", "回答しない"], "category": "unanswerable", "answerable": False, "split": "dev"},
]


@pytest.fixture
def gold_file(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(g, ensure_ascii=False) for g in GOLD), encoding="utf-8")
    return path


def run_eval(capsys, *args) -> tuple[int, str, str]:
    code = main(["eval", "-q", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_over_mini_corpus_writes_sane_reports(home, mini_corpus, gold_file, tmp_path, capsys):
    out = tmp_path / "report"
    code, stdout, _ = run_eval(capsys, "--gold", gold_file, "--corpus", *mini_corpus, "--out", out)
    assert code == 0
    for name in ("report.md", "report.json", "chart.png", "gold/report.md", "gold/chart.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    suite = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [result] = suite["sets"]  # --gold alone: no law set unless --law-set
    assert result["set"]["key"] == "gold"
    [run] = result["runs"]
    assert run["mode_requested"] == "lexical" and run["mode_used"] == "lexical"
    overall = run["metrics"]["retrieval"]["overall"]
    assert overall["n"] == 4
    for key in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"):
        assert 0.0 <= overall[key] <= 1.0
    assert overall["recall@1"] <= overall["recall@5"] <= overall["recall@10"]
    assert overall["recall@5"] >= 0.75  # the mini corpus names these articles outright
    assert run["metrics"]["answers"]["disclaimer"] == 1.0
    assert run["metrics"]["answers"]["contract"] == 1.0
    assert run["metrics"]["abstention"]["unanswerable"] == 2
    assert run["metrics"]["latency_ms"]["p50"] > 0
    assert set(run["metrics"]["retrieval"]["by_category"]) == {"63_78", "jiritsu", "claims", "unanswerable"}
    assert [i["id"] for i in run["items"]] == [g["id"] for g in GOLD]
    base = result["baseline"]
    assert base["chunks"] >= 1 and len(base["files"]) == 2
    assert 0.0 <= base["metrics"]["retrieval"]["overall"]["recall@5"] <= 1.0
    assert set(result["ratio"]) == {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"}
    md = (out / "gold" / "report.md").read_text(encoding="utf-8")
    assert "| Recall@5 | ≥ 0.97 |" in md and "ベースライン" in md and "![評価グラフ](chart.png)" in md
    # split all: every metric also as mean ± sd over 20 resplits, for kb-bot and the baseline
    assert run["resplits"]["seeds"] == list(range(1, 21))
    assert run["resplits"]["metrics"]["recall@5"]["n"] == 20
    assert base["resplits"]["metrics"]["mrr@10"]["n"] == 20
    assert "再分割（20 回" in md
    assert "[lexical] R@1" in stdout
    # the eval built its own index: the home of the office was not touched
    assert IndexStore(home / "index").current_name() is None


def test_split_and_unavailable_dense_are_reported(home, mini_corpus, gold_file, tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, _ = run_eval(capsys, "--gold", gold_file, "--corpus", *mini_corpus, "--out", out,
                               "--split", "test", "--mode", "all", "--no-baseline", "--no-chart")
    assert code == 0
    [result] = json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"]
    assert result["gold"]["items"] == 3
    modes = {r["mode_requested"]: r for r in result["runs"]}
    assert modes["lexical"]["available"]
    for m in ("dense", "hybrid"):
        assert not modes[m]["available"] and modes[m]["mode_used"] is None
        assert "測定できません" in modes[m]["notice"]
    assert "測定できません" in stdout
    assert not (out / "chart.png").exists()


def test_dense_only_request_says_what_was_used(home, mini_corpus, gold_file, tmp_path, capsys):
    out = tmp_path / "d"
    code, _, _ = run_eval(capsys, "--gold", gold_file, "--corpus", *mini_corpus, "--out", out, "--mode", "dense",
                          "--no-baseline", "--no-chart")
    assert code == 0
    [run] = json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"][0]["runs"]
    assert run["mode_requested"] == "dense" and run["mode_used"] == "lexical"
    assert "lexical で検索しました" in run["notice"]
    assert "注意" in (out / "report.md").read_text(encoding="utf-8")


def test_current_index_of_the_data_dir(home, mini_corpus, gold_file, tmp_path, capsys):
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    capsys.readouterr()
    out = tmp_path / "c"
    code, _, _ = run_eval(capsys, "--gold", gold_file, "--current-index", "--out", out, "--no-chart")
    assert code == 0
    [result] = json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"]
    assert result["index"]["built_from"] is None
    assert "skipped" in result["baseline"]


def test_bad_gold_and_missing_index_fail_clearly(home, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "q", "labels": [], "category": "c", "answerable": true}\n',
                   encoding="utf-8")
    code, _, err = run_eval(capsys, "--gold", bad)
    assert code == 2
    assert "bad.jsonl:1: answerable が true なのに 'labels' が空" in err
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(GOLD[0], ensure_ascii=False), encoding="utf-8")
    code, _, err = run_eval(capsys, "--gold", good, "--current-index")
    assert code == 1 and "索引がありません" in err
    code, _, err = run_eval(capsys, "--gold", good, "--split", "test", "--corpus", tmp_path)
    assert code == 1 and "split=test の質問がありません" in err


def test_gold_label_missing_from_index_is_warned(home, mini_corpus, tmp_path, capsys):
    path = tmp_path / "g.jsonl"
    item = {**GOLD[0], "labels": ["生活保護法 第999条"]}
    path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "w"
    code, stdout, _ = run_eval(capsys, "--gold", path, "--corpus", *mini_corpus, "--out", out, "--no-chart",
                               "--no-baseline")
    assert code == 0
    assert "正解ラベル「生活保護法 第999条」（m1）は索引のどのパッセージにも一致しません" in stdout
