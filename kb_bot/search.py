"""Search the index in service: hybrid or lexical retrieval, reference boosting, confidence signals.

:class:`Searcher` is the one search used by the answer path (kb_bot.answer.answer_question). The confidence
is the calibrated model of kb_bot.confidence over the signals computed here.
"""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from kb_bot.confidence import model_for
from kb_bot.index import Ranking
from kb_bot.index.lexical import CHAR_WEIGHT, top_k
from kb_bot.index.store import IndexStore, IndexUnavailable, IndexVersion, in_force, today
from kb_bot.passage import Passage
from kb_bot.question import Question, analyse, missing_phrase_share, states_asked_number
from kb_bot.refs import resolve
from kb_bot.settings import Settings
from kb_bot.text import normalize
from kb_bot.tokenize import JapaneseTokenizer, TokenizerConfig

if TYPE_CHECKING:
    from kb_bot.index.dense import Embedder

MODES = ("hybrid", "lexical", "dense")
CANDIDATES = 50
"""How many passages each retriever contributes before fusion and boosting."""


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    period: tuple[str, str]
    """(from, until) of the document, ISO dates, '' = open."""
    current: bool
    """In force today (a hit found with an earlier ``as_of`` may be 旧)."""


@dataclass
class SearchResult:
    question: str
    hits: list[Hit]
    confidence: float
    abstained: bool
    reason: str
    mode: str
    corpus_version: str
    as_of: str
    refs: list[str] = field(default_factory=list)
    notice: str = ""
    query_terms: list[str] = field(default_factory=list)
    sample: bool = False
    """Some hit comes from a document marked as the team's summary sample (manifest ``sample = true``)."""
    signals: dict[str, float] = field(default_factory=dict)
    """What the confidence was computed from (see kb_bot.confidence)."""
    analysed: Question | None = None
    """The question as analysed once (refs, tokens, topic), for the answer text and the checklist."""
    term_weights: dict[str, float] = field(default_factory=dict)
    """idf of each of the question's words in this index (unknown words weigh most)."""
    missing_refs: list[str] = field(default_factory=list)
    """References in the question that name no passage of the index, when they decide: the search abstains at
    confidence 0 (a notice number mentioned beside a found reference does not decide)."""
    weak_basis: bool = False
    """Answered, but with a confidence under the caution bound (``caution_threshold``, else the model's): the
    top passages may not answer the question, and every surface says so."""


