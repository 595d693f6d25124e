"""Index versions on disk, the atomic switch between them, and the ingest lock.

Layout under ``<home>/index``::

    CURRENT                 name of the version in service (replaced atomically)
    ingest.lock             held by the one ingest that may run
    versions/<name>/        a complete version: manifest.json, passages.jsonl, bm25/, idf.json, chroma/
    versions/.build-<name>/ a version being built; never read; removed when an ingest starts

A version is never modified after it is published. An ingest builds a new one and only then points
``CURRENT`` at it, so a crash, a kill or a full disk mid-ingest leaves the previous version serving.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kb_bot.errors import UserError
from kb_bot.passage import DocumentMeta, Passage

if TYPE_CHECKING:
    from kb_bot.index.dense import DenseStore
    from kb_bot.index.lexical import LexicalIndex

MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"


class IndexUnavailable(UserError, RuntimeError):
    """The index cannot be used; the message says what to do."""


class IngestLocked(IndexUnavailable):
    pass


@dataclass(frozen=True)
class DocRecord:
    meta: DocumentMeta
    content_hash: str
    passage_ids: tuple[str, ...]
    pages: int | None = None

    def to_dict(self) -> dict:
        meta = dataclasses.asdict(self.meta)
        meta["replaces"] = list(self.meta.replaces)
        return {"meta": meta, "content_hash": self.content_hash, "passage_ids": list(self.passage_ids),
                "pages": self.pages}

    @classmethod
    def from_dict(cls, d: dict) -> DocRecord:
        meta = DocumentMeta(**{**d["meta"], "replaces": tuple(d["meta"].get("replaces", ()))})
        return cls(meta, d["content_hash"], tuple(d["passage_ids"]), d.get("pages"))


def today() -> str:
    return dt.date.today().isoformat()


def validity(docs: dict[str, DocRecord]) -> dict[str, tuple[str, str]]:
    """source -> (from, until) ISO dates, '' meaning open. ``until`` is the day the replacement applies."""
    until: dict[str, str] = {}
    for rec in docs.values():
        folder = rec.meta.source.rsplit("/", 1)[0] + "/" if "/" in rec.meta.source else ""
        for old in rec.meta.replaces:
            key = old if old in docs else folder + old
            start = rec.meta.effective or "0000-00-00"
            if key in docs and (key not in until or start < until[key]):
                until[key] = start
    out = {}
    for src, rec in docs.items():
        end = until.get(src, "")
        if not end and rec.meta.status == "superseded":
            end = "0000-00-00"  # superseded with no successor known: never in force by default
        out[src] = (rec.meta.effective, end)
    return out


def in_force(period: tuple[str, str], as_of: str) -> bool:
    start, end = period
    return (not start or start <= as_of) and (not end or as_of < end)


def write_version(
    folder: Path,
    docs: list[DocRecord],
    passages: list[Passage],
    tokens: list[list[str]],
    extra: dict,
) -> None:
    """Write passages and manifest of a version being built (the indexes are written by their owners)."""
    with open(folder / PASSAGES, "w", encoding="utf-8") as f:
        for p, t in zip(passages, tokens, strict=True):
            f.write(json.dumps({**p.to_dict(), "tokens": t}, ensure_ascii=False) + "\n")
    manifest = {
        "name": folder.name.removeprefix(".build-"),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "passages": len(passages),
        "documents": {d.meta.source: d.to_dict() for d in docs},
        **extra,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


class IndexVersion:
    """A published, read-only index version."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.manifest: dict = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise IndexUnavailable(f"索引 {path} を読み込めません（{e}）。kb-bot index rollback で前の版に戻してください") from e
        self.name: str = self.manifest["name"]
        self._masks: dict[str, np.ndarray] = {}
        self._live_ids: dict[str, frozenset[str]] = {}
        self._dense_store: DenseStore | None = None
        self._ref_positions: dict[str, list[int]] = {}

    @cached_property
    def _rows(self) -> list[dict]:
        with open(self.path / PASSAGES, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    @cached_property
    def passages(self) -> list[Passage]:
        return [Passage.from_dict({k: v for k, v in r.items() if k != "tokens"}) for r in self._rows]

    @cached_property
    def tokens(self) -> list[list[str]]:
        return [r["tokens"] for r in self._rows]

    @cached_property
    def ids(self) -> list[str]:
        """Passage ids in index order (the order of BM25 scores)."""
        return [p.id for p in self.passages]

    @cached_property
    def position(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.passages)}

    @cached_property
    def docs(self) -> dict[str, DocRecord]:
        return {s: DocRecord.from_dict(d) for s, d in self.manifest["documents"].items()}

    @cached_property
    def periods(self) -> dict[str, tuple[str, str]]:
        return validity(self.docs)

    @cached_property
    def lexical(self) -> LexicalIndex:
        from kb_bot.index.lexical import LexicalIndex

        return LexicalIndex.load(self.path)

    @cached_property
    def nodes(self) -> list:
        """The passages as llama-index ``TextNode``s, built (and llama-index imported) on first use only."""
        from kb_bot.index.nodes import to_node

        return [to_node(p) for p in self.passages]

    @property
    def dense_model(self) -> str | None:
        return (self.manifest.get("dense") or {}).get("model")

    def dense_store(self) -> DenseStore:
        """The version's vector store, opened once."""
        if self._dense_store is None:
            from kb_bot.index.dense import DenseStore

            self._dense_store = DenseStore(self.path / "chroma")
        return self._dense_store

    def in_force_mask(self, as_of: str | None = None) -> np.ndarray:
        as_of = as_of or today()
        if as_of not in self._masks:
            live = {s for s, period in self.periods.items() if in_force(period, as_of)}
            self._masks[as_of] = np.array([p.source in live for p in self.passages], dtype=bool)
        return self._masks[as_of]

    def in_force_ids(self, as_of: str | None = None) -> frozenset[str]:
        """Ids of the passages in force on ``as_of`` (today by default), memoised like the mask."""
        as_of = as_of or today()
        if as_of not in self._live_ids:
            self._live_ids[as_of] = frozenset(i for i, m in zip(self.ids, self.in_force_mask(as_of), strict=True) if m)
        return self._live_ids[as_of]

    def positions_for_ref(self, key: str) -> list[int]:
        """Positions of the passages whose label answers to the reference ``key`` (memoised)."""
        if key not in self._ref_positions:
            from kb_bot.refs import matches_normalized
            from kb_bot.text import normalize

            norm = normalize(key).strip()
            self._ref_positions[key] = [i for i, label in enumerate(self._labels) if matches_normalized(norm, label)]
        return self._ref_positions[key]

    def holds_series_of(self, key: str) -> bool:
        """Does the index hold other units of the series ``key`` numbers (the same law's articles, the same
        chapter of 問, the same layer of 実施要領)? Then a ``key`` it lacks is most likely a wrong number; a
        notice number (…発…号) has no series: a notice not ingested says nothing."""
        from kb_bot.text import normalize

        series = re.match(r"^(?:.*?第|問\d+-)", normalize(key).strip())
        return bool(series) and "発" not in key and any(label.startswith(series.group(0)) for label in self._labels)

    @cached_property
    def _labels(self) -> list[str]:
        from kb_bot.text import normalize

        return [normalize(p.label).strip() for p in self.passages]

    def corpus_version(self, as_of: str | None = None) -> str:
        """Short hash of the documents in force on ``as_of`` (today by default): stored with every answer."""
        as_of = as_of or today()
        live = sorted(
            f"{s}:{r.content_hash}" for s, r in self.docs.items() if in_force(self.periods[s], as_of)
        )
        return hashlib.sha256("\n".join(live).encode()).hexdigest()[:12]


