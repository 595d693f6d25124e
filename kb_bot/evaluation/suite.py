"""Several evaluation sets side by side: the gold sets over one index, the law set over its own.

``kb-bot eval`` with no ``--gold`` measures eval/gold.jsonl and eval/gold2.jsonl on the sample corpus
(one index, built once) and the generated law set (:mod:`kb_bot.evaluation.lawgen`) on its generated
corpus, each beside the naive baseline and with repeated random resplits.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb_bot import __version__
from kb_bot.evaluation.gold import GoldSet
from kb_bot.evaluation.runner import LAW_TARGETS, TARGETS, EvalIndex, open_index, run_eval, select_items
from kb_bot.settings import Settings

RESPLITS = 20
"""Random resplits per run by default (seeds 1..20)."""
LAW_SET_NAME = "法令セット（生成した架空の法律・長文の事例問題）"


@dataclass
class EvalSet:
    key: str
    """Short name (folder of its report): gold, gold2, law …"""
    name: str
    gold: GoldSet
    corpus: Sequence[Path] | None = None
    """Its own corpus (the law set); None: the index the whole run measures."""
    targets: dict[str, tuple[str, float]] = field(default_factory=lambda: dict(TARGETS))
    source: str = ""
    """Where its corpus comes from, for the report (a generated corpus lives in a temporary folder)."""


def law_set(root: Path) -> EvalSet:
    """Generate the law corpus under ``root`` and return its question set."""
    from kb_bot.evaluation.lawgen import write_law_corpus

    law = write_law_corpus(root)
    return EvalSet("law", LAW_SET_NAME, law.gold, [law.folder], dict(LAW_TARGETS),
                   f"生成（kb_bot.evaluation.lawgen、seed {law.seed}、{len(law.laws)} 法）")


def run_suite(
    settings: Settings,
    sets: Sequence[EvalSet],
    *,
    split: str = "all",
    modes: Sequence[str] = ("lexical",),
    corpus: Sequence[Path] | None = None,
    use_current: bool = False,
    baseline: bool = True,
    progress: bool = True,
    command: str = "",
    resplits: int = RESPLITS,
) -> dict:
    """Every set through :func:`run_eval`; the sets without their own corpus share one index."""
    from tqdm import tqdm

    started = time.perf_counter()
    seeds = list(range(1, resplits + 1))
    for s in sets:
        select_items(s.gold, split)  # every set has questions in the split before any index is built
    shared: EvalIndex | None = None
    results = []
    try:
        for s in tqdm(sets, desc="評価セット", unit="セット", disable=not progress or len(sets) < 2, file=sys.stderr):
            if s.corpus is None:
                shared = shared or open_index(settings, corpus, use_current, modes, progress=progress)
                index = shared
            else:
                index = open_index(settings, s.corpus, False, modes, progress=progress)
            try:
                result = run_eval(settings, s.gold, split=split, modes=modes, baseline=baseline, progress=progress,
                                  command=command, resplits=seeds, index=index, targets=s.targets)
            finally:
                if index is not shared:
                    index.close()
            results.append({"set": {"key": s.key, "name": s.name, "source": s.source}} | result)
    finally:
        if shared is not None:
            shared.close()
    return {
        "kb_bot_version": __version__,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": command,
        "split": split,
        "modes": list(modes),
        "resplit_seeds": seeds if split != "dev" else [],
        "sets": results,
        "seconds": round(time.perf_counter() - started, 1),
    }
