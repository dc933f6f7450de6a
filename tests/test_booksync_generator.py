"""Every lock records ``booksync.GENERATOR_ID``; a lock with another id is stale. The id is a
constant (a pure refactoring keeps the extracts fresh), so this test stands guard: it
fingerprints what the reader and the extractor make of the fixture book, and fails when that
changes while the id stays the same (which would let a stale extract look fresh)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from course_cli.booksync.extract import render
from course_cli.booksync.lock import GENERATOR_ID, generator_id
from course_cli.latex.outline import format_outline
from course_cli.latex.reader import read_book

FIXTURE = Path(__file__).parent / "fixtures" / "books" / "course"

# GENERATOR_ID -> fingerprint of the fixture book's extracts made by that generator.
FINGERPRINTS = {
    "b17a3afabc57be99": "dfce5a556b2fb0c0b2e3cc71eb6172eeb7abdd1fe02572ef1689642c1ec6fb4b",
    # same LaTeX extracts; book.md now renders citations with --citeproc
    "c3-citeproc-markdown": "dfce5a556b2fb0c0b2e3cc71eb6172eeb7abdd1fe02572ef1689642c1ec6fb4b",
    # counters that packages define are set only where the preamble defined them
    "c4-pkg-counters": "9ce3d84e1c670ca51c6b84dfd1124fe4224b28df5f99841109c1b2c6f8c1eacf",
    # references outside the extract: \bookrefnum (the book's .aux through xr)
    "c5-xr-numbers": "8029d7ad3fb7022b81083fcc038e4b20665c9e8bdfee17754471245fb3fa3cde",
    # c6: book.md only (algorithms as lists, TikZ notes, references in theorem notes and
    # headings); the fixture has none of them, so its extracts are unchanged.
    "c6-md-algorithms": "8029d7ad3fb7022b81083fcc038e4b20665c9e8bdfee17754471245fb3fa3cde",
}


def _fingerprint() -> str:
    book = read_book(FIXTURE / "materials" / "book" / "src.tex")
    h = hashlib.sha256(format_outline(book).encode())
    out = FIXTURE / "lessons" / "lesson_01" / "book"  # never written: paths are relative to it
    for heading in book.headings:  # every heading alone: all the numbering and rewriting
        r = render(book, [heading], out, FIXTURE, 1)
        for part in (r.tex, r.md_input, r.md_header, repr(r.ranges)):
            h.update(part.encode())
    return h.hexdigest()


def test_extracts_change_only_with_a_new_generator_id() -> None:
    assert generator_id() == GENERATOR_ID
    got = _fingerprint()
    assert FINGERPRINTS.get(GENERATOR_ID) == got, (
        "the extracts of the fixture book changed: give course_cli.booksync GENERATOR_ID a "
        f"new value and add it to FINGERPRINTS here with {got!r}"
    )
