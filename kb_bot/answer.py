"""Answers with their citations: the shape every surface (CLI JSON, web, eval) shows.

:func:`answer_question` is the one answer path of the CLI, the chat and the eval. The default answer is
extractive — no model: the sentences of the top passages that best match the question and stand alone, each
followed by the marker of the passage it comes from (:func:`compose`), with the 63/78 or 自立更生費 checklist.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field

from kb_bot import DISCLAIMER
from kb_bot.passage import COLLECTIONS
from kb_bot.premise import premise_note
from kb_bot.question import Question, analyse, topic_of
from kb_bot.refs import find_refs, label_matches
from kb_bot.search import Searcher, SearchResult
from kb_bot.text import LIST_INTRO, normalize, split_sentences
from kb_bot.tokenize import JapaneseTokenizer

SAMPLE_NOTE = "この根拠は kb-bot 同梱のサンプル資料（チームが書いた要旨）で、公式の条文・通知ではありません"
"""Shown with an answer whose citations include a document marked ``sample = true`` in its manifest."""
ABSTAIN_TEXT = "資料の中に、この質問に答える十分な根拠が見つかりませんでした。SVに確認してください。"
RETRIEVAL_LABELS = {"hybrid": "語句＋意味の併用", "lexical": "語句検索", "dense": "意味検索"}
"""How every surface names ``Answer.retrieval_mode`` to a CW."""
NEAR_TITLE = "近い記載（参考。十分な根拠ではありません）"
"""The heading of the passages shown with an abstention, on every surface."""
WEAK_BASIS_NOTE = "根拠が弱い回答です。資料がこの質問に直接答えていない可能性があります。根拠の原文を確かめ、迷うときはSVに確認してください"
"""Shown with an answer whose confidence lies under the caution bound (``Answer.weak_basis``), on every surface."""


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
    checklist_note: str = ""
    """For a 63/78 question: the known criteria the cited passages do not cover (the checklist is partial)."""
    premise_note: str = ""
    """A number the question states (時効は10年) that the quoted passages do not, naming theirs (kb_bot.premise)."""
    weak_basis: bool = False
    """Answered on a weak basis (:attr:`kb_bot.search.SearchResult.weak_basis`): shown with :data:`WEAK_BASIS_NOTE`."""

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


_DANGLING = re.compile(r"^(?:この|その(?!他)|これ(?!に対し)|それ(?!ぞれ|に対し)|こうした|かかる|当該|上記|前記|同様に|"
                       r"前条|前項|前号|前各[項号]|前\d+[条項号]|同条|同項|同号|"
                       r"(?:一方|しかし|ただし|但し|したがって|従って|よって|そこで|もっとも|なお)、)")
"""A sentence opening that refers to something before it (「この徴収は」「前条の場合には」「一方、」「ただし、」)."""
_POINTS_BACK = re.compile(r"[がは]これに(?:当た|あた|該当)")
"""A sentence listing examples of what the one before it defines (「…の給付などがこれに当たる。」)."""
_ONLY_POINTS = re.compile(r"次の(?:[一二三四五六七八九十0-9]+つ|とおり)[^。、]{0,8}。$")
"""A sentence that says nothing but that a list follows (「主に次の二つである。」「次のとおり取り扱う。」)."""
_ITEM = re.compile(r"^(?:(?:[一二三四五六七八九十]+|[アイウエオカキクケコ])[ 　]|\d{1,2}\)|[・･●○])")
"""A list item (「一 租税等の請求権」「ア 過誤納金の還付：…」「1)…」 (①), 「・…場合。」), numbered headings (1) left out."""
_LEAD = re.compile(r"^(?:[(（]?答[)）]?\s+|[(（]答[)）]\s*|【[^】]{1,8}】\s*|[・･●○◆■□]\s*)")


def standalone_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that stand alone: a sentence opening with 「この」「前条」… or listing examples
    of what the one before it defines (「…などがこれに当たる」) is quoted together with the sentence just before it
    (across a line break, joined without it), or dropped when there is none (the passage starts with it, or a
    問 or a heading comes before); a sentence introducing a list (「次の二つである。」) is quoted with its items,
    or left out when they are not in ``text`` and it says nothing else; 問 and headings are left out."""
    flat = text.replace("\n", "")
    pieces = [raw.strip() for raw in split_sentences(text)]
    out: list[str] = []
    prev = ""
    i = 0
    while i < len(pieces):
        s = _LEAD.sub("", pieces[i])
        i += 1
        if _QUESTION.search(s) or not s.endswith(("。", ")", "）")):
            prev = ""  # the 問 of a Q&A restates the question; a heading is no answer
            continue
        if LIST_INTRO.search(s):
            items = []
            while i < len(pieces) and _ITEM.match(pieces[i]):
                items.append(pieces[i])
                i += 1
            if items and s + "".join(items) in flat:
                s += "".join(items)
            elif _ONLY_POINTS.search(s):
                prev = ""  # its list is not in this passage: the sentence alone says nothing
                continue
        if _DANGLING.match(s) or _POINTS_BACK.search(s):
            joined = prev + s
            unit = joined if prev and joined in flat else ""
            if unit and out and out[-1] == prev:
                out.pop()  # the sentence referred to is quoted with the one referring to it
        else:
            unit = s
        if unit:
            out.append(unit)
        prev = s if unit == s else ""
    return out


