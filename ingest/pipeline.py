"""Ingest: source files in, a new index version in service, a change report out.

Incremental: a document whose bytes did not change keeps its passages, tokens and vectors (unless the way
documents are segmented changed: :func:`segmentation_fingerprint`); a changed
one has its old passages replaced in both indexes; with ``prune`` documents that disappeared from the
folders given are removed. The new version is built beside the one in service, smoke-checked, and only
then switched to (see :mod:`kb_bot.index.store`), so a failure at any point leaves the old one serving.

:func:`ingest` is the one entry point every surface uses (``kb-bot ingest``, ``kb-bot serve --demo``, the
evaluation's temporary index). Once the new version serves, it sends the SV確認済み回答 citing a changed or
removed passage back to the SV queue (:func:`kb_bot.chat.review.requeue_after_ingest`), whichever surface
started the run.
"""

from __future__ import annotations

import errno
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb_bot.errors import UserError
from kb_bot.index.store import DocRecord, IndexStore, IndexVersion, write_version
from kb_bot.passage import Passage
from kb_bot.settings import Settings
from kb_bot.tokenize import JapaneseTokenizer, TokenizerConfig, analysis_fingerprint, code_fingerprint

if TYPE_CHECKING:
    from ingest.collect import CollectResult


class IngestFailed(UserError, RuntimeError):
    """The new version could not be built or did not pass its smoke check; the old one still serves."""


