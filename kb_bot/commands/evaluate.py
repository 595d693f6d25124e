"""``kb-bot eval``: measure retrieval, abstention and answers on a gold set, beside a naive baseline."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path

from kb_bot.settings import Settings, checkout_path, sample_corpus

DEFAULT_GOLDS = (Path("eval/gold.jsonl"), Path("eval/gold2.jsonl"), Path("eval/gold3-blind.jsonl"),
                 Path("eval/gold4-dev.jsonl"), Path("eval/gold5-blind.jsonl"), Path("eval/gold6-dev.jsonl"),
                 Path("eval/gold7-blind.jsonl"))
DEFAULT_CORPUS = ("handbook", "casebook", "notices")
"""Folders of the sample corpus (:func:`kb_bot.settings.sample_corpus`) measured by default, in ingest order."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="正解データで検索・回答を評価し、レポート（Markdown・JSON・グラフ）を書く",
        description="正解データ（JSON lines）の質問を kb-bot に答えさせ、Recall@k・MRR・nDCG・回答を控える判断・"
                    "引用・免責文・応答時間を測る。同じファイルに対する素朴なベースライン"
                    "（llama-index の SentenceSplitter + BM25Retriever）も並べて測る。--gold を指定しなければ、"
                    "eval/gold.jsonl・eval/gold2.jsonl・eval/gold3-blind.jsonl・eval/gold5-blind.jsonl と eval/gold7-blind.jsonl（test のみ）・"
                    "eval/gold4-dev.jsonl・eval/gold6-dev.jsonl（dev のみ）と生成した法令セットを横並びで測る。",
    )
    p.add_argument("--gold", type=Path, action="append", default=None,
                   help="正解データのファイル（繰り返し指定可。既定: eval/gold.jsonl・gold2.jsonl・gold3-blind.jsonl・"
                        "gold4-dev.jsonl・gold5-blind.jsonl・gold6-dev.jsonl・gold7-blind.jsonl と法令セット。test のみの gold3-blind / "
                        "gold5-blind / gold7-blind は "
                        "--split dev では、dev のみの gold4-dev / gold6-dev は --split test では測らない）。"
                        "書式は eval/README.md")
    p.add_argument("--law-set", action=argparse.BooleanOptionalAction, default=None,
                   help="生成した架空の法律と長文の事例問題のセットも測る（既定: --gold を指定しないときだけ）")
    p.add_argument("--resplits", type=int, default=None, metavar="N",
                   help="固定の split とは別に、無作為に分け直して測る回数（既定: 20。0 で行わない。--split dev では行わない）")
    p.add_argument("--mode", choices=["lexical", "dense", "hybrid", "all"], default="lexical",
                   help="検索方式（既定: lexical。all は3方式を比べる。密モデルが使えない方式はそう報告する）")
    p.add_argument("--split", choices=["dev", "test", "all"], default="all",
                   help="評価する質問（dev = 調整用、test = 調整に使わない評価用、既定: all）")
    p.add_argument("--out", type=Path, default=None,
                   help="レポートを書くフォルダ（既定: eval/reports/<日時>-<split>-<mode>）")
    p.add_argument("--corpus", type=Path, nargs="+", default=None,
                   help="評価用の索引を一時フォルダに作る資料のフォルダ（既定: 同梱の corpus/handbook casebook notices）")
    p.add_argument("--current-index", action="store_true",
                   help="一時索引を作らず、--data-dir（KB_BOT_HOME）の運用中の索引を評価する（所内の資料で測る場合）")
    p.add_argument("--no-baseline", action="store_true", help="ベースラインを測らない")
    p.add_argument("--no-chart", action="store_true", help="PNG グラフを書かない")
    p.add_argument("--check-targets", action="store_true",
                   help="どれかのセットが目標（Recall@5・MRR@10・控える判断・免責文、法令セットは誤って控えた率）を"
                        "満たさなければ終了コード 1")
    p.add_argument("-q", "--quiet", action="store_true", help="進捗バーを出さない")
    p.add_argument("--fit-confidence", action="store_true",
                   help="dev split だけで確信度モデルを学習し kb_bot/data/confidence.json に保存する"
                        "（--gold 省略時は eval/gold.jsonl・gold2.jsonl・gold4-dev.jsonl・gold6-dev.jsonl と法令セット。--mode lexical / hybrid / all）")
    p.set_defaults(func=_eval)


def _find(path: Path) -> Path:
    """A relative default is looked up in the working folder, then in the kb-bot checkout."""
    if path.is_absolute() or path.exists():
        return path
    return checkout_path(path) if checkout_path(path).exists() else path


def _default_corpus() -> list[Path]:
    root = sample_corpus()
    return [root / name for name in DEFAULT_CORPUS]


def _gold_sets(paths: list[Path]) -> list:
    """One EvalSet per gold file, keyed by the file's stem (made unique)."""
    from kb_bot.evaluation.gold import load_gold
    from kb_bot.evaluation.suite import EvalSet

    sets, keys = [], set()
    for path in paths:
        key = path.stem
        while key in keys:
            key += "_"
        keys.add(key)
        sets.append(EvalSet(key, f"{path.name}", load_gold(path)))
    return sets