def compose(result: SearchResult, tokenizer: JapaneseTokenizer, max_sentences: int = 3, from_top: int = 3) -> Answer:
    """An extractive answer: sentences that stand alone, from the top passages, each with its [n].

    A sentence is scored by the share of the question's weight (idf) it contains; one holding the point
    asked about (端数, 5年, 暦日 …) is chosen first, may come from any cited passage, and opens the answer. Sentences scoring under
    half of the best are left out (same-word noise from a neighbouring topic), and when the question's
    subject is a reference (「法78の加算」) only passages of that reference, or sentences naming it, qualify.
    """
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
                    sample_note=SAMPLE_NOTE if result.sample else "", weak_basis=result.weak_basis)
    if result.abstained:
        answer.answer = ABSTAIN_TEXT
        return answer
    q = result.analysed or analyse(result.question, tokenizer.analyze)
    weights = {t: result.term_weights.get(t, 1.0) for t in set(q.unigrams)}
    total = sum(weights.values()) or 1.0
    subject = result.refs if q.ref_share >= 0.5 else []
    scored = []
    lead: set[int] = set()  # passages whose best sentence is quoted anyway: the top one, those of the refs asked
    for c in citations:
        on_subject = not subject or any(label_matches(k, c.label) for k in subject)
        if on_subject and (c.n == 1 or (subject and c.n <= from_top)):
            lead.add(c.n)
        for pos, unit in enumerate(standalone_sentences(c.text)):
            point = any(p in unit for p in q.points)
            if c.n > from_top and not point:
                continue
            if not on_subject and not any(label_matches(k, r.key) for r in find_refs(unit) for k in subject):
                continue  # the question is about 第78条: a sentence about 障害者加算 is another topic
            words = set(tokenizer(unit))
            score = sum(w for t, w in weights.items() if t in words) / total
            scored.append((point, score, -c.n, -pos, unit, c.n))
    if not scored:
        answer.answer = ABSTAIN_TEXT
        answer.abstained, answer.weak_basis = True, False
        answer.reason = answer.reason or "質問に対応する文が根拠の中に見つかりません"
        return answer
    floor = 0.5 * max(x[1] for x in scored)
    leading = {}
    for x in scored:
        if x[-1] in lead and x[1] > leading.get(x[-1], (0, -1.0))[1]:
            leading[x[-1]] = x
    best, per_passage = [], {}
    for item in sorted(scored, key=lambda x: (x[0], x in leading.values(), *x[1:4]), reverse=True):
        n = item[-1]
        if item[1] < floor and not item[0] and item is not leading.get(n):
            continue
        if per_passage.get(n, 0) < 2 and len(best) < max_sentences:  # at most 2 units from one passage
            best.append(item)
            per_passage[n] = per_passage.get(n, 0) + 1
    best.sort(key=lambda x: (not x[0], -x[2], -x[3]))  # the asked point first, then by passage rank and position
    answer.answer = "".join(f"{s}[{n}]" for *_, s, n in best)
    answer.used = sorted({n for *_, n in best})
    answer.checklist_title, answer.checklist, answer.checklist_note = checklist(q, citations)
    answer.used = sorted(set(answer.used) | {i.n for i in answer.checklist})
    answer.premise_note = premise_note(q.normalized, (normalize(citations[n - 1].text) for n in answer.used))
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
_SIDE_78_WORDS = re.compile(r"不正|不実|虚偽|作為|指示.{0,30}(応じ|従わ)|説明を求め")
_SIDE_63_WORDS = re.compile(r"過誤|認定漏れ|計算.{0,3}誤り|やむを得ない理由|予測できな|知り得なかった|資力")
_QUESTION = re.compile(r"^[(（]?問[)）]?[\s0-9(（]|[か？?]。?$")
_NEGATED = re.compile(r"適当でない|とはしない|によらない|適用しない|ではない|直ちに")
_JIRITSU_NG = re.compile(
    r"認められない|認めない|適用しない|適用されない|含まれない|含まない|できない|対象とならない|対象外|厳格|限る|限って|ではない")
_CUE_63_78 = re.compile(r"場合|とき|意思|不正|不実|虚偽|作為|やむを得ない|過誤|知り得|指示|妥当|適用|規定")
_NOT_63_78 = re.compile(r"滞納処分|国税徴収|督促|差押え|上乗せ|100分の40|充当|納入|免責|破産|"
                        r"指定(?:医療|介護)機関|就労自立給付金|進学準備給付金")
"""Collection after the decision (督促・滞納処分・免責 …) and the 78条 paragraphs about other payees (指定医療機関,
就労自立給付金) are no criterion for choosing 63 or 78 for a recipient's income."""
_JIRITSU_PERMISSIVE = re.compile(r"(?:認めない|しない|できない)と(?:する|した)?の?は.{0,6}(?:適当でない|誤り|相当でない)|"
                                 r"べきだとされ|認めるべき")
