"""Citation references: find them in a question, and match them against passage labels.

A reference's ``key`` has the same form as a passage label, so 「63条」 in a question becomes
``生活保護法 第63条`` and matches the passages labelled 「生活保護法 第63条」 and
「生活保護法 第63条第2項」 but not 「生活保護法 第63条の2」.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kb_bot.text import normalize

DEFAULT_LAW = "生活保護法"

# Short names a CW writes, mapped to the law title used in labels. Longest first matters in the regex.
LAW_ALIASES = {
    "生活保護法施行規則": "生活保護法施行規則",
    "生活保護法施行令": "生活保護法施行令",
    "地方自治法施行令": "地方自治法施行令",
    "地方自治法": "地方自治法",
    "介護保険法": "介護保険法",
    "破産法": "破産法",
    "民法": "民法",
    "国税徴収法": "国税徴収法",
    "生活保護法": "生活保護法",
    "施行規則": "生活保護法施行規則",
    "規則": "生活保護法施行規則",
    "施行令": "生活保護法施行令",
    "自治令": "地方自治法施行令",
    "自治法": "地方自治法",
    "保護法": "生活保護法",
    "法": "生活保護法",
}
_LAW_NAMES = "|".join(sorted(LAW_ALIASES, key=len, reverse=True))

_UNIT = r"(?:%|割|分|厘|円|万|千|百|億|年|か月|ヶ月|カ月|箇月|月|週|日|時間|時|歳|才|代|人|名|世帯|回|件|個|枚|倍|点|度|階|号|頁|ページ)"
"""What a number is counting when it is not an article: 「78条の40%」「63条の3万円」「5年」."""
_NOT_COUNT = rf"(?![\d.,]|\s*{_UNIT})"
_ARTICLE = re.compile(
    rf"(?P<law>{_LAW_NAMES})?\s*第?(?<!\d)(?P<art>\d{{1,4}})(?:条(?:の(?P<sub>\d{{1,2}}){_NOT_COUNT})?"
    rf"(?:\s*第?(?P<para>\d{{1,2}})項)?|(?=\D|$){_NOT_COUNT})"
)
_PAIR = re.compile(
    rf"(?<![\d.,\-の問第(])(?P<first>(?P<law>{_LAW_NAMES})?\s*第?(?P<a>\d{{1,3}})条?){_NOT_COUNT}"
    rf"\s*(?:か|・|/|と|or|、)\s*(?P<second>(?:{_LAW_NAMES})?\s*第?(?P<b>\d{{1,3}})(?!条の\d){_NOT_COUNT}条?)"
)
"""Two articles written as a pair without 条: 「63か78か」「63・78」「法63/78」."""
_QA = re.compile(r"問\s*(?P<ch>\d{1,2})\s*[-の]\s*(?P<no>\d{1,3})")
_KACHO_QA = re.compile(r"(?:課長通知|課)\s*(?:の\s*)?問?\s*\(?\s*第\s*(?P<ch>\d{1,2})\s*の\s*(?P<no>\d{1,3})\s*\)?")
_YOURYOU = re.compile(
    r"(?P<layer>次官通知|局長通知|課長通知|次|局|課)\s*第\s*(?P<path>\d{1,2}(?:\s*(?:[-の])\s*(?:\(?\d{1,2}\)?|[ア-ン]|\([ア-ン]\)))*)"
)
_NOTICE_NUMBER = re.compile(r"(?:日付け?)?(?P<no>[\u4e00-\u9fff々]{1,6}発\s*\d{3,4}\s*第\s*\d{1,3}\s*号)")
"""An issuing office's code (社援保発, 老発 …) and number; the date before it (「7月23日付け」) is no part of it."""

_LAYER = {"次官通知": "次", "局長通知": "局", "課長通知": "課", "次": "次", "局": "局", "課": "課"}


_CONTEXT_LAW = re.compile("|".join(sorted((n for n, law in LAW_ALIASES.items() if law != DEFAULT_LAW and n != "規則"),
                                           key=len, reverse=True)))
