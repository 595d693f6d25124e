"""Collect documents from files and folders: load, describe, segment; never stop for one bad file.

Folders are walked in sorted order. A folder with a ``manifest.toml`` contributes exactly the files its
manifest lists, with the manifest's metadata; in other folders every file is taken and its metadata is
guessed from the content (:mod:`ingest.detect`). A file that cannot be used becomes a
:class:`SkippedFile` with a one-line Japanese reason; a manifest that cannot be used raises
:class:`ManifestError` (a configuration error).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from ingest.detect import guess_meta
from ingest.loaders import LoadError, load_file
from ingest.manifest import DEFAULT_COLLECTION, MANIFEST_NAME, read_manifest
from ingest.segment import segment
from kb_bot.passage import COLLECTIONS, DocumentMeta, Passage


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


@dataclass(frozen=True)
class _Job:
    path: Path
    source: str
    meta: DocumentMeta | None
    """From a manifest; None when the metadata is to be guessed."""


def _folder_jobs(folder: Path, prefix: str, collection: str, skipped: list[SkippedFile]) -> Iterator[_Job]:
    if (folder / MANIFEST_NAME).is_file():
        metas = read_manifest(folder, prefix=prefix, default_collection=collection)
        for source, meta in sorted(metas.items()):
            path = folder / source.removeprefix(prefix + "/")
            if path.is_file():
                yield _Job(path, source, meta)
            else:
                skipped.append(
                    SkippedFile(str(path), f"{MANIFEST_NAME} に書かれたファイルが見つかりません。ファイルを置くか {MANIFEST_NAME} から外してください")
                )
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _folder_jobs(child, f"{prefix}/{child.name}", collection, skipped)
        elif child.is_file():
            yield _Job(child, f"{prefix}/{child.name}", None)


def _file_job(path: Path, collection: str) -> _Job:
    """A file named on its own: its source is its name; its folder's manifest describes it if it lists it."""
    meta = None
    if (path.parent / MANIFEST_NAME).is_file():
        meta = read_manifest(path.parent, prefix="", default_collection=collection).get(path.name)
    return _Job(path, path.name, meta)


def _ingest(job: _Job, collection: str) -> IngestedDocument | SkippedFile:
    try:
        loaded = load_file(job.path)
        content_hash = hashlib.sha256(job.path.read_bytes()).hexdigest()
    except LoadError as e:
        return SkippedFile(str(job.path), str(e))
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


def collect(paths: Sequence[Path], collection: str | None = None, progress: bool = True) -> CollectResult:
    """Ingest the files and folders in ``paths`` (in the order given; folder contents sorted).

    ``collection`` is used for files whose folder has no manifest (or a manifest without
    ``collection``); default ``notices``. ``progress`` shows a progress bar on stderr.
    """
    collection = collection or DEFAULT_COLLECTION
    if collection not in COLLECTIONS:
        raise ValueError(f"コレクション {collection!r} はありません。{' / '.join(COLLECTIONS)} のいずれかを指定してください")
    skipped: list[SkippedFile] = []
    jobs: list[_Job] = []
    for path in map(Path, paths):
        if path.is_dir():
            jobs.extend(_folder_jobs(path, path.resolve().name, collection, skipped))
        elif path.is_file():
            jobs.append(_file_job(path, collection))
        else:
            skipped.append(SkippedFile(str(path), "ファイルまたはフォルダが見つかりません。パスを確認してください"))

    documents: list[IngestedDocument] = []
    seen: set[str] = set()
    for job in tqdm(jobs, desc="取り込み", unit="件", file=sys.stderr, disable=not progress):
        if job.source in seen:
            skipped.append(SkippedFile(str(job.path), f"同じ名前（{job.source}）の文書がすでに取り込まれています。ファイル名かフォルダ名を変えてください"))
            continue
        seen.add(job.source)
        try:
            result = _ingest(job, collection)
        except Exception as e:  # one unreadable file must not stop a whole ingest
            detail = " ".join(f"{type(e).__name__}: {e}".split())
            result = SkippedFile(str(job.path), f"読み込み中に予期しないエラーが発生しました（{detail}）。ファイルを確認してください")
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            documents.append(result)
    return CollectResult(documents, skipped)
