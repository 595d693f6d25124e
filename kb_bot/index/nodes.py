"""Passages as llama-index nodes, and the text that the indexes see for a passage."""

from __future__ import annotations

from llama_index.core.schema import TextNode

from kb_bot.passage import Passage

_META_KEYS = ("collection", "title", "label", "source", "page", "part")


def index_text(p: Passage) -> str:
    """What BM25 and the embedder see: headings and label give the unit its topic words."""
    return "\n".join([*p.headings, p.label, p.text])


def to_node(p: Passage) -> TextNode:
    meta = {k: getattr(p, k) for k in _META_KEYS}
    meta["headings"] = " / ".join(p.headings)
    return TextNode(id_=p.id, text=p.text, metadata=meta)


def from_node(node: TextNode) -> Passage:
    m = node.metadata
    headings = tuple(h for h in str(m.get("headings", "")).split(" / ") if h)
    return Passage(
        collection=m["collection"], title=m["title"], label=m["label"], text=node.get_content(),
        source=m["source"], headings=headings, page=m.get("page"), part=m.get("part", 0), id=node.node_id,
    )
