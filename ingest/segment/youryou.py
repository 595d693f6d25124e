"""保護の実施要領 (次官通知 / 局長通知 / 課長通知): numbered items, and the 課長通知's 問(第8の40) / 答.

Items are labelled ``{ref_prefix}第8-3-(2)-ア``; a 課長通知 question with its answer is one unit labelled
``課第8-40`` (answers may contain numbered lines of their own: they stay inside the answer). The text
before the first 第N (the notice's number, date and title) is not a passage.
"""

from __future__ import annotations

from ingest.loaders.line import Line
from ingest.segment.outline import outline_passages, parse_outline
from ingest.segment.qa import QuestionAnswer
from ingest.structure import CHAPTER, KACHO_QUESTION
from kb_bot.passage import DocumentMeta, Passage


def segment_youryou(lines: list[Line], meta: DocumentMeta) -> list[Passage]:
    outline: list[Line] = []
    passages: list[Passage] = []
    chapter: tuple[str, ...] = ()
    unit: QuestionAnswer | None = None

    def flush_outline() -> None:
        _, nodes = parse_outline(outline)
        passages.extend(outline_passages(nodes, meta, lambda path: meta.ref_prefix + "-".join(path)))
        outline.clear()

    for line in lines:
        question = KACHO_QUESTION.match(line.text)
        if question:
            if unit is not None:
                passages.extend(unit.passages(meta))
            flush_outline()
            ch, no, sub, rest = question.groups()
            label = f"課第{ch}-{no}" + (f"-{sub}" if sub else "")
            unit = QuestionAnswer(label, chapter, line.page)
            unit.add(rest)
            continue
        if CHAPTER.match(line.text):
            chapter = (line.text,)
            if unit is not None:
                passages.extend(unit.passages(meta))
                unit = None
        if unit is not None:
            unit.add(line.text)
        else:
            outline.append(line)
    if unit is not None:
        passages.extend(unit.passages(meta))
    flush_outline()
    return passages
