"""The llama-index-free retrieval core, its llama-index wrappers, and the fast command-line path."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb_bot.cli import main
from kb_bot.index.hybrid import fuse, fuse_hybrid, tapered_weight
from kb_bot.index.lexical import top_k

ROOT = Path(__file__).resolve().parents[1]


def test_weighted_fusion_normalises_each_side_then_weighs_it():
    lexical = [("a", 12.0), ("b", 6.0), ("c", 0.0)]
    dense = [("c", 0.9), ("b", 0.5), ("d", 0.1)]
    fused = dict(fuse_hybrid(lexical, dense, "weighted", 60, dense_weight=0.25))
    assert fused == pytest.approx({"a": 0.75, "b": 0.375 + 0.25 * 0.5, "c": 0.25, "d": 0.0})
    assert [i for i, _ in fuse_hybrid(lexical, dense, "weighted", 60, 0.25)][:2] == ["a", "b"]


def test_the_dense_weight_tapers_off_linearly_for_long_questions():
    assert tapered_weight(0.3, 40, 80, 160) == 0.3
    assert tapered_weight(0.3, 80, 80, 160) == 0.3
    assert tapered_weight(0.3, 120, 80, 160) == pytest.approx(0.15)
    assert tapered_weight(0.3, 160, 80, 160) == tapered_weight(0.3, 400, 80, 160) == 0.0
    assert tapered_weight(0.3, 400, 80, 0) == 0.3  # end 0: no taper


def test_rrf_ignores_scores_and_adds_reciprocal_ranks():
    fused = dict(fuse([[("a", 100.0), ("b", 1.0)], [("b", 0.2), ("a", 0.1)]], "rrf", rrf_k=1))
    assert fused == pytest.approx({"a": 1 / 2 + 1 / 3, "b": 1 / 3 + 1 / 2})
    with pytest.raises(ValueError, match="unknown fusion"):
        fuse([[("a", 1.0)]], "max")


def test_top_k_keeps_positive_scores_best_first():
    import numpy as np

    assert top_k(["a", "b", "c", "d"], np.array([0.5, 0.0, 2.0, 1.0]), 3) == [("c", 2.0), ("d", 1.0), ("a", 0.5)]
    assert top_k(["a", "b"], np.array([0.0, 0.0]), 2) == []
    assert top_k([], np.array([]), 5) == []


def test_ask_never_imports_llama_index(home, mini_corpus, capsys):
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    capsys.readouterr()
    probe = ("import sys, runpy; sys.argv = ['kb-bot', 'ask', '--json', '63条と78条の違いは']\n"
             "try:\n    runpy.run_module('kb_bot.cli', run_name='__main__')\nexcept SystemExit as e:\n"
             "    assert e.code == 0, e.code\n"
             "print(sorted(m for m in sys.modules if m.startswith('llama_index')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.splitlines()
    assert json.loads(out[0])["citations"]
    assert out[-1] == "[]"


def test_llama_index_retrievers_wrap_the_cores(home, mini_corpus, capsys, monkeypatch):
    from kb_bot.index.dense import USE_MODEL
    from kb_bot.index.retrievers import DenseRetriever, HybridRetriever, JapaneseBM25Retriever
    from kb_bot.search import Searcher
    from kb_bot.settings import load_settings

    monkeypatch.setenv("KB_BOT_EMBED_MODEL", USE_MODEL)
    assert main(["ingest", *map(str, mini_corpus)]) == 0
    capsys.readouterr()
    searcher = Searcher(load_settings())
    v = searcher.version()
    lexical = JapaneseBM25Retriever(v.nodes, v.lexical, searcher.tokenizer(), similarity_top_k=6)
    dense = DenseRetriever({n.node_id: n for n in v.nodes}, v.dense_store(), searcher.dense_embedder(v),
                           similarity_top_k=6)
    hybrid = HybridRetriever(lexical, dense, "weighted", dense_weight=0.3, similarity_top_k=3)
    question = "家電を買った分を返すお金から引いてもらえるか"
    lex_ids = [h.node.node_id for h in lexical.retrieve(question)]
    assert lex_ids == [i for i, _ in lexical.ranker.rank(question, 6)]
    assert [h.node.node_id for h in dense.retrieve(question)] == [i for i, _ in dense.ranker.rank(question, 6)]
    expected = fuse_hybrid(lexical.ranker.rank(question, 6), dense.ranker.rank(question, 6), "weighted", 60, 0.3)[:3]
    got = hybrid.retrieve(question)
    assert [h.node.node_id for h in got] == [i for i, _ in expected]
    assert [h.score for h in got] == pytest.approx([s for _, s in expected])
    assert [h.node.metadata["label"] for h in got] == [v.passages[v.position[i]].label for i, _ in expected]
    # past the taper's end the dense side weighs nothing, as in the search
    tapered = HybridRetriever(lexical, dense, "weighted", dense_weight=0.3, similarity_top_k=3, dense_taper=(5, 10))
    expected = fuse_hybrid(lexical.ranker.rank(question, 6), dense.ranker.rank(question, 6), "weighted", 60, 0.0)[:3]
    assert [h.score for h in tapered.retrieve(question)] == pytest.approx([s for _, s in expected])


def test_char_bigrams_drop_spaces_and_punctuation():
    from kb_bot.text import char_bigrams

    assert char_bigrams("返還金、時効 は？") == ["返還", "還金", "金時", "時効", "効は"]
    assert char_bigrams("あ") == [] and char_bigrams("") == []


def test_lexical_scores_add_words_and_letter_pairs(tmp_path: Path):
    """The fused score ranks by words and by letter pairs, each scaled to its best passage; an index saved
    without the bigram part (built before it existed) still ranks by words alone."""
    import numpy as np

    from kb_bot.index.lexical import LexicalIndex
    from kb_bot.text import char_bigrams
    from kb_bot.tokenize import JapaneseTokenizer

    texts = ["年金遡及分は資力が生じた時点から返還の対象となる。", "返還金の分納は生活の状況を見て決める。",
             "年金の受給権は本人が申請して決まる。"]
    tok = JapaneseTokenizer()
    index = LexicalIndex.build([tok(t) for t in texts], texts)
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.chars is not None
    question = "年金の遡及分はいつから返す？"
    words = loaded.scores(tok(question))
    fused = loaded.fused(words, list(dict.fromkeys(char_bigrams(question))), 1.0)
    # the passage best by words and by letters gets both in full; shared letter pairs alone reach one more
    assert int(np.argmax(fused)) == 0 and fused[0] == pytest.approx(2 * words[0])
    assert words[1] == 0 < fused[1] < fused[2]
    # no word known: no lexical evidence, whatever the letters say
    assert not loaded.fused(np.zeros(3), ["年金"], 1.0).any()
    # an index from before the bigram part: words only
    import shutil

    shutil.rmtree(tmp_path / "bm25chars")
    old = LexicalIndex.load(tmp_path)
    assert old.chars is None and (old.fused(words, ["年金"], 1.0) == words).all()
