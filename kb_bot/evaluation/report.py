"""Writing a run: ``report.md`` (for people), ``report.json`` (everything, per item), ``chart.png``."""

from __future__ import annotations

import json
from pathlib import Path

from kb_bot.evaluation.gold import category_name, shown_path, style_name
from kb_bot.evaluation.runner import CONFIDENT

METRIC_NAMES = {
    "recall@1": "Recall@1", "recall@5": "Recall@5", "recall@10": "Recall@10", "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
}


def _f(v: float | None, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _ratio(v: float | None, base: float | None) -> str:
    if base is None:
        return "—"
    if v is None:
        return "—"
    if base == 0:
        return "∞（ベースライン 0）" if v > 0 else "—"
    return f"{v / base:.1f}×"


def _short(text: str, n: int = 70) -> str:
    text = text.replace("\n", " ").replace("|", "｜")
    return text if len(text) <= n else text[:n] + "…"


def _available(result: dict) -> list[dict]:
    return [r for r in result["runs"] if r["available"]]


def write_report(result: dict, out: Path, chart: bool = True, with_json: bool = True) -> dict[str, Path]:
    """One set's report; ``with_json=False`` where the suite's report.json already holds it."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"md": out / "report.md"}
    if with_json:
        paths["json"] = out / "report.json"
        paths["json"].write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if chart:
        paths["png"] = out / "chart.png"
        write_chart(result, paths["png"])
    paths["md"].write_text(markdown(result, chart_name="chart.png" if chart else None), encoding="utf-8")
    return paths


def markdown(result: dict, chart_name: str | None = "chart.png") -> str:
    g, idx, s = result["gold"], result["index"], result["settings"]
    runs = _available(result)
    base = result.get("baseline") or {}
    bm = base.get("metrics")
    lines = [
        "# kb-bot 評価レポート",
        "",
        f"- 日時: {result['created']}（kb-bot {result['kb_bot_version']}、所要 {result['seconds']} 秒）",
    ]
    if result.get("command"):
        lines.append(f"- コマンド: `{result['command']}`")
    lines += [
        (f"- 正解データ: `{g['path']}`（sha1 {g['sha1']}）、split = **{g['split']}**、"
         f"{g['items']} 問（回答可能 {g['answerable']} / 資料外 {g['items'] - g['answerable']}）"),
        "- 索引: " + (f"評価用に {', '.join(f'`{shown_path(Path(p))}`' for p in idx['built_from'])} から作成"
                     if idx["built_from"] else f"運用中の索引（{idx['home']}）")
        + f"、文書 {idx['documents']} 件 / パッセージ {idx['passages']} 件、コーパス版 {idx['corpus_version']}",
        f"- 形態素解析の設定: {idx.get('tokenizer')}",
        (f"- 検索設定: fusion={s['fusion']}, rrf_k={s['rrf_k']}, dense_weight={s['dense_weight']}"
         f"（質問 {s['dense_taper_from']}→{s['dense_taper_to']} 字で 0 へ）, "
         f"ref_boost={s['ref_boost']}, abstain_threshold={s['abstain_threshold']}, top_k={s['top_k']}"),
        "- 密ベクトル: " + (f"{idx['dense_model']}" if idx.get("dense_model")
                          else f"なし（{idx.get('dense_note') or '語彙検索のみ'}）"),
        "",
    ]
    for r in result["runs"]:
        if not r["available"] or r["notice"]:
            lines.append(f"> **注意**: {r['notice']}")
            lines.append("")

    # -- headline table
    head = ["指標", "目標"] + [f"kb-bot（{r['mode_used']}）" for r in runs]
    if bm:
        head += ["ベースライン", "比（kb-bot / ベースライン）"]
    lines += ["## 結果", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    primary = runs[0] if runs else None
    targets = primary["targets"] if primary else {}

    def row(name: str, target: str, values: list[str], base_v: str = "", ratio: str = "") -> None:
        cells = [name, target, *values]
        if bm:
            cells += [base_v, ratio]
        lines.append("| " + " | ".join(cells) + " |")

    def target_of(key: str) -> str:
        return _target_text(key, targets.get(key, {}).get("target"))

    for key, name in METRIC_NAMES.items():
        vals = [_f(r["metrics"]["retrieval"]["overall"].get(key)) for r in runs]
        bv = bm["retrieval"]["overall"].get(key) if bm else None
        pv = primary["metrics"]["retrieval"]["overall"].get(key) if primary else None
        row(name, target_of(key), vals, _f(bv), _ratio(pv, bv))
    row("回答を控えた: 再現率（資料外の質問のうち）", target_of("abstention_recall"),
        [_pct(r["metrics"]["abstention"]["recall"]) for r in runs], "（控えない）")
    row("回答を控えた: 適合率（控えた質問のうち資料外）", "",
        [_pct(r["metrics"]["abstention"]["precision"]) for r in runs])
    row("誤って控えた率（回答可能な質問のうち）", target_of("wrong_abstention"),
        [_pct(r["metrics"]["abstention"]["wrong_rate"]) for r in runs])
    row(f"資料外なのに確信度 {CONFIDENT} 以上で回答（問）", target_of("confident_unanswerable"),
        [str(r["metrics"]["abstention"].get("confident_unanswerable", "—")) for r in runs])
    row("資料外の質問のうち、控えたか「根拠が弱い」と表示した", "",
        [_pct(r["metrics"]["abstention"].get("caught")) for r in runs])
    row("回答した回答可能な質問のうち「根拠が弱い」と表示した", "",
        [_pct(r["metrics"]["answers"].get("weak_basis")) for r in runs])
    row("回答の引用に正解ラベルを含む（回答可能な質問のうち）", "",
        [_pct(r["metrics"]["answers"]["cites_gold"]) for r in runs])
    row("同（回答した質問のうち）", "", [_pct(r["metrics"]["answers"]["cites_gold_when_answered"]) for r in runs])
    row("免責文あり", "100%", [_pct(r["metrics"]["answers"]["disclaimer"]) for r in runs])
    row("JSON 契約の項目がそろう", "100%", [_pct(r["metrics"]["answers"]["contract"]) for r in runs])
    blat = bm["latency_ms"] if bm else {}
    row("応答時間 p50（ms）", "", [_f(r["metrics"]["latency_ms"]["p50"], 1) for r in runs], _f(blat.get("p50"), 1))
    row("応答時間 p95（ms）", "", [_f(r["metrics"]["latency_ms"]["p95"], 1) for r in runs], _f(blat.get("p95"), 1))
    lines.append("")
    if targets:
        met = [k for k, t in targets.items() if t["met"]]
        missed = [k for k, t in targets.items() if t["met"] is False]
        lines.append(f"目標（{primary['mode_used']}）: 達成 {', '.join(met) or 'なし'}"
                     + (f" / **未達 {', '.join(missed)}**" if missed else ""))
        lines.append("")
    if primary and primary.get("resplits"):
        lines += _resplit_table(primary, base)
    if base.get("skipped"):
        lines += [f"ベースライン: 省略（{base['skipped']}）", ""]
    elif bm:
        lines += [(f"ベースライン: {base['method']}、{len(base['files'])} ファイル → {base['chunks']} チャンク"
                   "（チャンクは、その中に本文の半分以上を含む kb-bot パッセージのラベルで採点）"), ""]
    if chart_name:
        lines += [f"![評価グラフ]({chart_name})", ""]

    # -- per category
    for r in runs:
        lines += [f"## カテゴリ別（kb-bot {r['mode_used']}）", "",
                  "| カテゴリ | 質問数 | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | 控えた数 |"
                  + (" ベースライン R@5 |" if bm else ""),
                  "|---|---|---|---|---|---|---|---|" + ("---|" if bm else "")]
        for cat, m in r["metrics"]["retrieval"]["by_category"].items():
            cells = [category_name(cat), str(m["items"])]
            cells += [_f(m.get(k)) if m.get("n") else "—" for k in METRIC_NAMES]
            cells.append(str(m["abstained"]))
            if bm:
                bc = bm["retrieval"]["by_category"].get(cat, {})
                cells.append(_f(bc.get("recall@5")) if bc.get("n") else "—")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    # -- per way of asking (gold2's style field)
    for r in runs:
        if not r["metrics"].get("by_style"):
            continue
        lines += [f"## 書き方別（kb-bot {r['mode_used']}）", "",
                  "| 書き方 | 質問数 | R@1 | R@5 | MRR@10 | 回答可能なのに控えた | 資料外で控えた |", "|---|---|---|---|---|---|---|"]
        for style, m in r["metrics"]["by_style"].items():
            cells = [style_name(style) if style else "（指定なし）", str(m["items"])]
            cells += [_f(m.get(k)) if m.get("n") else "—" for k in ("recall@1", "recall@5", "mrr@10")]
            cells += [f"{m['wrong']} / {m['answerable']}", f"{m['abstained'] - m['wrong']} / {m['unanswerable']}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    # -- failures of the first run
    if primary:
        lines += _failures(primary)
    if result["warnings"]:
        lines += ["## 注意", ""] + [f"- {w}" for w in result["warnings"]] + [""]
    lines += [
        "## 指標の定義", "",
        ("- 検索（回答可能な質問のみ）: 上位の各パッセージのラベルを正解ラベル（いずれか）と階層的に照合"
         "（「生活保護法 第78条」は「第78条第2項」にも一致）。各正解ラベルは最初に一致した順位でだけ数える。"
         "Recall@k = 上位 k 件に正解があるか、MRR@10 = 最初の正解の順位の逆数、nDCG@10 = 索引にある正解ラベル数を理想とした正規化 DCG。"),
        ("- 回答を控える: `kb-bot ask --json` と同じ `abstained`。再現率 = 資料外の質問のうち控えた割合、"
         "誤って控えた率 = 回答可能な質問のうち控えた割合。"),
        "- 回答の引用: 回答文が参照する引用（`used`）に正解ラベルがあるか。控えた回答は「含まない」と数える。",
        "- 応答時間: 検索 + 回答組立て、1問ごと（索引の読み込みは最初の1問の前に済ませる）。",
        "",
    ]
    return "\n".join(lines)


FLAT_NAMES = {
    **METRIC_NAMES,
    "abstention_recall": "控えた再現率（資料外）",
    "abstention_precision": "控えた適合率",
    "wrong_abstention": "誤って控えた率（回答可能）",
    "confident_unanswerable": f"資料外に確信度 {CONFIDENT} 以上で回答（問）",
    "caught_unanswerable": "資料外を控えたか「根拠が弱い」と表示",
    "weak_answered": "回答可能な回答に「根拠が弱い」",
    "cites_gold": "回答が正解ラベルを引用",
    "disclaimer": "免責文あり",
}
COUNTS = ("confident_unanswerable",)
SHARES = ("abstention_recall", "abstention_precision", "wrong_abstention", "caught_unanswerable", "weak_answered",
          "cites_gold")
"""Metrics shown as percentages."""


def _target_text(key: str, target: str | None) -> str:
    if not target:
        return ""
    op, goal = target.split()
    sign = "≥" if op == ">=" else "≤"
    if key in ("abstention_recall", "wrong_abstention", "disclaimer"):
        return "100%" if float(goal) == 1.0 and sign == "≥" else f"{sign} {float(goal) * 100:g}%"
    return f"{sign} {goal}" if key not in COUNTS else f"{goal} 問"


def _value(key: str, v: float | None) -> str:
    if v is None:
        return "—"
    if key in COUNTS:
        return f"{v:g}"
    if key in (*SHARES, "disclaimer"):
        return _pct(v)
    return _f(v)


def _spread(key: str, stat: dict | None) -> str:
    if not stat:
        return "—"
    if key in COUNTS:
        return f"{stat['mean']:.2f} ± {stat['sd']:.2f}"
    if key in SHARES:
        return f"{stat['mean'] * 100:.1f}% ± {stat['sd'] * 100:.1f}"
    return f"{stat['mean']:.3f} ± {stat['sd']:.3f}"


def _resplit_table(run: dict, base: dict) -> list[str]:
    rs = run["resplits"]
    bstats = ((base or {}).get("resplits") or {}).get("metrics", {})
    seeds = rs["seeds"]
    out = [f"### 再分割（{len(seeds)} 回、seed {seeds[0]}–{seeds[-1]}、カテゴリごとに {rs['test_share']:.0%} を test）", "",
           "固定の split とは別に、全問をカテゴリごとに無作為に dev/test に分け直し、test 側で測り直した値の平均 ± 標準偏差（最小–最大）。", "",
           f"| 指標 | kb-bot（{run['mode_used']}） | 最小–最大 | ベースライン |", "|---|---|---|---|"]
    for key, stat in rs["metrics"].items():
        lo_hi = f"{_value(key, stat['min'])}–{_value(key, stat['max'])}"
        out.append(f"| {FLAT_NAMES.get(key, key)} | {_spread(key, stat)} | {lo_hi} | {_spread(key, bstats.get(key))} |")
    out.append("")
    return out


def _failures(run: dict) -> list[str]:
    rows = run["items"]
    misses = [r for r in rows if r["answerable"] and not any(r["rels"][:5])]
    wrong = [r for r in rows if r["answerable"] and r["abstained"]]
    leaks = [r for r in rows if not r["answerable"] and not r["abstained"]]
    out = [f"## 外れた質問（{run['mode_used']}）", ""]
    out += [f"### 上位5件に正解がない（{len(misses)} 問）", ""]
    if misses:
        out += ["| id | カテゴリ | 質問 | 正解ラベル | 正解の順位 | 上位3件 |", "|---|---|---|---|---|---|"]
        for r in misses:
            top = "、".join(h["label"] for h in r["hits"][:3])
            out.append(f"| {r['id']} | {category_name(r['category'])} | {_short(r['question'])} | "
                       f"{'、'.join(r['labels'])} | {r['first_rank'] or '圏外'} | {top} |")
    out += ["", f"### 回答可能なのに控えた（{len(wrong)} 問）", ""]
    if wrong:
        out += ["| id | 質問 | 確信度 | 理由 |", "|---|---|---|---|"]
        for r in wrong:
            out.append(f"| {r['id']} | {_short(r['question'])} | {r['confidence']:.3f} | {r['reason']} |")
    out += ["", f"### 資料外なのに回答した（{len(leaks)} 問）", ""]
    if leaks:
        out += ["| id | 質問 | 確信度 | 1位のラベル |", "|---|---|---|---|"]
        for r in leaks:
            top = r["hits"][0]["label"] if r["hits"] else "—"
            out.append(f"| {r['id']} | {_short(r['question'])} | {r['confidence']:.3f} | {top} |")
    out.append("")
    return out


def write_chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # japanize-matplotlib uses distutils' LooseVersion
        import japanize_matplotlib  # noqa: F401 - registers a Japanese font (IPAexGothic)

    runs = _available(result)
    base = (result.get("baseline") or {}).get("metrics")
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    fig.suptitle(f"kb-bot 評価（split={result['gold']['split']}、{result['gold']['items']} 問）", fontsize=14)
    colors = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b"]

    # 1. overall retrieval
    ax = axes[0][0]
    keys = list(METRIC_NAMES)
    series = [(f"kb-bot {r['mode_used']}", r["metrics"]["retrieval"]["overall"]) for r in runs]
    if base:
        series.append(("ベースライン", base["retrieval"]["overall"]))
    width = 0.8 / max(1, len(series))
    for i, (name, m) in enumerate(series):
        xs = [j + i * width for j in range(len(keys))]
        vals = [m.get(k) or 0.0 for k in keys]
        color = "#bbbbbb" if name == "ベースライン" else colors[i % len(colors)]
        bars = ax.bar(xs, vals, width, label=name, color=color)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=7)
    ax.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(keys))])
    ax.set_xticklabels([METRIC_NAMES[k] for k in keys])
    ax.set_ylim(0, 1.25)
    ax.axhline(0.95, color="red", linestyle=":", linewidth=1, label="目標 Recall@5 0.95")
    ax.axhline(0.85, color="orange", linestyle=":", linewidth=1, label="目標 MRR@10 0.85")
    ax.set_title("検索の精度（回答可能な質問）")
    ax.legend(fontsize=8, loc="upper center", ncol=2)

    # 2. per category, first run
    ax = axes[0][1]
    if runs:
        cats = [c for c, m in runs[0]["metrics"]["retrieval"]["by_category"].items() if m.get("n")]
        m = runs[0]["metrics"]["retrieval"]["by_category"]
        names = [category_name(c) for c in cats]
        ys = range(len(cats))
        for offset, values, name, color in (
            (-0.27, [m[c]["recall@5"] for c in cats], "Recall@5", colors[0]),
            (0.0, [m[c]["mrr@10"] for c in cats], "MRR@10", "#ff7f0e"),
            *([(0.27, [(base["retrieval"]["by_category"].get(c) or {}).get("recall@5") or 0.0 for c in cats],
                "ベースライン Recall@5", "#bbbbbb")] if base else []),
        ):
            bars = ax.barh([y + offset for y in ys], values, 0.27, label=name, color=color)
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=2)
        ax.set_yticks(list(ys))
        ax.set_yticklabels(names, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.15)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, frameon=False)
    ax.set_title(f"カテゴリ別（kb-bot {runs[0]['mode_used'] if runs else ''}）")

    # 3. abstention
    ax = axes[1][0]
    labels = ["控えた再現率\n（資料外）", "控えた適合率", "誤って控えた率\n（回答可能）", "正解ラベルを\n引用した回答"]
    width = 0.8 / max(1, len(runs))
    for i, r in enumerate(runs):
        a, ans = r["metrics"]["abstention"], r["metrics"]["answers"]
        vals = [a["recall"] or 0.0, a["precision"] or 0.0, a["wrong_rate"] or 0.0, ans["cites_gold"] or 0.0]
        bars = ax.bar([j + i * width for j in range(4)], vals, width, label=f"kb-bot {r['mode_used']}",
                      color=colors[i % len(colors)])
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=8)
    ax.set_xticks([j + width * (len(runs) - 1) / 2 for j in range(4)])
    ax.set_xticklabels(labels, fontsize=9)
    ax.axhline(0.9, color="red", linestyle=":", linewidth=1, label="目標 0.90（再現率）")
    ax.axhline(0.05, color="purple", linestyle=":", linewidth=1, label="上限 0.05（誤って控えた率）")
    ax.set_ylim(0, 1.3)
    ax.set_title("回答を控える判断と引用")
    ax.legend(fontsize=8, loc="upper center", ncol=2)

    # 4. latency
    ax = axes[1][1]
    lat = [(f"kb-bot {r['mode_used']}", r["metrics"]["latency_ms"]) for r in runs]
    if base:
        lat.append(("ベースライン", base["latency_ms"]))
    for i, (name, m) in enumerate(lat):
        vals = [m.get("p50") or 0.0, m.get("p95") or 0.0]
        color = "#bbbbbb" if name == "ベースライン" else colors[i % len(colors)]
        bars = ax.bar([j + i * 0.35 for j in range(2)], vals, 0.35, label=name, color=color)
        ax.bar_label(bars, labels=[f"{v:.1f}" for v in vals], fontsize=8)
    ax.set_xticks([j + 0.35 * (len(lat) - 1) / 2 for j in range(2)])
    ax.set_xticklabels(["p50", "p95"])
    ax.set_ylabel("ミリ秒 / 問")
    ax.set_title("応答時間")
    ax.legend(fontsize=8)

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- several sets side by side -----------------------------------------------------------------------
SIDE_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "abstention_recall", "abstention_precision",
             "wrong_abstention", "confident_unanswerable", "caught_unanswerable", "weak_answered", "cites_gold",
             "disclaimer")


def write_suite_report(suite: dict, out: Path, chart: bool = True) -> dict[str, Path]:
    """``report.md`` / ``report.json`` / ``chart.png`` for all sets, and each set's own report in ``<key>/``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md"}
    paths["json"].write_text(json.dumps(suite, ensure_ascii=False, indent=1), encoding="utf-8")
    for result in suite["sets"]:
        write_report(result, out / result["set"]["key"], chart=chart, with_json=False)
    if chart:
        paths["png"] = out / "chart.png"
        write_suite_chart(suite, paths["png"])
    paths["md"].write_text(suite_markdown(suite, chart_name="chart.png" if chart else None), encoding="utf-8")
    return paths


def _stat_cell(key: str, value: float | None, stat: dict | None) -> str:
    cell = _value(key, value)
    return cell + (f"<br>［{_spread(key, stat)}］" if stat else "")


def suite_markdown(suite: dict, chart_name: str | None = "chart.png") -> str:
    from kb_bot.evaluation.runner import flat_metrics

    sets = suite["sets"]
    seeds = suite.get("resplit_seeds") or []
    lines = [
        "# kb-bot 評価レポート（全セット横並び）",
        "",
        f"- 日時: {suite['created']}（kb-bot {suite['kb_bot_version']}、所要 {suite['seconds']} 秒）",
    ]
    if suite.get("command"):
        lines.append(f"- コマンド: `{suite['command']}`")
    lines.append(f"- split = **{suite['split']}**" + (
        f"、再分割 {len(seeds)} 回（各セルの［平均 ± 標準偏差］、カテゴリごとに無作為に 40% を test にして測り直した値）"
        if seeds else "（dev では再分割しません: test の結果を見ないため）"))
    lines += ["", "## セット", "", "| セット | 正解データ | 質問（回答可能 / 資料外） | 索引 | 詳細 |", "|---|---|---|---|---|"]
    for r in sets:
        g, idx, key = r["gold"], r["index"], r["set"]["key"]
        built = ", ".join(f"`{shown_path(Path(p))}`" for p in idx["built_from"] or ())
        where = r["set"].get("source") or built or f"運用中（{idx['home']}）"
        lines.append(f"| {r['set']['name']} | `{g['path']}` | {g['items']}（{g['answerable']} / "
                     f"{g['items'] - g['answerable']}） | {where}、{idx['passages']} パッセージ | "
                     f"[{key}/report.md]({key}/report.md) |")
    lines.append("")
    for i, mode in enumerate(suite["modes"]):
        runs = [(r, r["runs"][i]) for r in sets if r["runs"][i]["available"]]
        if not runs:
            lines += [f"## {mode}: 測定できません", "", sets[0]["runs"][i]["notice"], ""]
            continue
        head = ["指標"]
        for r, run in runs:
            key = r["set"]["key"]
            head += [f"{key}: kb-bot（{run['mode_used']}）", f"{key}: 目標", f"{key}: ベースライン"]
        lines += [f"## 結果（{mode}）", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for key in SIDE_KEYS:
            cells = [FLAT_NAMES[key]]
            for r, run in runs:
                stats = (run.get("resplits") or {}).get("metrics", {})
                base = r.get("baseline") or {}
                bvalue = flat_metrics(base["metrics"]).get(key) if "metrics" in base else None
                bstats = (base.get("resplits") or {}).get("metrics", {})
                cells += [_stat_cell(key, flat_metrics(run["metrics"]).get(key), stats.get(key)),
                          _target_text(key, run["targets"].get(key, {}).get("target")),
                          _stat_cell(key, bvalue, bstats.get(key)) if bvalue is not None else "—"]
            lines.append("| " + " | ".join(cells) + " |")
        lat = ["応答時間 p50 / p95（ms）"]
        for _, run in runs:
            m = run["metrics"]["latency_ms"]
            lat += [f"{_f(m['p50'], 1)} / {_f(m['p95'], 1)}", "", ""]
        lines += ["| " + " | ".join(lat) + " |", ""]
        for r, run in runs:
            missed = [k for k, t in run["targets"].items() if t["met"] is False]
            met = [k for k, t in run["targets"].items() if t["met"]]
            lines.append(f"- {r['set']['key']}: 目標 達成 {', '.join(met) or 'なし'}"
                         + (f" / **未達 {', '.join(missed)}**" if missed else ""))
        lines.append("")
    if chart_name:
        lines += [f"![全セットの評価]({chart_name})", ""]
    warnings = [f"{r['set']['key']}: {w}" for r in sets for w in r["warnings"]]
    if warnings:
        lines += ["## 注意", ""] + [f"- {w}" for w in warnings] + [""]
    lines += ["指標の定義とセットごとの外れた質問は、各セットの report.md にあります。", ""]
    return "\n".join(lines)


def write_suite_chart(suite: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    import matplotlib.pyplot as plt

    from kb_bot.evaluation.runner import flat_metrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import japanize_matplotlib  # noqa: F401 - registers a Japanese font (IPAexGothic)

    sets = [r for r in suite["sets"] if any(run["available"] for run in r["runs"])]
    panels = [("検索の精度（回答可能な質問）", ("recall@1", "recall@5", "mrr@10", "ndcg@10")),
              ("回答を控える判断", ("abstention_recall", "wrong_abstention", "cites_gold"))]
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    fig.suptitle(f"kb-bot 評価 全セット（split={suite['split']}、誤差棒 = 再分割 {len(suite.get('resplit_seeds') or [])} 回の標準偏差）",
                 fontsize=13)
    colors = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#8c564b"]
    for ax, (title, keys) in zip(axes, panels, strict=True):
        series = []
        for i, r in enumerate(sets):
            run = next(x for x in r["runs"] if x["available"])
            stats = (run.get("resplits") or {}).get("metrics", {})
            color = colors[i % len(colors)]
            series.append((f"{r['set']['key']} kb-bot", flat_metrics(run["metrics"]), stats, color, None))
            base = r.get("baseline") or {}
            if "metrics" in base and title.startswith("検索"):
                series.append((f"{r['set']['key']} ベースライン", flat_metrics(base["metrics"]),
                               (base.get("resplits") or {}).get("metrics", {}), color, "//"))
        width = 0.8 / max(1, len(series))
        for j, (name, values, stats, color, hatch) in enumerate(series):
            xs = [k + j * width for k in range(len(keys))]
            vals = [values.get(k) or 0.0 for k in keys]
            errs = [(stats.get(k) or {}).get("sd", 0.0) for k in keys]
            bars = ax.bar(xs, vals, width, yerr=errs, capsize=2, label=name, color=color if not hatch else "white",
                          edgecolor=color, hatch=hatch)
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=6, padding=1)
        ax.set_xticks([k + width * (len(series) - 1) / 2 for k in range(len(keys))])
        ax.set_xticklabels([FLAT_NAMES[k] for k in keys], fontsize=8)
        ax.set_ylim(0, 1.3)
        ax.set_title(title)
        ax.legend(fontsize=7, loc="upper center", ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
