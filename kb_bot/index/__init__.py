"""The hybrid index: BM25 over Japanese tokens, dense vectors in Chroma, and their fusion.

The core is free of llama-index, so the command line starts fast: :mod:`~kb_bot.index.lexical`
(``LexicalRanker``), :mod:`~kb_bot.index.dense` (embedders, ``DenseRanker``) and
:mod:`~kb_bot.index.hybrid` (``fuse``) take a question and return a :data:`Ranking`.
:mod:`~kb_bot.index.retrievers` wraps them as llama-index ``BaseRetriever`` subclasses working on
``TextNode``s, for code that composes with llama-index. :mod:`~kb_bot.index.store` keeps complete index
versions on disk.
"""

Ranking = list[tuple[str, float]]
"""(passage id, score), best first."""