"""「…一切認めないとするのは適当でない」 says a deduction may be allowed: not a 控除の対象外 item."""
KNOWN_CRITERIA = {
    "63": {"受給の意思がなく届出の遅れにやむを得ない理由がある": r"意思がなかった|やむを得ない理由",
           "実施機関も本人も予想できなかった収入": r"予[想測](?:でき|し得)な|知り得なかった",
           "実施機関の認定漏れ・計算誤り（過誤払い）": r"認定漏れ|計算.{0,3}誤り|過誤"},
    "78": {"届出・申告の指示に応じなかった": r"指示.{0,30}(?:応じ|従わ)",
           "届出・申告に明らかに作為を加えた": r"作為",
           "説明を求めても応じない・事実と異なる説明": r"説明を求め|事実と異なる説明",
           "課税調査等で申告が虚偽と判明した": r"課税調査|虚偽"},
}
"""The criteria every 63/78 checklist should show (domain brief §2), in the checklist's own words, each
with the wording that finds it in a quoted sentence. A missing one is named in ``checklist_note``."""


def _sides(text: str) -> set[str]:
    sides = set()
    if re.search(r"(?<![0-9])63\s*条|法\s*63(?![0-9])", text):
        sides.add("63")
    if re.search(r"(?<![0-9])78\s*条(?!の[0-9])|法\s*78(?![0-9]|の[0-9])", text):
        sides.add("78")
    return sides


def _side_of(sentence: str, context: set[str], passage_sides: set[str]) -> str:
    sides = _sides(sentence)
    if sides == {"63", "78"} or (sides and _NEGATED.search(sentence)):
        return "both"  # 「…法第78条を適用することは適当でない」 is a caution, not a 78 criterion
    if sides:
        return next(iter(sides))
    if len(context) == 1:
        return next(iter(context))
    # by wording only in a passage that is about that side (names the article somewhere)
    if _SIDE_78_WORDS.search(sentence) and "78" in passage_sides:
        return "78"
    if _SIDE_63_WORDS.search(sentence) and "63" in passage_sides:
        return "63"
    return ""


def checklist(question: Question | str, citations: list[Citation],
              per_group: int = 6) -> tuple[str, list[ChecklistItem], str]:
    """The decision criteria of a 63/78 or 自立更生費 question, quoted from ``citations`` with their [n].

    A criterion is a sentence with a condition cue (場合・とき・要件・認め …). For 63/78 it is grouped by the
    article it points to: named in the sentence, else in the heading it stands under (「(2) 法第78条に
    よることが妥当な場合」), else in the passage's label and headings, else by its wording (不正・虚偽 → 78;
    過誤・やむを得ない理由 → 63). For 自立更生費: sentences about 自立更生 / 控除, split into what can be
    deducted and what cannot (a sentence saying a refusal would be wrong counts as what can).

    Returns (title, items, note): the note names the known 63/78 criteria (:data:`KNOWN_CRITERIA`) that no
    quoted item covers, so a half list is never shown as if it were the whole.
    """
    topic = question.topic if isinstance(question, Question) else topic_of(question)
    if not topic:
        return "", [], ""
    seen: set[str] = set()
    items: dict[str, list[ChecklistItem]] = {}
    for c in citations:
        # the nearest heading naming an article decides: 「(2) 法第78条によることが妥当な場合」 under
        # 「1 法第63条と法第78条の適用の考え方」 is about 78
        base = next((sides for h in reversed(c.headings) if (sides := _sides(h))), _sides(c.label))
        passage_sides = base | _sides(c.text)
        current = set(base)
        mentions_jiritsu = "自立更生" in c.text or "自立更生" in " ".join(c.headings)
        for sentence in split_sentences(c.text):
            s = _LEAD.sub("", sentence.strip())
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
                group = _side_of(s, current, passage_sides)
            else:
                if not mentions_jiritsu or not re.search(r"自立更生|控除|用途|充て", s):
                    continue
                group = "ng" if _JIRITSU_NG.search(s) and not _JIRITSU_PERMISSIVE.search(s) else "ok"
            if not group or len(items.get(group, [])) >= per_group:
                continue
            seen.add(s)
            items.setdefault(group, []).append(ChecklistItem(GROUPS[group], s, c.n))
    order = ["63", "78", "both"] if topic == "63_78" else ["ok", "ng"]
    out = [item for g in order for item in items.get(g, [])]
    note = _missing_criteria(items) if topic == "63_78" else ""
    return (CHECKLIST_TITLES[topic], out, note) if out else ("", [], note)


def _missing_criteria(items: dict[str, list[ChecklistItem]]) -> str:
    missing = [f"第{side}条「{name}」" for side, known in KNOWN_CRITERIA.items() for name, pattern in known.items()
               if not any(re.search(pattern, i.text) for i in items.get(side, []))]
    if not missing:
        return ""
    return ("取得した根拠には次の判断基準の記載が見つからず、このチェックリストは一部です: " + "、".join(missing)
            + "。通知や問答集の該当箇所で確認してください")
