"""Measuring kb-bot: gold sets of CW questions, a generated law set, retrieval/abstention/answer metrics,
a naive baseline, repeated random resplits.

- :mod:`~kb_bot.evaluation.gold`: the gold file format (JSON lines), its validation and the seeded split.
- :mod:`~kb_bot.evaluation.lawgen`: invented laws in statute style and long case questions over them.
- :mod:`~kb_bot.evaluation.metrics`: Recall@k, MRR@k, nDCG@k, abstention, percentiles (pure functions).
- :mod:`~kb_bot.evaluation.baseline`: llama-index's stock SentenceSplitter + BM25Retriever over the raw files.
- :mod:`~kb_bot.evaluation.runner`: builds (or opens) the index, answers every gold question, aggregates,
  resplits.
- :mod:`~kb_bot.evaluation.suite`: several sets side by side (gold, gold2, the law set).
- :mod:`~kb_bot.evaluation.report`: the Markdown reports, the JSON file and the PNG charts of a run.
- :mod:`~kb_bot.evaluation.tune`: the dev-split sweeps behind the retrieval defaults (eval/README.md).

The command line is ``kb-bot eval`` (kb_bot/commands/evaluate.py).
"""
