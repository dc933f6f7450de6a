"""The check of a tool's output before it is installed: what it says of blank or tagless HTML,
of PDFs whose pages sit in compressed object streams, and that it reads no more than it needs."""

from __future__ import annotations

import subprocess
import zlib
from pathlib import Path

from course_cli.engine.outputcheck import output_problem, page_count


def _pdf(*streams: bytes) -> bytes:
    """A PDF whose page objects are only in compressed object streams (as Chromium's and
    xelatex's are)."""
    out = b"%PDF-1.5\n"
    for n, body in enumerate(streams, start=1):
        data = zlib.compress(body)
        out += (
            b"%d 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length %d >>\nstream\n" % (n, len(data))
            + data
            + b"\nendstream\nendobj\n"
        )
    return out + b"trailer\n<< >>\n%%EOF\n"


def test_pages_in_object_streams_are_counted(tmp_path: Path) -> None:
    page = b"9 0 << /Type /Page /Parent 2 0 R >>"
    data = _pdf(page, page + b" " + page, b"8 0 << /Type /Pages /Count 3 >>")
    assert page_count(data) == 3
    assert page_count(data, enough=1) == 1  # a check stops at the first stream with a page
    pdf = tmp_path / "slides.pdf"
    pdf.write_bytes(data)
    assert output_problem(pdf) is None
    pdf.write_bytes(_pdf(b"8 0 << /Type /Catalog >>"))
    assert output_problem(pdf) == "is a PDF without pages"
    pdf.write_bytes(data[:-8])
    assert output_problem(pdf) == "is a truncated PDF (no %%EOF at its end)"


def test_page_count_agrees_with_pdfinfo_on_a_real_pdf(tmp_path: Path) -> None:
    import typst

    source = tmp_path / "doc.typ"
    source.write_text(
        "#set page(width: 8cm, height: 6cm)\nOne #pagebreak() Two #pagebreak() Three\n"
    )
    pdf = tmp_path / "doc.pdf"
    typst.compile(str(source), output=str(pdf))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = next(
        int(line.split()[-1]) for line in info.stdout.splitlines() if line.startswith("Pages:")
    )
    assert pages == 3
    assert page_count(pdf.read_bytes()) == 3
    assert output_problem(pdf) is None


def test_html_is_read_until_text_and_a_tag_are_seen(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_bytes(b" \n" * 100_000 + b"<p>late</p>")  # the tag 200 KB in
    assert output_problem(page) is None
    page.write_bytes(b" \n\t" * 50_000)
    assert output_problem(page) == "is empty (only white space)"
    page.write_bytes(b"plain text, no markup\n" * 10_000)
    assert output_problem(page) == "is not an HTML page"
    page.write_bytes(b"")
    assert output_problem(page) == "is empty (0 bytes)"
