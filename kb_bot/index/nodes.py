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
