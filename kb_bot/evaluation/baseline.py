"""The naive baseline: what a first llama-index prototype does with the same files.

Every file kb-bot ingests is loaded plainly — text files as they are (Markdown, HTML and XML markup
included, as llama-index's SimpleDirectoryReader does without extra readers), PDFs as pypdf's page
text — chunked by the stock ``SentenceSplitter()`` (defaults: 1024 tokens, 200 overlap) and searched
with the stock ``BM25Retriever.from_defaults()`` (English stemmer and token pattern).

Its chunks carry no citation labels, so to score it against the gold labels a chunk is credited with
the label of every kb-bot passage whose text it substantially contains (see :func:`contained_labels`).
This is generous to the baseline: a 1,000-character chunk that holds a gold passage among others
counts as a hit. Hits with a BM25 score of 0 are dropped: their order is arbitrary, not retrieval.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb_bot.passage import Passage
from kb_bot.text import normalize

SUPPORTED = (".md", ".markdown", ".txt", ".html", ".htm", ".xml", ".pdf")
SHINGLE = 12
"""Characters per shingle when testing whether a chunk contains a passage."""
CONTAIN = 0.5
"""Share of a passage's shingles a chunk must hold (or of the chunk's, for a passage longer than it)."""


def source_files(paths: Sequence[Path]) -> list[Path]:
    """The files ``kb-bot ingest PATH...`` reads: a folder's manifest.toml lists them, else all supported files."""
    out: list[Path] = []

    def walk(folder: Path) -> None:
        manifest = folder / "manifest.toml"
        if manifest.exists():
            with open(manifest, "rb") as f:
                data = tomllib.load(f)
            for doc in data.get("document", []):
                path = folder / doc["file"]
                if path.is_file():
                    out.append(path)
            return
        for child in sorted(folder.iterdir()):
            if child.is_dir() and not child.name.startswith("."):
                walk(child)
            elif child.suffix.lower() in SUPPORTED:
                out.append(child)

    for p in paths:
        if p.is_dir():
            walk(p)
        elif p.is_file():
            out.append(p)
    return out


def load_plain(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        try:
            return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
        except Exception:  # noqa: BLE001 - a naive pipeline just gets nothing from a bad PDF
            return ""
    return path.read_text(encoding="utf-8", errors="replace")


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    """Text as compared for containment: normalised, markup and all whitespace removed."""
    return _SPACE.sub("", normalize(_TAG.sub("", text)))


def _shingles(flat: str) -> set[str]:
    if len(flat) <= SHINGLE:
        return {flat} if flat else set()
    return {flat[i:i + SHINGLE] for i in range(len(flat) - SHINGLE + 1)}


def contained_labels(chunk_text: str, passages: Sequence[tuple[str, set[str]]]) -> set[str]:
    """Labels of the passages (label, shingles) that the chunk substantially contains."""
    chunk = _shingles(_flat(chunk_text))
    if not chunk:
        return set()
    found = set()
    for label, sh in passages:
        if not sh:
            continue
        common = len(sh & chunk)
        if common >= CONTAIN * len(sh) or (len(sh) > len(chunk) and common >= CONTAIN * len(chunk)):
            found.add(label)
    return found


@dataclass
class BaselineHit:
    labels: list[str]
    score: float
    preview: str


@dataclass
class Baseline:
    files: list[str]
    chunks: int
    build_seconds: float
    retriever: object = field(repr=False)
    chunk_labels: dict[str, list[str]] = field(repr=False, default_factory=dict)

    def search(self, question: str, k: int = 10) -> list[BaselineHit]:
        hits = self.retriever.retrieve(question)  # type: ignore[attr-defined]
        out = []
        for h in hits[:k]:
            score = float(h.score or 0.0)
            if score <= 0:
                continue
            out.append(BaselineHit(self.chunk_labels.get(h.node.node_id, []), score,
                                   h.node.get_content()[:60].replace("\n", " ")))
        return out


def build_baseline(files: Sequence[Path], passages: Sequence[Passage], k: int = 10) -> Baseline:
    from llama_index.core import Document
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.retrievers.bm25 import BM25Retriever

    started = time.perf_counter()
    docs = [Document(text=load_plain(f), metadata={"file_name": f.name}) for f in files]
    docs = [d for d in docs if d.text.strip()]
    nodes = SentenceSplitter().get_nodes_from_documents(docs)
    if not nodes:
        raise ValueError("ベースライン: 読み込めるテキストがありません")
    retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(k, len(nodes)))
    shingled = [(p.label, _shingles(_flat(p.text))) for p in passages]
    labels = {n.node_id: sorted(contained_labels(n.get_content(), shingled)) for n in nodes}
    return Baseline([str(f) for f in files], len(nodes), time.perf_counter() - started, retriever, labels)
