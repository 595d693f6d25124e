"""Laws and ordinances: one passage per article (第N条, 第N条のM), per paragraph when long.

Both forms of docs/source-formats.md are read: Markdown (``### 第63条(caption)``, ``#### 第2項``) and the
book form (a caption line ``(費用返還義務)``, ``第63条 本文``, paragraphs ``2 ...``, items ``一 ...``).
Chapter lines (第N章 ...) and 附則 are headings; articles of 附則 are labelled 附則第N条, and a 附則
without articles is one unit labelled 附則. Text before the first article is not a passage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.loaders.line import Line
from ingest.segment.split import make_passages
from ingest.structure import (
    ARTICLE,
    CAPTION,
    LAW_DIVISION,
    MARKDOWN_HEADING,
    PARAGRAPH_HEADING,
    PARAGRAPH_NUMBER,
    SUPPLEMENTARY,
)
from kb_bot.passage import DocumentMeta, Passage

SPLIT_PARAGRAPHS_OVER = 400
"""An article with several paragraphs and more characters than this gives one passage per paragraph."""

_DIVISION_LEVELS = {"編": 0, "章": 1, "節": 2, "款": 3, "目": 4}


@dataclass
class _Paragraph:
    number: int
    page: int | None
    lines: list[str] = field(default_factory=list)


@dataclass
class _Article:
    name: str
    """「第63条」, 「附則第2条」 or 「附則」."""
    caption: str
    headings: tuple[str, ...]
    page: int | None
    paragraphs: list[_Paragraph] = field(default_factory=list)

    def add_text(self, text: str, page: int | None) -> None:
        if not self.paragraphs:
            self.paragraphs.append(_Paragraph(1, page))
        self.paragraphs[-1].lines.append(text)

    @property
    def next_paragraph(self) -> int:
        """The number a book-form paragraph line (「2 …」) must carry to start a new paragraph."""
        return len(self.paragraphs) + 1

    def start_paragraph(self, number: int, page: int | None) -> None:
        if self.paragraphs and not self.paragraphs[-1].lines and self.paragraphs[-1].number == number:
            return
        self.paragraphs.append(_Paragraph(number, page))

    def text(self) -> str:
        parts = []
        for i, p in enumerate(self.paragraphs):
            body = "\n".join(p.lines)
            parts.append(body if i == 0 else f"{p.number} {body}")
        return "\n".join(parts)

    def passages(self, meta: DocumentMeta) -> list[Passage]:
        label = f"{meta.title} {self.name}".strip()
        headings = self.headings + ((f"({self.caption})",) if self.caption else ())
        text = self.text()
        if len(self.paragraphs) > 1 and len(text) > SPLIT_PARAGRAPHS_OVER:
            return [
                passage
                for p in self.paragraphs
                for passage in make_passages(
                    meta, f"{label}第{p.number}項", "\n".join(p.lines), headings=headings, page=p.page
                )
            ]
        return make_passages(meta, label, text, headings=headings, page=self.page)


def segment_law(lines: list[Line], meta: DocumentMeta) -> list[Passage]:
    passages: list[Passage] = []
    divisions: dict[int, str] = {}
    supplementary = ""
    article: _Article | None = None
    pending_caption: Line | None = None

    def headings() -> tuple[str, ...]:
        return tuple(divisions[level] for level in sorted(divisions)) + ((supplementary,) if supplementary else ())

    def close() -> None:
        nonlocal article
        if article is not None:
            passages.extend(article.passages(meta))
        article = None

    for line in lines:
        heading = MARKDOWN_HEADING.match(line.text)
        text = heading.group(2).strip() if heading else line.text
        if pending_caption is not None:
            caption_line, pending_caption = pending_caption, None
            if not ARTICLE.match(text) and article is not None:
                article.add_text(caption_line.text, caption_line.page)
        else:
            caption_line = None

        if m := ARTICLE.match(text):
            close()
            number, sub = m.group(1), m.group(2)
            caption = m.group("caption") or (CAPTION.match(caption_line.text).group(1) if caption_line else "")
            name = ("附則" if supplementary else "") + f"第{number}条{sub}"
            article = _Article(name, caption.strip(), headings(), (caption_line or line).page)
            if m.group("body"):
                article.add_text(m.group("body").strip(), line.page)
        elif m := SUPPLEMENTARY.match(text):
            close()
            divisions.clear()
            supplementary = "附則" + (f" {m.group(1)}" if m.group(1) else "")
        elif LAW_DIVISION.match(text):
            close()
            level = _DIVISION_LEVELS[text.split()[0][-1]]
            divisions = {k: v for k, v in divisions.items() if k < level} | {level: text}
        elif CAPTION.match(text) and not heading:
            pending_caption = line
        elif m := PARAGRAPH_HEADING.match(text):
            if article is None and supplementary:
                article = _Article("附則", "", headings(), line.page)
            if article is not None:
                article.start_paragraph(int(m.group(1)), line.page)
        elif heading:
            continue  # the law title or another heading outside the structure
        elif article is not None and (m := PARAGRAPH_NUMBER.match(text)) and int(m.group(1)) == article.next_paragraph:
            article.start_paragraph(int(m.group(1)), line.page)
            article.add_text(m.group(2).strip(), line.page)
        elif article is not None:
            article.add_text(text, line.page)
        elif supplementary:  # a 附則 made of paragraphs only
            article = _Article("附則", "", headings(), line.page)
            m = PARAGRAPH_NUMBER.match(text)
            article.add_text(m.group(2).strip() if m and m.group(1) == "1" else text, line.page)
    if pending_caption is not None and article is not None:
        article.add_text(pending_caption.text, pending_caption.page)
    close()
    return passages