def default_sets(split: str) -> list:
    """The default gold files as EvalSets, less those without a question in ``split``.

    eval/gold3-blind.jsonl, eval/gold5-blind.jsonl and eval/gold7-blind.jsonl are test-only, so a ``--split dev`` run
    (the split tuning reads) leaves them out;
    eval/gold4-dev.jsonl and eval/gold6-dev.jsonl are dev-only (tuning data), so a ``--split test`` run leaves them out.
    """
    paths = [p for p in (_find(p) for p in DEFAULT_GOLDS) if p.exists()]
    return [s for s in _gold_sets(paths) if s.gold.select(split)]


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    if args.fit_confidence:
        return _fit_confidence(args, settings)

    from kb_bot.evaluation.gold import GoldError
    from kb_bot.evaluation.report import write_suite_report
    from kb_bot.evaluation.runner import EvalError
    from kb_bot.evaluation.suite import RESPLITS, law_set, run_suite

    with_law = args.law_set if args.law_set is not None else args.gold is None
    try:
        sets = _gold_sets(args.gold) if args.gold else default_sets(args.split)
    except GoldError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 2
    resplits = RESPLITS if args.resplits is None else args.resplits
    if resplits < 0:
        print("エラー: --resplits は 0 以上の整数にしてください", file=sys.stderr)
        return 2
    modes = ["lexical", "dense", "hybrid"] if args.mode == "all" else [args.mode]
    corpus = None
    if not args.current_index:
        corpus = args.corpus or _default_corpus()
    command = "kb-bot " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else ""
    with tempfile.TemporaryDirectory(prefix="kb-bot-lawset-") as tmp:
        if with_law:
            sets.append(law_set(Path(tmp)))
        try:
            suite = run_suite(settings, sets, split=args.split, modes=modes, corpus=corpus,
                              use_current=args.current_index, baseline=not args.no_baseline,
                              progress=not args.quiet, command=command, resplits=resplits)
        except EvalError as e:
            print(f"エラー: {e}", file=sys.stderr)
            return 1
    out = args.out or Path("eval/reports") / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{args.split}-{args.mode}"
    written = write_suite_report(suite, out, chart=not args.no_chart)
    print(_summary(suite))
    print("レポート: " + "、".join(str(p) for p in written.values()))
    if args.check_targets:
        for result in suite["sets"]:
            run = next((r for r in result["runs"] if r["available"]), None)
            if run is None or any(t["met"] is False for t in run["targets"].values()):
                return 1
    return 0


def _fit_confidence(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    from kb_bot.evaluation.calibrate import Source, fit_confidence, markdown
    from kb_bot.evaluation.gold import GoldError
    from kb_bot.evaluation.runner import EvalError
    from kb_bot.evaluation.suite import law_set

    with_law = args.law_set if args.law_set is not None else args.gold is None
    corpus = tuple(args.corpus or _default_corpus())
    modes = ["lexical", "hybrid"] if args.mode == "all" else [args.mode]
    with tempfile.TemporaryDirectory(prefix="kb-bot-lawset-") as tmp:
        try:
            golds = _gold_sets(args.gold) if args.gold else default_sets("dev")
            sources = [Source(s.gold, corpus) for s in golds]
            if with_law:
                law = law_set(Path(tmp))
                sources.append(Source(law.gold, tuple(law.corpus or ())))
            report = fit_confidence(settings, sources, modes, progress=not args.quiet)
        except (GoldError, EvalError) as e:
            print(f"エラー: {e}", file=sys.stderr)
            return 2 if isinstance(e, GoldError) else 1
    text = markdown(report)
    out = args.out or Path("eval/reports") / "confidence-dev"
    out.mkdir(parents=True, exist_ok=True)
    (out / "confidence.md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if report["saved"] else 1


def _summary(suite: dict) -> str:
    def f(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    lines = []
    for result in suite["sets"]:
        lines.append(f"== {result['set']['key']}（{result['set']['name']}）split={result['gold']['split']} "
                     f"{result['gold']['items']} 問")
        for r in result["runs"]:
            if not r["available"]:
                lines.append(f"[{r['mode_requested']}] {r['notice']}")
                continue
            o, a = r["metrics"]["retrieval"]["overall"], r["metrics"]["abstention"]
            lat = r["metrics"]["latency_ms"]
            lines.append(
                f"[{r['mode_used']}] R@1 {f(o['recall@1'])}  R@5 {f(o['recall@5'])}  R@10 {f(o['recall@10'])}  "
                f"MRR@10 {f(o['mrr@10'])}  nDCG@10 {f(o['ndcg@10'])}  控えた再現率 {f(a['recall'])}  "
                f"誤って控えた率 {f(a['wrong_rate'])}  控えたか弱い表示 {f(a.get('caught'))}  免責文 {f(r['metrics']['answers']['disclaimer'])}  "
                f"p50 {lat['p50']:.1f}ms p95 {lat['p95']:.1f}ms"
            )
            stats = (r.get("resplits") or {}).get("metrics", {})
            if stats:
                lines.append("  再分割 {} 回: ".format(len(r["resplits"]["seeds"])) + "  ".join(
                    f"{k} {stats[k]['mean']:.3f}±{stats[k]['sd']:.3f}"
                    for k in ("recall@5", "mrr@10", "abstention_recall", "wrong_abstention") if k in stats))
            if r["notice"]:
                lines.append(f"  注意: {r['notice']}")
        base = result.get("baseline") or {}
        if "metrics" in base:
            o = base["metrics"]["retrieval"]["overall"]
            lines.append(f"[ベースライン] R@1 {f(o['recall@1'])}  R@5 {f(o['recall@5'])}  R@10 {f(o['recall@10'])}  "
                         f"MRR@10 {f(o['mrr@10'])}  nDCG@10 {f(o['ndcg@10'])}")
        elif base.get("skipped"):
            lines.append(f"[ベースライン] 省略: {base['skipped']}")
        notices = {r["notice"] for r in result["runs"]}
        for w in result["warnings"]:
            if w not in notices:
                lines.append(f"注意: {w}")
    return "\n".join(lines)
