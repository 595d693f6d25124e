"""Line-start patterns of the source formats (docs/source-formats.md), on normalised text.

Shared by the segmenters, by kind detection and by the PDF loader, which must never join a line that
starts a unit (a heading, a number, 問/答, 第N条 ...) to the line before it.
"""

from __future__ import annotations

import re

MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")

# Laws
ARTICLE = re.compile(r"^第(\d+)条((?:の\d+)*)(?:\s*\((?P<caption>[^()]*)\))?(?:\s+(?P<body>.*))?$")
LAW_DIVISION = re.compile(r"^第\d+(?:編|章|節|款|目)(?:\s.*)?$")
PARAGRAPH_HEADING = re.compile(r"^第(\d+)項$")
PARAGRAPH_NUMBER = re.compile(r"^(\d+)\s+(.+)$")
CAPTION = re.compile(r"^\(([^()]{1,40})\)$")
SUPPLEMENTARY = re.compile(r"^附\s?則(?:\s+(.*))?$")
LAW_ITEM = re.compile(r"^[一二三四五六七八九十]+\s")

# Numbered outlines (実施要領, notices): 第N / N / (N) / ア / (ア)
CHAPTER = re.compile(r"^第(\d+)(?:\s+(.*))?$")
OUTLINE_LEVELS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^(\d+)\s+(.*)$"),
    re.compile(r"^\((\d+)\)\s*(.*)$"),
    re.compile(r"^([ア-ン])\s+(.*)$"),
    re.compile(r"^\(([ア-ン])\)\s*(.*)$"),
)
IGNORED_HEADING = re.compile(r"^[\(\[【〔]?(?:記|別紙\s*\d*|別添\s*\d*)[\)\]】〕]?$")

# Questions and answers
QA_QUESTION = re.compile(r"^問\s*(\d+)-(\d+)(?!\d)\s*(.*)$")
KACHO_QUESTION = re.compile(r"^問\s*\(第(\d+)の(\d+)(?:の(\d+))?\)\s*(.*)$")
QUESTION_MARK = re.compile(r"^[\(\[【〔]問[\)\]】〕]\s*")
ANSWER_MARK = re.compile(r"^(?:[\(\[【〔]答[\)\]】〕]\s*|答(?:\s+|$))")

_STRUCTURAL = (
    ARTICLE,
    LAW_DIVISION,
    PARAGRAPH_HEADING,
    SUPPLEMENTARY,
    LAW_ITEM,
    CHAPTER,
    *OUTLINE_LEVELS,
    IGNORED_HEADING,
    QA_QUESTION,
    KACHO_QUESTION,
    QUESTION_MARK,
    ANSWER_MARK,
    MARKDOWN_HEADING,
)


def strip_markdown_heading(line: str) -> str:
    """「### 第63条」 -> 「第63条」; other lines unchanged."""
    m = MARKDOWN_HEADING.match(line)
    return m.group(2).strip() if m else line


def starts_unit(line: str) -> bool:
    """Does this (normalised) line start a heading, a numbered item, a question or an answer?"""
    return any(p.match(line) for p in _STRUCTURAL)
