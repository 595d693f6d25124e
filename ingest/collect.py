"""Collect documents from files and folders: load, describe, segment; never stop for one bad file.

Folders are walked in sorted order. A folder with a ``manifest.toml`` contributes exactly the files its
manifest lists, with the manifest's metadata; the other document files beside it are reported as
*unlisted* (with how to list them), not ingested. In other folders every document file is taken and its
metadata is guessed from the content (:mod:`ingest.detect`); files that are not documents by their
extension (scripts, checksums …) and README files are counted as *ignored*. Symlinked folders are not
followed and a file reached twice (through a link) is taken once. A file that cannot be used —
unreadable, a broken link, larger than the size limit, not text although named as text — becomes a
:class:`SkippedFile` with a one-line Japanese reason; a manifest that cannot be used raises
:class:`ManifestError` (a configuration error).
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from ingest.detect import guess_meta
from ingest.loaders import SUPPORTED_EXTENSIONS, LoadError, load_file
from ingest.manifest import DEFAULT_COLLECTION, MANIFEST_NAME, read_manifest
from ingest.segment import segment
from kb_bot.passage import COLLECTIONS, DocumentMeta, Passage
from kb_bot.settings import Settings


@dataclass
class IngestedDocument:
    meta: DocumentMeta
    content_hash: str
    """sha256 of the file bytes (hex)."""
    passages: list[Passage]
    pages: int | None
    """Page count, PDFs only."""


@dataclass
class SkippedFile:
    path: str
    reason: str
    """One Japanese line telling the user what to do."""


@dataclass
class CollectResult:
    documents: list[IngestedDocument]
    skipped: list[SkippedFile]
    unlisted: list[str] = field(default_factory=list)
    """Document files in a folder with a manifest that does not list them (not ingested)."""
    ignored: list[str] = field(default_factory=list)
    """Files in the folders walked that are not documents by their extension (not ingested)."""


DEFAULT_MAX_FILE_BYTES = Settings.ingest_max_file_mb * 1024 * 1024
"""The size limit of the setting's default (``ingest_max_file_mb``)."""
TEXT_EXTENSIONS = (".html", ".htm", ".xml", ".md", ".markdown", ".txt")
_TEXT_ENCODINGS = ("utf-8-sig", "cp932", "euc-jp")


@dataclass(frozen=True)
class _Job:
    path: Path
    source: str
    meta: DocumentMeta | None
    """From a manifest; None when the metadata is to be guessed."""


@dataclass
class _Walk:
    """What a walk over the folders found besides the files to ingest."""

    skipped: list[SkippedFile] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _is_document(path: Path) -> bool:
    """A file a folder walk takes: a supported extension, and not the folder's README (which describes it)."""
    return path.suffix.lower() in SUPPORTED_EXTENSIONS and path.stem.lower() != "readme"


def _link_problem(path: Path) -> SkippedFile | None:
    if not path.is_symlink():
        return None
    if not path.exists():
        return SkippedFile(str(path), "リンク先のないシンボリックリンクです。リンクを直すか削除してください")
    if path.is_dir():
        return SkippedFile(
            str(path), "シンボリックリンクのフォルダはたどりません（同じ文書の重複を防ぐため）。実際のフォルダを指定してください"
        )
    return None


def _folder_jobs(folder: Path, prefix: str, collection: str, walk: _Walk) -> Iterator[_Job]:
    children = sorted(c for c in folder.iterdir() if not c.name.startswith("."))
    if (folder / MANIFEST_NAME).is_file():
        metas = read_manifest(folder, prefix=prefix, default_collection=collection)
        for source, meta in sorted(metas.items()):
            path = folder / source.removeprefix(prefix + "/")
            if (problem := _link_problem(path)) is not None:
                walk.skipped.append(problem)
            elif path.is_file():
                yield _Job(path, source, meta)
            else:
                walk.skipped.append(
                    SkippedFile(str(path), f"{MANIFEST_NAME} に書かれたファイルが見つかりません。ファイルを置くか {MANIFEST_NAME} から外してください")
                )
        listed = {folder / source.removeprefix(prefix + "/") for source in metas}
        walk.unlisted += [
            str(c) for c in children if _is_document(c) and c.is_file() and c not in listed
        ]
        return
    for child in children:
        if (problem := _link_problem(child)) is not None:
            walk.skipped.append(problem)
        elif child.is_dir():
            yield from _folder_jobs(child, f"{prefix}/{child.name}", collection, walk)
        elif child.is_file() and not _is_document(child):
            walk.ignored.append(str(child))
        elif child.is_file():
            yield _Job(child, f"{prefix}/{child.name}", None)


