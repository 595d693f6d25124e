"""Build the PDF parts of the bundled sample corpus from their text sources.

The sample corpus is written by the kb-bot team as plain text. One chapter of the casebook is shipped as
a PDF so that PDF ingestion (running headers and footers, page-number lines, sentences broken across
printed lines, page numbers per passage) is exercised on the demo corpus too. This script turns the
text source into that PDF with :func:`ingest.pdf_writer.write_pdf`; the built PDF is committed beside
the other files, and only the PDF (not its source) is listed in the folder's ``manifest.toml``.

Usage (from the repository root)::

    python corpus/tools/build_sample_pdf.py            # build the PDFs whose source changed
    python corpus/tools/build_sample_pdf.py --force    # rebuild all
    python corpus/tools/build_sample_pdf.py --check    # fail if a committed PDF is missing or stale

A PDF counts as stale when the SHA-1 of its source, recorded at build time in a side file
``<name>.pdf.sha1`` next to the PDF, no longer matches the source (or either file is missing).
Up-to-date PDFs are not rebuilt by default: the PDF bytes carry a creation date, so a needless rebuild
would change the committed file (and its content hash at the next ingest) without changing its text.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent
REPO = CORPUS.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class SamplePdf:
    source: Path
    target: Path
    header: str
    footer: str
    lines_per_page: int = 38


SAMPLES = (
    SamplePdf(
        source=CORPUS / "casebook" / "src" / "mondou-dai7.txt",
        target=CORPUS / "casebook" / "mondou-dai7.pdf",
        header="生活保護手帳 別冊問答集（要約サンプル） 第7 最低生活費の認定",
        footer="kb-bot サンプルコーパス（チーム作成の要約。公式の本文ではありません）",
    ),
)


def source_lines(path: Path) -> list[str]:
    """The source's lines, trailing blanks removed (one input line starts one printed line)."""
    lines = [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def stamp_path(sample: SamplePdf) -> Path:
    return sample.target.with_name(sample.target.name + ".sha1")


def build(sample: SamplePdf) -> int:
    from ingest.pdf_writer import write_pdf

    pages = write_pdf(
        sample.target,
        source_lines(sample.source),
        header=sample.header,
        footer=sample.footer,
        lines_per_page=sample.lines_per_page,
    )
    stamp_path(sample).write_text(digest(sample.source) + "\n", encoding="utf-8")
    return pages


def is_stale(sample: SamplePdf) -> bool:
    stamp = stamp_path(sample)
    if not sample.target.exists() or not stamp.exists():
        return True
    return stamp.read_text(encoding="utf-8").strip() != digest(sample.source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed PDFs are up to date")
    parser.add_argument("--force", action="store_true", help="rebuild even the PDFs that are up to date")
    args = parser.parse_args(argv)
    if args.check:
        stale = [s for s in SAMPLES if is_stale(s)]
        for s in stale:
            print(f"stale: {s.target.relative_to(REPO)} (rebuild with corpus/tools/build_sample_pdf.py)")
        return 1 if stale else 0
    for s in SAMPLES:
        if not args.force and not is_stale(s):
            print(f"{s.target.relative_to(REPO)}: up to date")
            continue
        pages = build(s)
        print(f"{s.target.relative_to(REPO)}: {pages} pages from {s.source.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
