"""The text that the indexes see for a passage, and passages as llama-index nodes (imported only when asked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb_bot.passage import Passage

if TYPE_CHECKING:
    from llama_index.core.schema import TextNode

_META_KEYS = ("collection", "title", "label", "source", "page", "part")


def index_text(p: Passage) -> str:
    """What BM25 and the embedder see: headings and label give the unit its topic words."""
    return "\n".join([*p.headings, p.label, p.text])


def to_node(p: Passage) -> TextNode:
    from llama_index.core.schema import TextNode

    meta = {k: getattr(p, k) for k in _META_KEYS}
    meta["headings"] = " / ".join(p.headings)
    return TextNode(id_=p.id, text=p.text, metadata=meta)
