"""Metrics on examples computed by hand."""

import math

import pytest

from kb_bot.evaluation import metrics as M


def test_relevance_is_hierarchical_and_credits_each_gold_label_once():
    hits = [["問13-4"], ["生活保護法 第78条第1項"], ["生活保護法 第78条第4項"], ["生活保護法 第63条"], ["問13-21"]]
    # 第78条 matches 第78条第1項 (rank 2) once; 第78条第4項 at rank 3 earns nothing; 第63条 at rank 4.
    assert M.relevance(hits, ["生活保護法 第78条", "生活保護法 第63条"]) == [0, 1, 0, 1, 0]
    # 第63条 must not match 第63条の2 (a different article).
    assert M.relevance([["生活保護法 第63条の2"]], ["生活保護法 第63条"]) == [0]
    # a baseline chunk standing for several labels is relevant once
    assert M.relevance([["問1-1", "問13-5"], ["問13-5"]], ["問13-5"]) == [1, 0]


def test_recall_mrr_ndcg_by_hand():
    rels = [0, 1, 0, 1, 0]
    assert M.recall_at(rels, 1) == 0.0
    assert M.recall_at(rels, 2) == 1.0
    assert M.recall_at(rels, 5) == 1.0
    assert M.mrr_at(rels, 10) == 0.5
    assert M.mrr_at([0] * 10 + [1], 10) == 0.0
    # DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161; IDCG (2 relevant) = 1 + 0.63093 = 1.63093
    assert M.ndcg_at(rels, 2) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert M.ndcg_at(rels, 2) == pytest.approx(0.6509, abs=1e-4)
    assert M.ndcg_at([1, 0, 0], 1) == 1.0
    assert M.ndcg_at([0, 0, 1], 1) == pytest.approx(0.5)
    assert M.ndcg_at([1], 0) == 0.0  # no gold label in the index: nothing attainable


def test_retrieval_means():
    m = M.retrieval([([1, 0], 1), ([0, 0, 1], 1), ([0] * 10, 1), ([0, 1], 2)])
    assert m["n"] == 4
    assert m["recall@1"] == 0.25
    assert m["recall@5"] == 0.75
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3 + 0 + 0.5) / 4)


def test_abstention_by_hand():
    # 3 unanswerable (abstained on 2), 5 answerable (abstained on 1)
    abstained = [True, True, False, True, False, False, False, False]
    answerable = [False, False, False, True, True, True, True, True]
    a = M.abstention(abstained, answerable)
    assert a["recall"] == pytest.approx(2 / 3)
    assert a["precision"] == pytest.approx(2 / 3)
    assert a["wrong_rate"] == pytest.approx(1 / 5)
    empty = M.abstention([False, False], [True, True])
    assert empty["recall"] is None and empty["precision"] is None and empty["wrong_rate"] == 0.0


def test_percentile_interpolates_like_numpy():
    values = [10.0, 20.0, 30.0, 40.0]
    assert M.percentile(values, 50) == 25.0
    assert M.percentile(values, 95) == pytest.approx(38.5)
    assert M.percentile([7.0], 95) == 7.0
    assert M.percentile([], 50) is None
