"""HTML pages (e.g. the ministry's notice database): block elements become lines.

Headings become Markdown headings (``<h2>`` -> ``## ...``) so the segmenters see the same form as in a
Markdown file; table rows become one line with the cells separated by spaces; scripts, styles and
navigation are dropped. When the page has no ``<h1>``, its ``<title>`` (without the site name after
``|``) is emitted first as ``# title``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ingest.loaders.line import Line
from kb_bot.text import normalize

_DROPPED = {"script", "style", "nav", "header", "footer", "noscript", "template", "iframe", "form", "button"}
_BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tr", "caption", "pre",
    "blockquote", "section", "article", "main", "aside", "address", "figure", "figcaption", "hr", "body",
}  # fmt: skip
_CELLS = {"td", "th"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_WHITESPACE = re.compile(r"\s+")
_SITE_NAME = re.compile(r"\s*(?:\||\s-\s).*$")


def _is_wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in ("W", "F")


def _join_whitespace(text: str) -> str:
    """Collapse whitespace; a line break between two Japanese characters (source wrapping) disappears."""

    def repl(m: re.Match[str]) -> str:
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        if "\n" in m.group(0) and before and after and _is_wide(before) and _is_wide(after):
            return ""
        return " "

    return _WHITESPACE.sub(repl, text).strip()


class _LineCollector:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buffer: list[str] = []

    def flush(self, prefix: str = "") -> None:
        text = normalize(_join_whitespace("".join(self._buffer))).strip()
        self._buffer.clear()
        if text:
            self.lines.append(prefix + text)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                self._buffer.append(str(child))
            elif isinstance(child, Tag):
                self._visit(child)

    def _visit(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name in _DROPPED:
            return
        if name == "br":
            self.flush()
        elif name in _HEADINGS:
            self.flush()
            self.walk(tag)
            self.flush("#" * _HEADINGS[name] + " ")
        elif name in _CELLS:
            self._buffer.append(" ")
            self.walk(tag)
            self._buffer.append(" ")
        elif name in _BLOCKS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)


def load_html(path: Path) -> list[Line]:
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    collector = _LineCollector()
    collector.walk(soup.body or soup)
    collector.flush()
    lines = collector.lines
    title = soup.title.get_text() if soup.title else ""
    title = _SITE_NAME.sub("", normalize(_join_whitespace(title)))  # 「…について|法令等データベース」
    if soup.find("h1") is None and title:
        lines.insert(0, f"# {title}")
    return [Line(text) for text in lines]
