"""``kb-bot eval`` over all sets side by side, with repeated random resplits."""

import json

from kb_bot.cli import main
from kb_bot.evaluation.gold import STYLES
from kb_bot.evaluation.runner import resplit_stats


def row(i: int, category: str, answerable: bool, hit: bool, abstained: bool) -> dict:
    return {"id": f"q{i}", "category": category, "answerable": answerable, "rels": [1 if hit else 0] + [0] * 9,
            "n_relevant": 1, "abstained": abstained, "confidence": 0.5, "cites_gold": hit, "disclaimer_ok": True,
            "contract_ok": True, "latency_ms": 1.0}


def test_resplit_stats_are_means_and_spreads_over_the_test_parts():
    rows = [row(i, "a", True, i % 2 == 0, False) for i in range(10)] + [row(10 + i, "u", False, False, True)
                                                                      for i in range(5)]
    stats = resplit_stats(rows, range(1, 21))
    assert stats["seeds"] == list(range(1, 21))
    r5 = stats["metrics"]["recall@5"]
    assert r5["n"] == 20 and r5["min"] <= r5["mean"] <= r5["max"] and r5["sd"] > 0
    # 4 of 10 answerable items in every test part; half of all of them hit: the mean is near 0.5
    assert 0.3 <= r5["mean"] <= 0.7
    # every unanswerable item abstains and no answerable one does, whatever the split
    assert stats["metrics"]["abstention_recall"] == {"mean": 1.0, "sd": 0.0, "min": 1.0, "max": 1.0, "n": 20}
    assert stats["metrics"]["wrong_abstention"]["max"] == 0.0


def test_dev_split_is_never_resplit(home, mini_corpus, tmp_path, capsys):
    gold = tmp_path / "g.jsonl"
    gold.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in [
        {"id": "a", "question": "63条と78条の違い", "labels": ["生活保護法 第63条"], "category": "63_78",
         "answerable": True, "split": "dev"},
        {"id": "b", "question": "自立更生費とは", "labels": ["問13-5"], "category": "jiritsu", "answerable": True,
         "split": "test"}]), encoding="utf-8")
    out = tmp_path / "r"
    assert main(["eval", "-q", "--gold", str(gold), "--corpus", *map(str, mini_corpus), "--split", "dev",
                 "--out", str(out), "--no-chart"]) == 0
    suite = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [run] = suite["sets"][0]["runs"]
    assert [i["id"] for i in run["items"]] == ["a"]  # the test item was not even asked
    assert run["resplits"] is None and suite["resplit_seeds"] == []
    assert "dev では再分割しません" in (out / "report.md").read_text(encoding="utf-8")


def test_default_eval_reports_the_gold_sets_and_law_set_side_by_side(home, tmp_path, capsys):
    resplits = 5
    out = tmp_path / "all"
    assert main(["eval", "-q", "--out", str(out), "--resplits", str(resplits)]) == 0
    stdout = capsys.readouterr().out
    suite = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [s["set"]["key"] for s in suite["sets"]] == ["gold", "gold2", "gold3-blind", "gold4-dev", "gold5-blind",
                                                        "gold6-dev", "gold7-blind", "law"]
    for result in suite["sets"]:
        [run] = result["runs"]
        assert run["resplits"]["metrics"]["recall@5"]["n"] == resplits
        assert run["resplits"]["metrics"]["wrong_abstention"]["n"] == resplits
        assert result["baseline"]["resplits"]["metrics"]["recall@5"]["n"] == resplits
        assert (out / result["set"]["key"] / "report.md").exists()
        assert f"== {result['set']['key']}" in stdout
    law = suite["sets"][-1]
    assert law["gold"]["items"] >= 80 and law["index"]["passages"] >= 200
    assert set(law["runs"][0]["targets"]) == {"wrong_abstention", "disclaimer"}
    gold, gold2 = suite["sets"][0], suite["sets"][1]
    assert set(gold2["runs"][0]["metrics"]["by_style"]) == set(STYLES)  # gold2 says which way of asking fails
    assert "## 書き方別" in (out / "gold2" / "report.md").read_text(encoding="utf-8")
    assert gold["index"] == gold2["index"]  # both gold sets were measured on one index
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "gold: kb-bot（lexical）" in md and "gold2: kb-bot（lexical）" in md and "law: kb-bot（lexical）" in md
    assert f"再分割 {resplits} 回" in md and " ± " in md
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