class Searcher:
    """Answers questions from the index version in service; picks up a newly published version by itself."""

    def __init__(self, settings: Settings, tokenizer_config: TokenizerConfig | None = None) -> None:
        self.settings = settings
        self.store = IndexStore(settings.index_dir)
        self._version: IndexVersion | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._embedders: dict[str, object] = {}
        self._dense_notice: dict[str, str] = {}
        self._tokenizer_override = tokenizer_config

    # -- index in service ---------------------------------------------------------------------------
    def version(self) -> IndexVersion:
        name = self.store.current_name()
        if name is None:
            raise IndexUnavailable("索引がまだありません。kb-bot ingest corpus/* で資料を取り込んでください")
        with self._lock:
            if self._version is None or self._version.name != name:
                self._version = self.store.open(name)
            return self._version

    def tokenizer(self) -> JapaneseTokenizer:
        config = self._tokenizer_override or TokenizerConfig(**self.version().manifest["tokenizer"])
        tok = getattr(self._local, "tokenizer", None)
        if tok is None or tok.config != config:
            tok = self._local.tokenizer = JapaneseTokenizer(config)
        return tok

    def dense_embedder(self, version: IndexVersion) -> Embedder | None:
        """The embedder the version was built with, or None (and a notice, said once) when unavailable."""
        model = version.dense_model
        if model is None:
            return None
        with self._lock:
            if model not in self._embedders and model not in self._dense_notice:
                from kb_bot.index.dense import DenseUnavailable, Embedder

                s = self.settings
                try:
                    self._embedders[model] = Embedder.load(model, s.embed_query_prefix, s.embed_document_prefix,
                                                           s.embed_device)
                except DenseUnavailable as e:
                    self._dense_notice[model] = f"注意: {e}。語彙検索（BM25）のみで回答します"
                    print(self._dense_notice[model], file=sys.stderr)
            return self._embedders.get(model)

    # -- search -------------------------------------------------------------------------------------
    def analyse(self, question: str) -> Question:
        """The question analysed with this index's tokenizer (once; pass the result to :meth:`search`)."""
        return analyse(question, self.tokenizer().analyze)

    def search(self, question: str | Question, k: int | None = None, as_of: str | None = None,
               mode: str | None = None) -> SearchResult:
        q = question if isinstance(question, Question) else self.analyse(question)
        k = k or self.settings.top_k
        as_of = as_of or today()
        v = self.version()
        mask = v.in_force_mask(as_of)
        words = np.where(mask, v.lexical.scores(q.search_terms), 0.0)
        lex_all = np.where(mask, v.lexical.fused(words, q.char_grams, CHAR_WEIGHT), 0.0)
        lex_ranked = top_k(v.ids, lex_all, CANDIDATES)

        requested = mode
        mode = mode or "hybrid"
        if mode not in MODES:
            raise ValueError(f"mode は {', '.join(MODES)} のいずれかです")
        embedder = self.dense_embedder(v) if mode in ("hybrid", "dense") else None
        notice = self._dense_notice.get(v.dense_model or "", "") if mode != "lexical" else ""
        dense_ranked: Ranking = []
        if embedder is None:
            if requested in ("hybrid", "dense") and not notice:
                notice = "この索引には密ベクトルがありません（語彙検索のみ）"
            mode, ranked = "lexical", lex_ranked
        else:
            from kb_bot.index.dense import DenseRanker
            from kb_bot.index.hybrid import fuse_hybrid, tapered_weight

            dense = DenseRanker(v.dense_store(), embedder, v.in_force_ids(as_of))
            dense_ranked = dense.rank(q.normalized, CANDIDATES)
            if mode == "dense":
                ranked = dense_ranked
            else:
                s = self.settings
                weight = tapered_weight(s.dense_weight, len(q.normalized), s.dense_taper_from, s.dense_taper_to)
                ranked = fuse_hybrid(lex_ranked, dense_ranked, s.fusion, s.rrf_k, weight)[:CANDIDATES]

        top = max((sc for _, sc in ranked), default=0.0) or 1.0
        final = {v.position[i]: sc / top for i, sc in ranked}

        matched_refs: set[str] = set()
        by_ref: dict[str, list[int]] = {}
        lex_top = float(lex_all.max()) or 1.0
        ref_keys = [resolve(r, lambda key: bool(v.positions_for_ref(key))) for r in q.refs]
        for r in ref_keys:
            positions = v.positions_for_ref(r)
            if positions:
                matched_refs.add(r)
            for pos in positions:
                if not mask[pos]:
                    continue
                final.setdefault(pos, float(lex_all[pos]) / lex_top)
                by_ref.setdefault(r, []).append(pos)
        # The best passage of each cited reference gets the full boost, its siblings half: a question naming
        # two articles then sees both articles first, not every paragraph of one of them.
        # The boost is full when the references are at least half of the question (「63条と78条の違いは」) and
        # shrinks with their share: in 「課税調査で…自動的に78条になる？」 the answer is rarely the article itself.
        boost: dict[int, float] = {}
        ref_boost = self.settings.ref_boost * q.ref_share
        for positions in by_ref.values():
            positions.sort(key=lambda i: -final[i])
            for rank, i in enumerate(positions):
                boost[i] = max(boost.get(i, 0.0), ref_boost * (1.0 if rank == 0 else 0.5))
        for i, b in boost.items():
            final[i] += b

        order = sorted(final, key=lambda i: -final[i])[:k]
        hits = []
        for i in order:
            p = v.passages[i]
            period = v.periods.get(p.source, ("", ""))
            hits.append(Hit(p, round(final[i], 4), period, in_force(period, today())))

        signals = {
            # bigrams too: a question's compounds (所定給付日数) must be in the passage, not only their parts
            "coverage": self._coverage(v, q.terms, hits[:3], q.book_terms),
            "bm25_ratio": min(2.0, float(words.max(initial=0.0))
                              / _self_score(v, list(dict.fromkeys(q.terms)) + list(q.focus_terms))),
            "unknown_share": _unknown_share(v, q.terms),
            "length": math.log1p(len(set(q.unigrams))),
            "ref_matched": 1.0 if matched_refs else 0.0,
            "ref_subject": q.ref_share if matched_refs else 0.0,
            **_answer_shape(q, hits[:3]),
        }
        if dense_ranked:
            signals["dense_max"] = dense_ranked[0][1]
            lex5, dense5 = {i for i, _ in lex_ranked[:5]}, {i for i, _ in dense_ranked[:5]}
            signals["agreement"] = len(lex5 & dense5) / 5
        model = model_for(mode)
        confidence = model.predict(signals)
        threshold = self.settings.abstain_threshold
        threshold = model.threshold if threshold is None else threshold
        reason = ""
        # A reference the index lacks: when nothing the question cites is found, or when the index holds the
        # series it numbers (「問13-72では…」 beside 問13-1…42), the question rests on something not in the books.
        missing_refs = [r for r in ref_keys if r not in matched_refs]
        if missing_refs and (not matched_refs or any(v.holds_series_of(r) for r in missing_refs)):
            reason = f"質問にある {'、'.join(missing_refs)} は取り込まれた資料にありません（番号を確かめてください）"
            confidence = 0.0
        else:
            missing_refs = []
        if not hits:
            reason = reason or "関連する記載が見つかりません"
        abstained = not hits or confidence < threshold
        if abstained and not reason:
            reason = "質問に十分に対応する記載が見つかりません"
        caution = self.settings.caution_threshold
        caution = (model.caution if model.caution is not None else threshold) if caution is None else caution
        sample = any(v.docs[h.passage.source].meta.sample for h in hits)
        return SearchResult(q.text, hits, round(confidence, 4), abstained, reason, mode,
                            v.corpus_version(as_of), as_of, ref_keys, notice, list(q.unigrams), sample,
                            {f: round(x, 4) for f, x in signals.items()}, q,
                            {t: v.lexical.idf.get(t, v.lexical.unknown_idf) for t in set(q.terms)}, missing_refs,
                            not abstained and confidence < caution)

    @staticmethod
    def _coverage(v: IndexVersion, terms: Sequence[str], hits: list[Hit], book_terms: Sequence[str] = ()) -> float:
        """Share of the question's weight (idf) that the best of ``hits`` contains; unknown words weigh most. The
        books' words for the question's own (``book_terms``) count as extra cover, never as more to cover."""
        unique = set(terms)
        if not unique or not hits:
            return 0.0
        idf = v.lexical.idf
        weight = {t: idf.get(t, v.lexical.unknown_idf) for t in unique | set(book_terms)}
        total = sum(weight[t] for t in unique)
        best = 0.0
        for h in hits:
            doc = set(v.tokens[v.position[h.passage.id]])
            best = max(best, min(1.0, sum(w for t, w in weight.items() if t in doc) / total))
        return best


