"""別冊問答集: one passage per 問 with its 答, labelled ``問13-5``.

``問13-5 title`` opens a unit, an optional ``(問)`` marks the question, a line starting with ``答`` or
``(答)`` starts the answer; the unit runs until the next 問 or chapter line (numbered lines inside an
answer stay in the answer). A long answer is split into pieces that each repeat the question.
Text before the first 問 and chapter introductions are not passages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.loaders.line import Line
from ingest.segment.split import make_passages
from ingest.structure import ANSWER_MARK, CHAPTER, QA_QUESTION, QUESTION_MARK
from kb_bot.passage import DocumentMeta, Passage


@dataclass
class QuestionAnswer:
    """One 問 with its 答, collected line by line."""

    label: str
    headings: tuple[str, ...]
    page: int | None
    title: str = ""
    """The title printed after the number (問13-5 自立更生費の範囲); a heading of the passage."""
    question: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    answering: bool = False

    def add(self, text: str) -> None:
        m = ANSWER_MARK.match(text)
        if m and not self.answering:
            self.answering = True
            text = text[m.end() :]
        elif not self.answering:
            text = QUESTION_MARK.sub("", text)
        if text:
            (self.answer if self.answering else self.question).append(text)

    def passages(self, meta: DocumentMeta) -> list[Passage]:
        question = "\n".join(self.question) or self.title
        headings = self.headings + ((self.title,) if self.title else ())
        answer = "\n".join(self.answer)
        prefix = "\n".join(part for part in (f"問 {question}" if question else "", "答 " if answer else "") if part)
        return make_passages(meta, self.label, answer, headings=headings, page=self.page, prefix=prefix)


def segment_qa(lines: list[Line], meta: DocumentMeta) -> list[Passage]:
    passages: list[Passage] = []
    chapter: tuple[str, ...] = ()
    unit: QuestionAnswer | None = None
    for line in lines:
        question = QA_QUESTION.match(line.text)
        if (question or CHAPTER.match(line.text)) and unit is not None:
            passages.extend(unit.passages(meta))
            unit = None
        if question:
            ch, no, title = question.groups()
            unit = QuestionAnswer(f"問{ch}-{no}", chapter, line.page, title=(title or "").strip())
        elif CHAPTER.match(line.text):
            chapter = (line.text,)
        elif unit is not None:
            unit.add(line.text)
    if unit is not None:
        passages.extend(unit.passages(meta))
    return passages
