"""PDF writing and reading: PDFs are generated here, with the embedded Japanese font."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ingest.loaders import LoadError, load, load_file
from ingest.pdf_writer import FONT_NAME, FONT_PATH, register_font, wrap, write_pdf

HEADER = "生活保護手帳 2024年度版"
FOOTER = "中央法規出版(サンプル)"

LONG_SENTENCE = (
    "保護の実施機関は、被保護者の収入の状況を毎月把握し、就労に伴う収入については勤労に伴う必要経費を"
    "控除した額を認定するとともに、申告の内容に疑義があるときは関係先に照会して事実を確認すること。"
)


def book_lines(items: int) -> list[str]:
    """A 実施要領-like text whose items are all different (so no line looks like a running head)."""
    lines = ["第8 収入の認定"]
    for i in range(1, items + 1):
        lines.append(f"{i} 認定の項目その{i}")
        lines.append(f"第{i}項目の本文として、" + LONG_SENTENCE + f"この取扱いは事例{i * 7}に適用する。")
    return lines


def test_font_ships_with_japanize_matplotlib() -> None:
    assert FONT_PATH.is_file() and FONT_PATH.name == "ipaexg.ttf"


def test_wrap_breaks_at_the_width_counting_ascii_as_half() -> None:
    assert wrap("あいうえおかきくけこ", 4) == ["あいうえ", "おかきく", "けこ"]
    assert wrap("ab" * 4 + "あ", 2) == ["abab", "abab", "あ"]
    assert wrap("", 10) == [""]


def test_write_pdf_returns_page_count_and_text_is_extractable(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    pages = write_pdf(path, [f"行{i}の本文です。" for i in range(100)], header=HEADER, footer=FOOTER, lines_per_page=30)
    reader = PdfReader(path)
    assert pages == len(reader.pages) == 4
    first = reader.pages[0].extract_text()
    assert HEADER in first and FOOTER in first and "- 1 -" in first and "行0の本文です。" in first


def test_same_text_gives_the_same_pdf_bytes(tmp_path: Path) -> None:
    lines = ["問1-1 同じ内容", "(答) 同じ内容なら同じファイルになる。"]
    write_pdf(tmp_path / "a.pdf", lines, header="見出し", footer="脚注")
    write_pdf(tmp_path / "b.pdf", lines, header="見出し", footer="脚注")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_loader_keeps_pages_drops_running_lines_and_joins_broken_sentences(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    lines = book_lines(40)
    pages = write_pdf(path, lines, header=HEADER, footer=FOOTER)
    assert pages > 3
    loaded = load_file(path)
    texts = [line.text for line in loaded.lines]

    assert loaded.pages == pages
    assert texts == lines  # every broken sentence joined back, nothing else added or lost
    assert all(HEADER not in t and FOOTER not in t and not t.startswith("- ") for t in texts)
    # the sentence crossing a line end is joined without a space
    assert any("必要経費を控除した額" in t for t in texts)
    assert "必要経費を 控除" not in " ".join(texts)
    # page numbers: first item on page 1, last item on the last page, never decreasing
    page_numbers = [line.page for line in loaded.lines]
    assert page_numbers[0] == 1 and page_numbers[-1] == pages
    assert page_numbers == sorted(page_numbers)


def test_running_head_with_the_page_number_in_it_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "numbered-heads.pdf"
    lines = book_lines(40)
    write_pdf(path, lines, header="生活保護手帳 {page}", footer="{page} 中央法規出版")
    assert [line.text for line in load(path)] == lines


def test_chapter_running_heads_on_alternate_pages_are_dropped(tmp_path: Path) -> None:
    """Even pages carry the book title, odd pages the chapter title with the page number, as in the 手帳."""
    register_font()
    path = tmp_path / "chapters.pdf"
    chapters = ["第8 収入の認定", "第9 保護の開始申請等"]
    body = [f"本文の{n}行目であり、ページをまたいで続いていく段落の一部である。" for n in range(1, 81)]
    canvas = Canvas(str(path))
    for page in range(1, 9):
        canvas.setFont(FONT_NAME, 10)
        head = "生活保護手帳" if page % 2 == 0 else f"{chapters[(page - 1) // 4]}  {page}"
        canvas.drawString(56, 790, head)
        for row, text in enumerate(body[(page - 1) * 10 : page * 10]):
            canvas.drawString(56, 750 - row * 17, text)
        canvas.showPage()
    canvas.save()
    assert [line.text for line in load(path)] == body


def test_numbered_headings_that_open_every_page_are_kept(tmp_path: Path) -> None:
    """Headings 「10 …」「29 …」「48 …」 at the same place on each page differ by more than a page number."""
    path = tmp_path / "periodic.pdf"
    lines = book_lines(200)  # 19 items per page: every page opens with an item heading
    write_pdf(path, lines, header=HEADER, footer=FOOTER)
    assert [line.text for line in load(path)] == lines


def test_two_column_pages_are_read_column_by_column(tmp_path: Path) -> None:
    path = tmp_path / "two-columns.pdf"
    lines = book_lines(30)
    write_pdf(path, lines, header=HEADER, footer=FOOTER, columns=2)
    assert [line.text for line in load(path)] == lines


def test_two_columns_written_row_by_row_are_still_read_in_order(tmp_path: Path) -> None:
    """Text order in the file is left1 right1 left2 right2 ...: only the positions give the reading order."""
    register_font()
    path = tmp_path / "interleaved.pdf"
    left = [f"左の段の{i}行目で、文章がまだ続いていて段の終わりまでくる" for i in range(1, 11)]
    right = [f"右の段の{i}行目で、文章がまだ続いていて段の終わりまでくる" for i in range(1, 11)]
    canvas = Canvas(str(path))
    canvas.setFont(FONT_NAME, 9)
    for row, (l_text, r_text) in enumerate(zip(left, right, strict=True)):
        y = 760 - row * 16
        canvas.drawString(50, y, l_text)
        canvas.drawString(320, y, r_text)
    canvas.showPage()
    canvas.save()
    assert "".join(line.text for line in load(path)) == "".join(left + right)


def test_a_table_on_a_single_column_page_is_not_mistaken_for_two_columns(tmp_path: Path) -> None:
    path = tmp_path / "table.pdf"
    rows = [f"{n}級地-{m}          月額 {70000 + n * 1000 + m * 500}円" for n in range(1, 4) for m in (1, 2)]
    write_pdf(path, ["別表 生活扶助基準額の例", *rows], header=HEADER, footer=FOOTER)
    texts = [line.text for line in load(path)]  # one page: its header and footer cannot be told from text
    assert texts[1:8] == ["別表 生活扶助基準額の例", *(" ".join(row.split()) for row in rows)]


def test_encrypted_pdf_is_reported(tmp_path: Path) -> None:
    plain, locked = tmp_path / "plain.pdf", tmp_path / "locked.pdf"
    write_pdf(plain, ["第1条 本文。"], header=HEADER, footer=FOOTER)
    writer = PdfWriter(clone_from=plain)
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    writer.write(locked)
    with pytest.raises(LoadError, match=r"暗号化されたPDF.*パスワードを外した"):
        load(locked)


def test_pdf_protected_only_by_an_owner_password_is_read(tmp_path: Path) -> None:
    plain, protected = tmp_path / "plain.pdf", tmp_path / "protected.pdf"
    write_pdf(plain, book_lines(20), header=HEADER, footer=FOOTER)
    writer = PdfWriter(clone_from=plain)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    writer.write(protected)
    assert [line.text for line in load(protected)] == book_lines(20)


@pytest.mark.parametrize(
    "content",
    [b"this is not a pdf at all", b"%PDF-1.4\n" + b"garbage " * 100],
    ids=["not-a-pdf", "broken-structure"],
)
def test_corrupt_pdf_is_reported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(LoadError, match="壊れ"):
        load(path)


def test_truncated_pdf_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "truncated.pdf"
    write_pdf(path, book_lines(5), header=HEADER, footer=FOOTER)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(LoadError, match="壊れ"):
        load(path)


def test_pdf_without_pages_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    PdfWriter().write(path)
    with pytest.raises(LoadError, match="ページのないPDF"):
        load(path)


def test_image_only_pdf_is_reported_as_a_scan(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    image = Image.new("L", (200, 280), color=255)
    image.paste(0, (20, 20, 180, 40))  # a dark bar where a scanned line of text would be
    canvas = Canvas(str(path))
    canvas.drawImage(ImageReader(image), 50, 300, width=400, height=560)
    canvas.showPage()
    canvas.save()
    assert len(PdfReader(path).pages) == 1
    with pytest.raises(LoadError, match=r"スキャン.*OCR"):
        load(path)