class IndexStore:
    def __init__(self, index_dir: Path) -> None:
        self.dir = index_dir
        self.versions_dir = index_dir / "versions"

    @property
    def current_file(self) -> Path:
        return self.dir / "CURRENT"

    def current_name(self) -> str | None:
        try:
            name = self.current_file.read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def open(self, name: str) -> IndexVersion:
        path = self.versions_dir / name
        if not path.is_dir():
            raise IndexUnavailable(f"索引の版 {name} がありません。kb-bot index versions で一覧を確認してください")
        return IndexVersion(path)

    def open_current(self) -> IndexVersion | None:
        name = self.current_name()
        return self.open(name) if name else None

    def names(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Only one ingest at a time. The lock names its holder (PID and process start time); a lock whose
        holder no longer runs — the PID is gone or now belongs to another process — is taken over."""
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / "ingest.lock"
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                holder = _lock_holder(path)
                if (holder is not None and _running(*holder)) or (holder is None and _just_created(path)):
                    raise IngestLocked(
                        f"別の取り込み（プロセス {holder[0] if holder else '?'}）が実行中です。終わってからもう一度実行してください"
                    ) from None
                path.unlink(missing_ok=True)
        else:
            raise IngestLocked(f"取り込みのロック {path} を取得できません")
        try:
            try:
                pid = os.getpid()
                os.write(fd, json.dumps({"pid": pid, "started": _start_time(pid)}).encode())
            finally:
                os.close(fd)
            yield
        finally:
            path.unlink(missing_ok=True)

    def staging(self) -> Path:
        """A fresh folder to build a version in; leftovers of interrupted builds are removed first."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        for old in self.versions_dir.glob(".build-*"):
            shutil.rmtree(old, ignore_errors=True)
        name = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = self.versions_dir / f".build-{name}"
        path.mkdir()
        return path

    def publish(self, staged: Path, keep: int) -> IndexVersion:
        """Make a fully built version the one in service, atomically, and drop versions beyond ``keep``."""
        final = self.versions_dir / staged.name.removeprefix(".build-")
        staged.rename(final)
        self._point_at(final.name)
        self.prune(keep)
        return IndexVersion(final)

    def rollback(self, name: str | None = None) -> str:
        """Serve ``name``, or the version published before the current one."""
        names = self.names()
        current = self.current_name()
        if name is None:
            older = [n for n in names if current is None or n < current]
            if not older:
                raise IndexUnavailable("戻せる以前の版がありません")
            name = older[-1]
        self.open(name)  # validates
        self._point_at(name)
        return name

    def prune(self, keep: int) -> list[str]:
        current = self.current_name()
        names = self.names()
        doomed = [n for n in names[: max(0, len(names) - keep)] if n != current]
        for n in doomed:
            shutil.rmtree(self.versions_dir / n, ignore_errors=True)
        return doomed

    def _point_at(self, name: str) -> None:
        tmp = self.dir / "CURRENT.tmp"
        tmp.write_text(name + "\n")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.current_file)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks after boot, from /proc); None where that is unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name in brackets may hold spaces


def _lock_holder(path: Path) -> tuple[int, str | None] | None:
    """(PID, start time) written in the lock; None when the lock is empty or unreadable (a crash mid-write)."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text.isdigit():  # written by an older kb-bot: the PID alone
        return int(text), None
    try:
        data = json.loads(text)
        return int(data["pid"]), data.get("started")
    except (ValueError, KeyError, TypeError):
        return None


def _just_created(path: Path) -> bool:
    """An empty lock a few seconds old: its holder is still writing its name."""
    try:
        return time.time() - path.stat().st_mtime < 5
    except OSError:
        return False


def _running(pid: int, started: str | None) -> bool:
    """The process that wrote the lock still runs: its PID is alive and, where known, started at the same time."""
    if not _alive(pid):
        return False
    return started is None or _start_time(pid) in (None, started)
