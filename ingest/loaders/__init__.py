"""Loaders: turn a source file into normalised text lines (with page numbers for PDFs).

``load(path)`` dispatches on the file extension; ``load_file(path)`` also gives the PDF page count.
Every failure is a :class:`LoadError` whose message is one Japanese line telling the user what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.loaders.egov_xml import load_egov_xml
from ingest.loaders.html import load_html
from ingest.loaders.line import Line, LoadError
from ingest.loaders.pdf import read_pdf
from ingest.loaders.text import load_text

SUPPORTED_EXTENSIONS = (".pdf", ".html", ".htm", ".xml", ".md", ".markdown", ".txt")


@dataclass(frozen=True)
class LoadedFile:
    lines: list[Line]
    pages: int | None
    """Page count, PDFs only."""


def load_file(path: Path) -> LoadedFile:
    try:
        return _load_file(path)
    except OSError as e:
        raise LoadError(f"ファイルを読み込めません（{e.strerror}）。ファイルの場所と権限を確認してください") from None


def _load_file(path: Path) -> LoadedFile:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        pdf = read_pdf(path)
        return LoadedFile(pdf.lines, pdf.pages)
    if suffix in (".html", ".htm"):
        return LoadedFile(load_html(path), None)
    if suffix == ".xml":
        return LoadedFile(load_egov_xml(path), None)
    if suffix in (".md", ".markdown", ".txt"):
        return LoadedFile(load_text(path), None)
    supported = "、".join(SUPPORTED_EXTENSIONS)
    raise LoadError(f"この形式（{suffix or '拡張子なし'}）は取り込めません。{supported} のいずれかに変換してください")


def load(path: Path) -> list[Line]:
    """Normalised text lines of ``path``; raises LoadError when the file cannot be read."""
    return load_file(path).lines


__all__ = ["SUPPORTED_EXTENSIONS", "Line", "LoadError", "LoadedFile", "load", "load_file"]
