"""Plain text and Markdown files: UTF-8 (with or without BOM); Shift_JIS (cp932) is accepted for .txt."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.loaders.line import Line, LoadError
from kb_bot.text import normalize

_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _decode(data: bytes, *, allow_cp932: bool) -> str:
    """UTF-8 text of ``data``; raises LoadError naming the encoding problem."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError("文字コードがUTF-16のため読み込めません。UTF-8で保存し直してください")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        raise LoadError("文字コードがUTF-8ではないため読み込めません。UTF-8で保存し直してください") from None
    if allow_cp932:
        return text
    raise LoadError("文字コードがShift_JISのようです。UTF-8で保存し直してください")


def load_text(path: Path) -> list[Line]:
    text = _decode(path.read_bytes(), allow_cp932=path.suffix.lower() == ".txt")
    text = _HTML_COMMENT.sub("", text)
    lines = (normalize(raw).strip() for raw in text.splitlines())
    return [Line(line) for line in lines if line]
