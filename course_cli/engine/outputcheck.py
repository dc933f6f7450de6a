"""Checking a tool's output before it is installed: a PDF must parse and have pages, an HTML
page must have content. A tool that exits 0 after writing nothing useful (a full disk, a broken
tool) then fails its step instead of publishing a 0-byte or torn file.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

_PAGE_RE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_COUNT_RE = re.compile(
    rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b"
)
_OBJSTM_RE = re.compile(rb"/Type\s*/ObjStm\b")
_STREAM_RE = re.compile(rb"stream\r?\n")
MAX_OBJSTM_BYTES = 64 * 1024 * 1024
CHECKED = (".pdf", ".html", ".htm", ".pptx")


def output_problem(path: Path) -> str | None:
    """What is wrong with the output file at ``path``, or None when it looks sound.

    PDFs: the ``%PDF-`` header, the ``%%EOF`` trailer at the end (a truncated file lacks it)
    and at least one page. HTML: some markup. PPTX: a zip archive. Other files (speaker notes,
    copied images) are not checked.
    """
    suffix = path.suffix.lower()
    if suffix not in CHECKED:
        return None  # notes, copies of images: may be empty
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if size == 0:
        return "is empty (0 bytes)"
    if suffix == ".pdf":
        return pdf_problem(path.read_bytes())
    if suffix in (".html", ".htm"):
        return _html_problem(path)
    if suffix == ".pptx" and path.read_bytes()[:2] != b"PK":
        return "is not a PowerPoint file"
    return None


def _html_problem(path: Path) -> str | None:
    """Some text, and markup in it: read until both are seen (a page is read whole only when
    it is blank or has no tag)."""
    blank, tagged = True, False
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 16):
            blank = blank and not chunk.strip()
            tagged = tagged or b"<" in chunk
            if not blank and tagged:
                return None
    return "is empty (only white space)" if blank else "is not an HTML page"


def pdf_problem(data: bytes) -> str | None:
    """What is wrong with the PDF bytes ``data`` (None when it parses and has pages)."""
    if b"%PDF-" not in data[:1024]:
        return "is not a PDF (no %PDF- header)"
    if b"%%EOF" not in data[-2048:]:
        return "is a truncated PDF (no %%EOF at its end)"
    if page_count(data, enough=1) == 0:
        return "is a PDF without pages"
    return None


def page_count(data: bytes, enough: int | None = None) -> int:
    """The number of pages of the PDF ``data``: page objects, looked up in compressed object
    streams too; else the largest ``/Count`` of a ``/Pages`` node. With ``enough``, counting
    may stop once that many pages are found."""
    pages = len(_PAGE_RE.findall(data))
    if pages:
        return pages
    view = memoryview(data)  # each stream is inflated from where it starts, not a copy
    for m in _OBJSTM_RE.finditer(data):
        s = _STREAM_RE.search(data, m.end())
        if s is None:
            continue
        try:
            inflated = zlib.decompressobj().decompress(view[s.end() :], MAX_OBJSTM_BYTES)
        except zlib.error:
            continue
        pages += len(_PAGE_RE.findall(inflated))
        if enough is not None and pages >= enough:
            return pages
    if pages:
        return pages
    counts = [int(a or b) for a, b in _COUNT_RE.findall(data)]
    return max(counts, default=0)