"""A law other than 生活保護法 named in a question (「規則」 alone is too common a word to count)."""


@dataclass(frozen=True)
class Ref:
    key: str
    """Label form: 生活保護法 第63条 / 問13-21 / 局第8-3-(2)-ア / 課第8-40 / 社援保発0723第1号."""
    span: tuple[int, int]
    """Where it was found in the normalised question."""
    in_context: str = ""
    """For an article written without its law after another law was named (「地方自治法施行令の…。1 第171条の6」):
    the key under that law. :func:`resolve` uses it when the index holds no such article of 生活保護法."""


def resolve(ref: Ref, found: Callable[[str], bool]) -> str:
    """``ref``'s key, or its key under the law named before it when ``found`` (the index) knows only that one."""
    return ref.in_context if ref.in_context and not found(ref.key) and found(ref.in_context) else ref.key


def find_refs(question: str) -> list[Ref]:
    """All references in a question, in order of appearance, without duplicates."""
    q = normalize(question)
    found: list[Ref] = []
    taken: list[tuple[int, int]] = []

    def add(key: str, span: tuple[int, int], in_context: str = "") -> None:
        if any(s < span[1] and span[0] < e for s, e in taken):
            return
        taken.append(span)
        if key not in {r.key for r in found}:
            found.append(Ref(key, span, in_context))

    for m in _NOTICE_NUMBER.finditer(q):
        add(re.sub(r"\s+", "", m["no"]), m.span("no"))
    for m in _KACHO_QA.finditer(q):
        add(f"課第{m['ch']}-{m['no']}", m.span())
    for m in _QA.finditer(q):
        add(f"問{m['ch']}-{m['no']}", m.span())
    for m in _YOURYOU.finditer(q):
        parts = [p.strip() for p in re.split(r"[-の]", m["path"])]
        add(f"{_LAYER[m['layer']]}第" + "-".join(parts), m.span())
    for m in _PAIR.finditer(q):
        law = LAW_ALIASES[m["law"]] if m["law"] else DEFAULT_LAW
        add(f"{law} 第{m['a']}条", m.span("first"))
        add(f"{law} 第{m['b']}条", m.span("second"))
    for m in _ARTICLE.finditer(q):
        law_word, has_jo = m["law"], "条" in m.group(0)
        if not has_jo and law_word is None:
            continue  # a bare number (金額, 年数) is not a reference
        if not has_jo and law_word != "法":
            continue  # 「法78」 is a CW's shorthand; 「破産法1」 is not
        article = f"第{m['art']}条" + (f"の{m['sub']}" if m["sub"] else "") + (f"第{m['para']}項" if m["para"] else "")
        named_before = None if law_word else max(_CONTEXT_LAW.finditer(q, 0, m.start()), key=re.Match.start,
                                                 default=None)
        add(f"{LAW_ALIASES[law_word] if law_word else DEFAULT_LAW} {article}", m.span(),
            f"{LAW_ALIASES[named_before.group(0)]} {article}" if named_before else "")
    found.sort(key=lambda r: r.span)
    return found


def label_matches(key: str, label: str) -> bool:
    """Does a passage labelled ``label`` answer to the reference ``key``?

    Exact match, or ``label`` is a sub-unit of ``key`` (第63条 ⊃ 第63条第2項, 局第8-3 ⊃ 局第8-3-(2)-ア,
    問13-5 ⊃ 問13-5 split pieces), or ``key`` is a notice number contained in the label. A paragraph key
    (第78条第1項) also matches the whole article's passage (第78条), which contains it.
    """
    return matches_normalized(normalize(key).strip(), normalize(label).strip())


def matches_normalized(key: str, label: str) -> bool:
    """:func:`label_matches` for a key and label that are already normalised (the index stores them so)."""
    if key == label:
        return True
    if label.startswith(key) and label[len(key)] in "第-(":
        return True
    if key.startswith(label) and key[len(label)] == "第" and "条" in label:
        return True
    return "発" in key and key.endswith("号") and key in label.replace(" ", "")