def _not_text(data: bytes) -> bool:
    """Bytes named as a text file that are no text in any encoding an office uses (random or binary data)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16: the loader names the encoding to change
    for encoding in _TEXT_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
        return controls > len(text) // 100
    return True


def _file_job(path: Path, collection: str) -> _Job:
    """A file named on its own: its source is its name; its folder's manifest describes it if it lists it."""
    meta = None
    if (path.parent / MANIFEST_NAME).is_file():
        meta = read_manifest(path.parent, prefix="", default_collection=collection).get(path.name)
    return _Job(path, path.name, meta)


def _ingest(job: _Job, collection: str, max_bytes: int) -> IngestedDocument | SkippedFile:
    size = job.path.stat().st_size
    if size > max_bytes:
        return SkippedFile(
            str(job.path),
            f"ファイルが大きすぎます（{size / 2**20:.1f} MB、上限 {max_bytes / 2**20:.0f} MB）。"
            "分割するか、設定 ingest_max_file_mb（KB_BOT_INGEST_MAX_FILE_MB）で上限を上げてください",
        )
    data = job.path.read_bytes()
    if job.path.suffix.lower() in TEXT_EXTENSIONS and _not_text(data):
        return SkippedFile(
            str(job.path),
            f"テキストではありません（{job.path.suffix} ですが中身は文字として読めないデータです）。正しいファイルか確認してください",
        )
    try:
        loaded = load_file(job.path)
    except LoadError as e:
        return SkippedFile(str(job.path), str(e))
    content_hash = hashlib.sha256(data).hexdigest()
    if not loaded.lines:
        return SkippedFile(str(job.path), "本文の文字がありません。内容のあるファイルを指定してください")
    if job.meta is not None:
        meta = replace(job.meta, source=job.source)
    else:
        meta = guess_meta(loaded.lines, source=job.source, collection=collection)
    passages = segment(loaded.lines, meta)
    if not passages:
        return SkippedFile(
            str(job.path),
            f"文書の区切り（条・項目・問など）が見つかりません。種類（kind = {meta.kind}）と書式（docs/source-formats.md）を確認してください",
        )
    return IngestedDocument(meta, content_hash, passages, loaded.pages)


def collect(
    paths: Sequence[Path],
    collection: str | None = None,
    progress: bool = True,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> CollectResult:
    """Ingest the files and folders in ``paths`` (in the order given; folder contents sorted).

    ``collection`` is used for files whose folder has no manifest (or a manifest without
    ``collection``); default ``notices``. Files above ``max_file_bytes`` are skipped with that reason.
    ``progress`` shows a progress bar on stderr.
    """
    collection = collection or DEFAULT_COLLECTION
    if collection not in COLLECTIONS:
        raise ValueError(f"コレクション {collection!r} はありません。{' / '.join(COLLECTIONS)} のいずれかを指定してください")
    walk = _Walk()
    skipped = walk.skipped
    jobs: list[_Job] = []
    for path in map(Path, paths):
        if path.is_dir():
            jobs.extend(_folder_jobs(path, path.resolve().name, collection, walk))
        elif path.is_file():
            jobs.append(_file_job(path, collection))
        elif path.is_symlink():
            skipped.append(SkippedFile(str(path), "リンク先のないシンボリックリンクです。リンクを直すか削除してください"))
        else:
            skipped.append(SkippedFile(str(path), "ファイルまたはフォルダが見つかりません。パスを確認してください"))

    documents: list[IngestedDocument] = []
    seen: set[str] = set()
    real_paths: dict[Path, str] = {}
    for job in tqdm(jobs, desc="取り込み", unit="件", file=sys.stderr, disable=not progress):
        if job.source in seen:
            skipped.append(SkippedFile(str(job.path), f"同じ名前（{job.source}）の文書がすでに取り込まれています。ファイル名かフォルダ名を変えてください"))
            continue
        real = job.path.resolve()
        if real in real_paths:
            skipped.append(SkippedFile(str(job.path), f"{real_paths[real]} と同じファイル（リンク）です。重複して取り込みません"))
            continue
        seen.add(job.source)
        real_paths[real] = job.source
        try:
            result = _ingest(job, collection, max_file_bytes)
        except Exception as e:  # noqa: BLE001 - one unreadable file must not stop a whole ingest
            detail = " ".join(f"{type(e).__name__}: {e}".split())
            result = SkippedFile(str(job.path), f"読み込み中に予期しないエラーが発生しました（{detail}）。ファイルを確認してください")
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            documents.append(result)
    return CollectResult(documents, skipped, walk.unlisted, walk.ignored)
