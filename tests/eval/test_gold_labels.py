"""Every label of every bundled question set names a passage of the sample corpus (ingested once)."""

from pathlib import Path

import pytest

from kb_bot.evaluation.gold import load_gold
from kb_bot.refs import label_matches
from kb_bot.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
SETS = ("gold.jsonl", "gold2.jsonl", "gold3-blind.jsonl", "gold4-dev.jsonl", "gold5-blind.jsonl", "gold6-dev.jsonl",
        "gold7-blind.jsonl")


@pytest.fixture(scope="module")
def sample_labels(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    from ingest.pipeline import ingest
    from kb_bot.commands.evaluate import DEFAULT_CORPUS
    from kb_bot.index.store import IndexStore
    from kb_bot.settings import sample_corpus

    settings = load_settings(home=tmp_path_factory.mktemp("labels") / "home", embed_model="none")
    ingest([sample_corpus() / c for c in DEFAULT_CORPUS], settings, progress=False)
    return [p.label for p in IndexStore(settings.index_dir).open_current().passages]


@pytest.mark.parametrize("name", SETS)
def test_every_label_names_a_passage_of_the_sample_corpus(sample_labels: list[str], name: str) -> None:
    items = load_gold(REPO / "eval" / name).items
    missing = sorted({(i.id, g) for i in items for g in i.labels
                      if not any(label_matches(g, lab) for lab in sample_labels)})
    assert missing == []
