"""Numbered outlines (第N / N / (N) / ア / (ア)), as in 実施要領 and notices.

Every numbered line opens a node one level below the nearest open node of a higher level; the lines
that follow belong to it until the next numbered line. A node that has no children, or that carries
text of its own before its first child, becomes a passage; its ancestors' lines are its headings, and so is
the sentence of its parent that introduces the list it belongs to (「…次のいずれかに当たるときに…。」), so
that an item (「ア 受領拒否：…」) keeps its context in the index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.loaders.line import Line
from ingest.segment.split import make_passages
from ingest.structure import CHAPTER, IGNORED_HEADING, OUTLINE_LEVELS
from kb_bot.passage import DocumentMeta, Passage
from kb_bot.text import list_intro


@dataclass
class Node:
    level: int
    path: tuple[str, ...]
    """Label pieces from the top: ("第8", "3", "(2)", "ア")."""
    heading: str
    """The numbered line as printed, e.g. 「3 収入の認定の方法」."""
    first: str
    """The text after the number on the numbered line."""
    headings: tuple[str, ...]
    page: int | None
    body: list[str] = field(default_factory=list)
    has_children: bool = False

    @property
    def text(self) -> str:
        return "\n".join([self.first, *self.body] if self.first else self.body)


def numbered(text: str) -> tuple[int, str, str] | None:
    """(level, label piece, rest of the line) when ``text`` starts a numbered item, else None."""
    m = CHAPTER.match(text)
    if m:
        return 0, f"第{m.group(1)}", (m.group(2) or "").strip()
    for level, pattern in enumerate(OUTLINE_LEVELS, start=1):
        m = pattern.match(text)
        if m:
            marker = m.group(1)
            piece = marker if level in (1, 3) else f"({marker})"
            return level, piece, m.group(2).strip()
    return None


def parse_outline(lines: list[Line]) -> tuple[list[Line], list[Node]]:
    """The lines before the first numbered line (the preamble), and the nodes in document order."""
    preamble: list[Line] = []
    nodes: list[Node] = []
    stack: list[Node] = []
    for line in lines:
        if IGNORED_HEADING.match(line.text):
            continue
        found = numbered(line.text)
        if found is None:
            if stack:
                stack[-1].body.append(line.text)
            else:
                preamble.append(line)
            continue
        level, piece, rest = found
        while stack and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1] if stack else None
        headings: tuple[str, ...] = ()
        if parent is not None:
            parent.has_children = True
            lead = list_intro("\n".join(parent.body))
            headings = (*parent.headings, parent.heading, *((lead,) if lead else ()))
        node = Node(
            level=level,
            path=(parent.path if parent else ()) + (piece,),
            heading=line.text,
            first=rest,
            headings=headings,
            page=line.page,
        )
        nodes.append(node)
        stack.append(node)
    return preamble, nodes


def outline_passages(
    nodes: list[Node], meta: DocumentMeta, label: Callable[[tuple[str, ...]], str]
) -> list[Passage]:
    """Passages of the nodes that carry text: leaves, and inner nodes with text before their first child.

    A top-level 第N with nothing under it but its title is a heading, not a passage.
    """
    out: list[Passage] = []
    for node in nodes:
        if (node.has_children or node.level == 0) and not node.body:
            continue
        out.extend(make_passages(meta, label(node.path), node.text, headings=node.headings, page=node.page))
    return out