@dataclass
class ChangeReport:
    version: str
    passages: int
    documents: int
    added_docs: list[str] = field(default_factory=list)
    changed_docs: list[str] = field(default_factory=list)
    removed_docs: list[str] = field(default_factory=list)
    unchanged_docs: int = 0
    added_passages: list[str] = field(default_factory=list)
    changed_passages: list[str] = field(default_factory=list)
    removed_passages: list[str] = field(default_factory=list)
    changed_passage_ids: list[str] = field(default_factory=list)
    """Ids of passages whose text changed or that were removed (the review queue uses these)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    """Document files beside a manifest.toml that does not list them: not ingested."""
    ignored: int = 0
    """Files in the folders that are not documents (scripts, checksums, README …): not ingested."""
    retrieval_mode: str = "lexical"
    dense_note: str = ""
    seconds: float = 0.0
    eval: dict = field(default_factory=dict)
    """{"before": metrics, "after": metrics} when the ingest was run with a gold set (kb-bot ingest --gold)."""
    requeued: int | None = None
    """SV確認済み回答 sent back to the SV queue because a passage they cite changed; None = no chat database."""
    resegmented: bool = False
    """The way documents are read and cut into passages changed since the previous version
    (:func:`segmentation_fingerprint`): unchanged documents were segmented again too."""

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def to_text(self) -> str:
        lines = [
            f"索引の版 {self.version}: 文書 {self.documents} 件、パッセージ {self.passages} 件（検索方式: {self.retrieval_mode}）",
            *(["kb-bot の資料の読み取り・区切り方が前の版から変わったため、変更のない文書も区切り直しました"]
              if self.resegmented else []),
            (f"文書: 追加 {len(self.added_docs)} / 変更 {len(self.changed_docs)} / 削除 {len(self.removed_docs)}"
             f" / 変更なし {self.unchanged_docs}"),
            (f"パッセージ: 追加 {len(self.added_passages)} / 変更 {len(self.changed_passages)}"
             f" / 削除 {len(self.removed_passages)}"),
        ]
        for title, labels in (("追加", self.added_passages), ("変更", self.changed_passages),
                              ("削除", self.removed_passages)):
            if labels:
                shown = "、".join(labels[:15]) + (f" ほか {len(labels) - 15} 件" if len(labels) > 15 else "")
                lines.append(f"  {title}: {shown}")
        if self.skipped:
            lines.append(f"読み込めなかったファイル {len(self.skipped)} 件:")
            lines += [f"  {path}: {reason}" for path, reason in self.skipped]
        if self.unlisted:
            lines.append(
                f"manifest.toml に書かれていないため取り込まなかったファイル {len(self.unlisted)} 件"
                "（取り込むには、そのフォルダの manifest.toml に [[document]] の file・kind・title を書き足してください）:"
            )
            lines += [f"  {path}" for path in self.unlisted]
        if self.ignored:
            lines.append(
                f"文書ではないため対象外のファイル {self.ignored} 件（.py などの形式と README。取り込めるのは .pdf .html .xml .md .txt）"
            )
        if self.dense_note:
            lines.append(self.dense_note)
        if self.eval:
            lines.append("正解データでの評価（取り込み前 → 後）:")
            before, after = self.eval.get("before") or {}, self.eval["after"]
            for key, value in after.items():
                old = before.get(key)
                shown = "—" if old is None else f"{old:.3f}"
                lines.append(f"  {key}: {shown} → {value:.3f}" if value is not None else f"  {key}: {shown} → —")
        lines.append(f"所要時間 {self.seconds:.1f} 秒")
        return "\n".join(lines)


def _roots(paths: Sequence[Path]) -> list[str]:
    return [p.name + "/" if p.is_dir() else p.name for p in paths]


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    collection: str | None = None,
    prune: bool = False,
    progress: bool = True,
    tokenizer_config: TokenizerConfig | None = None,
) -> ChangeReport:
    """Build and publish a new index version from ``paths`` on top of the one in service."""
    from ingest.collect import collect
    from ingest.manifest import ManifestError
    from kb_bot.chat.review import requeue_after_ingest  # SQLAlchemy: loaded only when an ingest runs

    started = time.perf_counter()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise IngestFailed(f"指定されたパスがありません: {', '.join(missing)}")
    store = IndexStore(settings.index_dir)
    try:
        with store.lock():
            try:
                result = collect(
                    list(paths),
                    collection=collection,
                    progress=progress,
                    max_file_bytes=settings.ingest_max_file_mb * 1024 * 1024,
                )
            except ManifestError as e:
                raise IngestFailed(f"{e}（索引は変更していません）") from e
            prev = store.open_current()
            staged = store.staging()
            try:
                report = _build(staged, result, prev, paths, settings, prune, progress, tokenizer_config)
                _smoke_check(staged, report)
                version = store.publish(staged, keep=settings.keep_versions)
            except BaseException as e:
                shutil.rmtree(staged, ignore_errors=True)
                if isinstance(e, ValueError):
                    raise IngestFailed(f"索引の作成に失敗しました（{e}）。運用中の索引はそのまま使われます") from e
                raise
    except OSError as e:  # a full disk, a folder without permission …: one line, the old version serves
        raise IngestFailed(_os_error_message(e)) from e
    report.version = version.name
    report.requeued = requeue_after_ingest(settings, report.changed_passage_ids, report.version)
    report.seconds = time.perf_counter() - started
    return report


def _os_error_message(error: OSError) -> str:
    where = f"（{error.filename}）" if error.filename else ""
    if error.errno == errno.ENOSPC:
        return f"ディスクの空きがありません{where}。空きを作ってからもう一度実行してください。運用中の索引はそのまま使われます"
    return f"索引の作成に失敗しました（{error.strerror or error}{where}）。運用中の索引はそのまま使われます"


def _build(staged: Path, result: CollectResult, prev: IndexVersion | None, paths: Sequence[Path], settings: Settings,
           prune: bool, progress: bool, tokenizer_config: TokenizerConfig | None) -> ChangeReport:
    config = tokenizer_config or TokenizerConfig()
    prev_docs = prev.docs if prev else {}
    current = fingerprints(config)
    reuse_tokens = prev is not None and prev.manifest.get("analysis") == current["analysis"]
    reuse_passages = prev is None or prev.manifest.get("segmentation") == current["segmentation"]
    prev_rows = {p.id: (p, prev.tokens[i]) for i, p in enumerate(prev.passages)} if prev else {}

    report = ChangeReport(version="", passages=0, documents=0, resegmented=not reuse_passages)
    report.skipped = [(s.path, s.reason) for s in result.skipped]
    report.unlisted, report.ignored = list(result.unlisted), len(result.ignored)
    skipped_sources = {s.path for s in result.skipped}
    docs: dict[str, DocRecord] = {}
    new_passages: dict[str, list[Passage]] = {}
    for d in result.documents:
        src = d.meta.source
        old = prev_docs.get(src)
        docs[src] = DocRecord(d.meta, d.content_hash, tuple(p.id for p in d.passages), d.pages)
        if old and old.content_hash == d.content_hash and old.meta == d.meta:
            report.unchanged_docs += 1
            if reuse_passages:
                continue
        else:
            (report.changed_docs if old else report.added_docs).append(src)
        new_passages[src] = d.passages
        old_by_id = {i: prev_rows[i][0] for i in (old.passage_ids if old else ()) if i in prev_rows}
        for p in d.passages:
            before = old_by_id.pop(p.id, None)
            if before is None:
                report.added_passages.append(p.label)
            elif before.text != p.text:
                report.changed_passages.append(p.label)
                report.changed_passage_ids.append(p.id)
        for p in old_by_id.values():
            report.removed_passages.append(p.label)
            report.changed_passage_ids.append(p.id)

    roots = _roots(paths)
    for src, old in prev_docs.items():
        if src in docs:
            continue
        gone = prune and any(src == r or (r.endswith("/") and src.startswith(r)) for r in roots)
        if gone and not any(src.endswith(s) or s.endswith(src) for s in skipped_sources):
            report.removed_docs.append(src)
            for i in old.passage_ids:
                if i in prev_rows:
                    report.removed_passages.append(prev_rows[i][0].label)
                    report.changed_passage_ids.append(i)
        else:
            docs[src] = old  # kept as it was: not part of this run (or unreadable this time)

    passages: list[Passage] = []
    tokens: list[list[str] | None] = []
    for src, rec in docs.items():
        if src in new_passages:
            passages += new_passages[src]
            tokens += [None] * len(new_passages[src])
        else:
            for i in rec.passage_ids:
                p, t = prev_rows[i]
                passages.append(p)
                tokens.append(t if reuse_tokens else None)
    _tokenize_missing(passages, tokens, config, progress)

    from kb_bot.index.lexical import LexicalIndex
    from kb_bot.index.nodes import index_text

    LexicalIndex.build(tokens, [index_text(p) for p in passages]).save(staged)
    dense_info, report.dense_note = _build_dense(staged, passages, prev, settings, progress)
    report.retrieval_mode = "hybrid" if dense_info else "lexical"
    write_version(staged, list(docs.values()), passages, tokens,
                  {"tokenizer": config.to_dict(), **current, "dense": dense_info,
                   "dense_note": report.dense_note})
    report.passages, report.documents = len(passages), len(docs)
    return report


def fingerprints(config: TokenizerConfig) -> dict[str, str]:
    """The code fingerprints a version's manifest records: ``analysis`` (how passages are cut into words, see
    :func:`kb_bot.tokenize.analysis_fingerprint`) and ``segmentation`` (:func:`segmentation_fingerprint`). When one
    differs from the version in service, the next ingest redoes that step for unchanged documents too, and
    ``kb-bot doctor`` says it is due."""
    return {"analysis": analysis_fingerprint(config), "segmentation": segmentation_fingerprint()}


def segmentation_fingerprint() -> str:
    """What a document's passages depend on besides its bytes and manifest entry: the reading and segmenting code
    (the ``ingest`` package, kb_bot.text's normalisation, kb_bot.passage) and the PDF reader's version. A version
    built under another fingerprint has every document segmented again by the next ingest, so passages follow
    the code in service (a release that cuts items differently, or normalises a character differently)."""
    from kb_bot import passage, text

    sources = (*sorted(Path(__file__).parent.rglob("*.py")), Path(text.__file__), Path(passage.__file__))
    return code_fingerprint("segmentation", sources, ("pypdf",))


def _tokenize_missing(passages: list[Passage], tokens: list, config: TokenizerConfig, progress: bool) -> None:
    from tqdm import tqdm

    from kb_bot.index.nodes import index_text

    todo = [i for i, t in enumerate(tokens) if t is None]
    tokenizer = JapaneseTokenizer(config)
    for i in tqdm(todo, desc="形態素解析", unit="件", disable=not progress or not todo, file=sys.stderr):
        tokens[i] = tokenizer(index_text(passages[i]))


def _build_dense(staged: Path, passages: list[Passage], prev: IndexVersion | None, settings: Settings,
                 progress: bool) -> tuple[dict | None, str]:
    """Vectors for the new version: copied from the previous one where the passage is unchanged."""
    if not settings.dense_enabled:
        return None, "密ベクトル検索は設定で無効です（語彙検索のみ）"
    from kb_bot.index.dense import DenseUnavailable, Embedder, build_vectors

    try:
        embedder = Embedder.load(settings.embed_model, settings.embed_query_prefix,
                                 settings.embed_document_prefix, settings.embed_device)
    except DenseUnavailable as e:
        note = f"注意: {e}。語彙検索（BM25）のみで索引を作成しました"
        print(note, file=sys.stderr)
        return None, note
    return build_vectors(staged, passages, prev, embedder, progress), ""


def _smoke_check(staged: Path, report: ChangeReport) -> None:
    """The built version must open, hold what was counted, and find a few of its own passages."""
    from kb_bot.index.lexical import LexicalRanker
    from kb_bot.index.nodes import index_text

    version = IndexVersion(staged)
    expected = sum(len(r.passage_ids) for r in version.docs.values())
    if len(version.passages) != expected or version.lexical.n_docs != expected:
        raise IngestFailed(f"索引の検査に失敗しました（件数が一致しません: {len(version.passages)} / {expected}）")
    if not version.passages:
        return
    config = TokenizerConfig(**version.manifest["tokenizer"])
    ranker = LexicalRanker(version.ids, version.lexical, JapaneseTokenizer(config))
    step = max(1, len(version.passages) // 5)
    for pos in range(0, len(version.passages), step)[:5]:
        # Its own full text must rank it within the first ten; ties count in its favour, so corpora with
        # duplicated passages (one notice printed in two books) still pass. What this catches is a broken
        # index: tokens, BM25 matrix and passage list out of step.
        p = version.passages[pos]
        scores = ranker.score_all(index_text(p))
        if scores[pos] <= 0 or int((scores > scores[pos]).sum()) >= 10:
            raise IngestFailed(f"索引の検査に失敗しました（「{p.label}」を検索で見つけられません）")
    if version.dense_model and version.dense_store().count() != expected:
        raise IngestFailed("索引の検査に失敗しました（ベクトル件数が一致しません）")
