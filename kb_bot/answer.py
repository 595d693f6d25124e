"""Answers with their citations: the shape every surface (CLI JSON, web, eval) shows.

The default answer is extractive — no model: the sentences of the top passages that best match the
question, each followed by the marker of the passage it comes from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kb_bot import DISCLAIMER
from kb_bot.passage import COLLECTIONS
from kb_bot.search import SearchResult
from kb_bot.text import split_sentences

ABSTAIN_TEXT = "資料の中に、この質問に答える十分な根拠が見つかりませんでした。下の「近い記載」を参考に、SVに確認してください。"


@dataclass
class Citation:
    n: int
    label: str
    collection: str
    collection_name: str
    title: str
    text: str
    page: int | None
    source: str
    score: float
    passage_id: str
    headings: list[str]
    valid_from: str
    valid_until: str
    current: bool
    """False for a passage no longer in force today (shown as 「旧」 with its period)."""


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    corpus_version: str
    retrieval_mode: str
    confidence: float
    as_of: str
    reason: str = ""
    notice: str = ""
    disclaimer: str = DISCLAIMER
    used: list[int] = field(default_factory=list)
    """Citation numbers the answer text refers to."""

    def to_json(self) -> dict:
        return asdict(self)


def _sentence_score(sentence_tokens: set[str], query_terms: set[str]) -> float:
    return len(sentence_tokens & query_terms) / (len(query_terms) or 1)


def compose(result: SearchResult, tokenizer, max_sentences: int = 3, from_top: int = 3) -> Answer:  # noqa: ANN001
    """An extractive answer: the best-matching sentences of the top passages, each with its [n]."""
    citations = [
        Citation(
            n=i, label=h.passage.label, collection=h.passage.collection,
            collection_name=COLLECTIONS.get(h.passage.collection, h.passage.collection), title=h.passage.title,
            text=h.passage.text, page=h.passage.page, source=h.passage.source, score=h.score,
            passage_id=h.passage.id, headings=list(h.passage.headings), valid_from=h.period[0],
            valid_until=h.period[1], current=h.current,
        )
        for i, h in enumerate(result.hits, start=1)
    ]
    answer = Answer(result.question, "", result.abstained, citations, result.corpus_version, result.mode,
                    result.confidence, result.as_of, result.reason, result.notice)
    if result.abstained:
        answer.answer = ABSTAIN_TEXT
        return answer
    terms = set(tokenizer(result.question))
    scored = []
    for c in citations[:from_top]:
        for pos, s in enumerate(split_sentences(c.text)):
            scored.append((_sentence_score(set(tokenizer(s)), terms), -c.n, -pos, s, c.n))
    best, per_passage = [], {}
    for item in sorted(scored, reverse=True):
        n = item[-1]
        if per_passage.get(n, 0) < 2 and len(best) < max_sentences:  # at most 2 sentences from one passage
            best.append(item)
            per_passage[n] = per_passage.get(n, 0) + 1
    if not best:
        answer.answer = ABSTAIN_TEXT
        answer.abstained = True
        return answer
    best.sort(key=lambda x: (-x[1], -x[2]))  # reading order: by passage rank, then position
    answer.answer = "".join(f"{s}[{n}]" for *_, s, n in best)
    answer.used = sorted({n for *_, n in best})
    return answer
