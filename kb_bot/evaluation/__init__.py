"""Measuring kb-bot: a gold set of CW questions, retrieval/abstention/answer metrics, a naive baseline.

- :mod:`~kb_bot.evaluation.gold`: the gold file format (JSON lines) and its validation.
- :mod:`~kb_bot.evaluation.metrics`: Recall@k, MRR@k, nDCG@k, abstention, percentiles (pure functions).
- :mod:`~kb_bot.evaluation.baseline`: llama-index's stock SentenceSplitter + BM25Retriever over the raw files.
- :mod:`~kb_bot.evaluation.runner`: builds (or opens) the index, answers every gold question, aggregates.
- :mod:`~kb_bot.evaluation.report`: the Markdown report, the JSON file and the PNG chart of a run.
- :mod:`~kb_bot.evaluation.tune`: the dev-split sweeps behind the retrieval defaults (eval/README.md).

The command line is ``kb-bot eval`` (kb_bot/commands/evaluate.py).
"""
