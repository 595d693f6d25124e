"""The hybrid index: BM25 over Japanese tokens, dense vectors in Chroma, and their fusion.

Retrievers are llama-index ``BaseRetriever`` subclasses working on ``TextNode``s, so they compose with
the rest of llama-index; :mod:`kb_bot.index.store` keeps complete index versions on disk.
"""