def _answer_shape(q: Question, hits: list[Hit]) -> dict[str, float]:
    """Signals of an out-of-scope question whose words the corpus shares (児童扶養手当, 葬祭扶助の基準額):
    ``asked_number_missing`` — the question asks for a number (いくら, 何年, 何%) that none of the top passages
    states; ``phrase_missing`` — share of the question's noun phrases that none of the top passages holds."""
    text = normalize("\n".join(h.passage.text for h in hits))
    return {"asked_number_missing": 0.0 if states_asked_number(q, text) else 1.0,
            "phrase_missing": missing_phrase_share(q, text)}


def _unknown_share(v: IndexVersion, terms: Sequence[str]) -> float:
    """Share of the question's weight (idf) carried by words and word pairs that occur in no passage."""
    unique = set(terms)
    if not unique:
        return 0.0
    idf, unknown = v.lexical.idf, v.lexical.unknown_idf
    return sum(unknown for t in unique if t not in idf) / sum(idf.get(t, unknown) for t in unique)


def _self_score(v: IndexVersion, terms: Sequence[str]) -> float:
    """The BM25 score of a passage of average length holding each searched word once: Σ idf, a word the index
    has never seen weighing as the rarest (so a question of unknown words has a low ratio, not a high one)."""
    return sum(v.lexical.idf.get(t, v.lexical.unknown_idf) for t in terms) or 1.0
