"""Answers with their citations: the shape every surface (CLI JSON, web, eval) shows.

The default answer is extractive — no model: the sentences of the top passages that best match the
question, each followed by the marker of the passage it comes from.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field

from kb_bot import DISCLAIMER
from kb_bot.passage import COLLECTIONS
from kb_bot.question import topic_of
from kb_bot.search import Searcher, SearchResult
from kb_bot.text import split_sentences

SAMPLE_NOTE = "この根拠は kb-bot 同梱のサンプル資料（チームが書いた要旨）で、公式の条文・通知ではありません"
"""Shown with an answer whose citations include a document marked ``sample = true`` in its manifest."""
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
class ChecklistItem:
    """One decision criterion quoted from a passage, with the number of the citation it comes from."""

    group: str
    text: str
    n: int


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
    sample_note: str = ""
    disclaimer: str = DISCLAIMER
    used: list[int] = field(default_factory=list)
    """Citation numbers the answer text refers to."""
    checklist_title: str = ""
    """For a 63条/78条 or 自立更生費 question: the title of the checklist below (else empty)."""
    checklist: list[ChecklistItem] = field(default_factory=list)
    """The decision criteria found in the cited passages, each with its [n] (see :func:`checklist`)."""

    def to_json(self) -> dict:
        return asdict(self)


CHECKLIST_K = 8
"""Passages retrieved for a 63/78 or 自立更生費 question (the checklist draws on them)."""


def answer_question(searcher: Searcher, question: str, *, k: int | None = None, as_of: str | None = None,
                    mode: str | None = None) -> Answer:
    """The one answer path of the CLI, the chat and the eval: analyse, search, compose."""
    return search_and_answer(searcher, question, k=k, as_of=as_of, mode=mode)[1]


def search_and_answer(searcher: Searcher, question: str, *, k: int | None = None, as_of: str | None = None,
                      mode: str | None = None, depth: int = 0) -> tuple[SearchResult, Answer]:
    """:func:`answer_question`, also returning the search result ranked ``depth`` deep (the eval measures
    Recall@10 on it); the answer is composed from the first ``k`` hits only, as every surface shows it."""
    q = searcher.analyse(question)
    shown = k or searcher.settings.top_k
    if q.topic:
        shown = max(shown, CHECKLIST_K)
    result = searcher.search(q, k=max(shown, depth), as_of=as_of, mode=mode)
    return result, compose(dataclasses.replace(result, hits=result.hits[:shown]), searcher.tokenizer())


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
                    result.confidence, result.as_of, result.reason, result.notice,
                    sample_note=SAMPLE_NOTE if result.sample else "")
    if result.abstained:
        answer.answer = ABSTAIN_TEXT
        return answer
    terms = set(tokenizer(result.question))
    scored = []
    for c in citations[:from_top]:
        for pos, s in enumerate(split_sentences(c.text)):
            s = _ANSWER_PREFIX.sub("", s)
            if _QUESTION.search(s):
                continue  # the 問 of a Q&A restates the question; its 答 is the answer
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
    answer.checklist_title, answer.checklist = checklist(result.question, citations)
    answer.used = sorted(set(answer.used) | {i.n for i in answer.checklist})
    return answer


# -- the decision checklist (63条 vs 78条, 自立更生費) ------------------------------------------------

CHECKLIST_TITLES = {
    "63_78": "第63条（費用返還）か第78条（費用徴収）かの判断のチェックリスト",
    "jiritsu": "自立更生費として控除できるかのチェックリスト",
}
GROUPS = {
    "63": "第63条（費用返還）によることが考えられる事情",
    "78": "第78条（費用徴収）によることが考えられる事情",
    "both": "判断に当たっての留意点",
    "ok": "控除が認められうるもの・要件",
    "ng": "控除の対象外・注意点",
}
_CUE = re.compile(r"場合|とき|には|限り|限る|要件|妥当|適用|認め|該当|当た|あた|ただし|対象|範囲|できる|できない|しない")
_HEADING = re.compile(r"^(?:[0-9]+|[(（][0-9]+[)）]|[ア-ン]|[(（][ア-ン][)）]|第[0-9]+)\s*\S.{0,40}$")
_SIDE_78_WORDS = re.compile(r"不正|不実|虚偽|作為|指示.{0,10}(応じ|従わ)|説明を求め")
_SIDE_63_WORDS = re.compile(r"過誤|認定漏れ|計算.{0,3}誤り|やむを得ない理由|予測できな|知り得なかった|資力")
_ANSWER_PREFIX = re.compile(r"^(?:[(（]?答[)）]?\s+|[(（]答[)）]\s*)")
_QUESTION = re.compile(r"^[(（]?問[)）]?[\s0-9(（]|[か？?]。?$")
_NEGATED = re.compile(r"適当でない|とはしない|によらない|適用しない|ではない|直ちに")
_JIRITSU_NG = re.compile(
    r"認められない|認めない|適用しない|適用されない|含まれない|含まない|できない|対象とならない|対象外|厳格|限る|限って|ではない")
_CUE_63_78 = re.compile(r"場合|とき|意思|不正|不実|虚偽|作為|やむを得ない|過誤|知り得|指示|妥当|適用|規定")
_NOT_63_78 = re.compile(r"滞納処分|国税徴収|督促|差押え|上乗せ|充当|納入")


def _sides(text: str) -> set[str]:
    sides = set()
    if re.search(r"(?<![0-9])63\s*条|法\s*63(?![0-9])", text):
        sides.add("63")
    if re.search(r"(?<![0-9])78\s*条(?!の[0-9])|法\s*78(?![0-9]|の[0-9])", text):
        sides.add("78")
    return sides


def _side_of(sentence: str, context: set[str]) -> str:
    sides = _sides(sentence)
    if sides == {"63", "78"} or (sides and _NEGATED.search(sentence)):
        return "both"  # 「…法第78条を適用することは適当でない」 is a caution, not a 78 criterion
    if sides:
        return next(iter(sides))
    if len(context) == 1:
        return next(iter(context))
    if _SIDE_78_WORDS.search(sentence):
        return "78"
    if _SIDE_63_WORDS.search(sentence):
        return "63"
    return ""


def checklist(question: str, citations: list[Citation], per_group: int = 6) -> tuple[str, list[ChecklistItem]]:
    """The decision criteria of a 63/78 or 自立更生費 question, quoted from ``citations`` with their [n].

    A criterion is a sentence with a condition cue (場合・とき・要件・認め …). For 63/78 it is grouped by the
    article it points to: named in the sentence, else in the heading it stands under (「(2) 法第78条に
    よることが妥当な場合」), else in the passage's label and headings, else by its wording (不正・虚偽 → 78;
    過誤・やむを得ない理由 → 63). For 自立更生費: sentences about 自立更生 / 控除, split into what can be
    deducted and what cannot.
    """
    topic = topic_of(question)
    if not topic:
        return "", []
    seen: set[str] = set()
    items: dict[str, list[ChecklistItem]] = {}
    for c in citations:
        base = _sides(" ".join([c.label, *c.headings]))
        current = set(base)
        mentions_jiritsu = "自立更生" in c.text or "自立更生" in " ".join(c.headings)
        for sentence in split_sentences(c.text):
            s = _ANSWER_PREFIX.sub("", sentence.strip())
            if _QUESTION.search(s):
                continue  # the 問 of a Q&A is not a criterion
            if not s.endswith("。") and (_HEADING.match(s) or len(s) < 40):
                heading_sides = _sides(s)
                current = heading_sides or set(base)
                continue
            if not 12 <= len(s) <= 240 or not _CUE.search(s) or s in seen:
                continue
            if topic == "63_78":
                if not _CUE_63_78.search(s) or _NOT_63_78.search(s):
                    continue
                group = _side_of(s, current)
            else:
                if not mentions_jiritsu or not re.search(r"自立更生|控除|用途|充て", s):
                    continue
                group = "ng" if _JIRITSU_NG.search(s) else "ok"
            if not group or len(items.get(group, [])) >= per_group:
                continue
            seen.add(s)
            items.setdefault(group, []).append(ChecklistItem(GROUPS[group], s, c.n))
    order = ["63", "78", "both"] if topic == "63_78" else ["ok", "ng"]
    out = [item for g in order for item in items.get(g, [])]
    return (CHECKLIST_TITLES[topic], out) if out else ("", [])
