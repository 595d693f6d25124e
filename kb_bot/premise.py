"""False premises: a number the question states (時効は10年, 100分の50, 21日以内) that the cited passages do not
state, while they state another of the same kind (5年, 100分の40, 14日). The answer then says so instead of
seeming to confirm it (:func:`premise_note`); it never decides whether the question is answered."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb_bot.text import kanji_to_int

_NUM = r"[0-9]+(?:\.[0-9]+)?|[〇一二三四五六七八九十百千]+"
_QUANTITY = re.compile(
    rf"(?P<den>100|百)分の(?P<pct>{_NUM})|(?P<n>{_NUM})\s*(?P<unit>%|パーセント|割|年|[かヶカケ箇]月|日)(?![前後目ぶ度])"
)
_DAY = r"(?:[0-9〇一二三四五六七八九十]+月(?:[0-9〇一二三四五六七八九十]+日)?)?"
_YEAR = r"[0-9元〇一二三四五六七八九十]+年"
_DATE = re.compile(
    rf"(?:令和|平成|昭和|大正){_YEAR}{_DAY}(?:(?:から|〜|~|-){_YEAR}{_DAY})?|[0-9]{{4}}年{_DAY}"
    r"|[0-9〇一二三四五六七八九十]+年[0-9〇一二三四五六七八九十]+月|[0-9〇一二三四五六七八九十]+月[0-9〇一二三四五六七八九十]+日"
)
"""Dates (令和6年, 平成25年から27年, 2024年4月, 3月28日) are not a number of years or days."""


def without_dates(text: str) -> str:
    """``text`` with its dates blanked out."""
    return _DATE.sub(" ", text)


_UNIT = {"%": "%", "パーセント": "%", "割": "%", "年": "年", "日": "日"}


def _value(s: str) -> float:
    return float(s) if s[0].isdigit() else float(kanji_to_int(s))


def quantities(text: str) -> list[tuple[str, float, str]]:
    """(as written, value, unit) of every number of years, months, days or percent in ``text`` (normalised), dates
    and points in time (3年前, 2日目, 6年度) left out; 100分の40, 40% and 4割 are all (…, 40.0, '%')."""
    out = []
    for m in _QUANTITY.finditer(without_dates(text)):
        try:
            if m.group("pct"):
                out.append((m.group(0), _value(m.group("pct")), "%"))
            else:
                unit = _UNIT.get(m.group("unit"), "か月")
                value = _value(m.group("n")) * (10 if m.group("unit") == "割" else 1)
                out.append((m.group(0), value, unit))
        except ValueError:
            continue
    return out


def premise_note(question: str, passages: Iterable[str]) -> str:
    """「質問の『10年』は根拠の記載（5年）と異なります…」 for each number the question states that no passage
    states while some passage states another of the same unit; '' when there is none (``question`` and
    ``passages`` normalised)."""
    stated = [q for p in passages for q in quantities(p)]
    notes = []
    for written, value, unit in dict.fromkeys(quantities(question)):
        same_unit = [w for w, v, u in stated if u == unit]
        if same_unit and not any(v == value and u == unit for _, v, u in stated):
            shown = "、".join(dict.fromkeys(same_unit[:6]))
            notes.append(f"質問の「{written}」は根拠の記載（{shown}）にありません")
    return "。".join(notes) + "。前提の数字を根拠の原文で確認してください" if notes else ""
