"""The reader on real books from ../shared/corpus, against what LaTeX itself numbered.

hott-online.latex.txt was written by tests/fixtures/books/corpus/latex_numbering.py from the
.toc and .aux of a pdflatex run on a copy of the HoTT book; kaobook.outline.txt is the reader's
outline of the kaobook documentation, checked by hand against the sources (its class needs
kao.sty, which the corpus does not carry, so LaTeX cannot run on it here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course_cli.latex.outline import format_outline
from course_cli.latex.reader import read_book
from tests.conftest import CORPUS

EXPECTED = Path(__file__).parent / "fixtures" / "books" / "corpus"
HOTT = CORPUS / "latex" / "HoTT__book" / "hott-online.tex"
KAOBOOK = CORPUS / "latex" / "fmarotta__kaobook" / "examples" / "documentation" / "main.tex"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS} (a fresh clone)"),
]


def _expected(name: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    headings, labels = [], {}
    for line in (EXPECTED / name).read_text(encoding="utf-8").splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "heading":
            level, number = rest.split(" ", 1)
            headings.append((level, number))
        elif kind == "label":
            label, _, number = rest.partition("\t")  # a label name may hold a space
            labels[label] = number
    return headings, labels


def test_hott_headings_are_numbered_as_latex_numbers_them() -> None:
    book = read_book(HOTT, strict=False)
    # version.tex is made by the book's Makefile; it is not in the repository
    assert [m.split(":")[0:2] for m in book.missing] == [["front.tex", "72"]]
    want, _ = _expected("hott-online.latex.txt")
    got = [(h.command, h.number) for h in book.headings if h.number is not None]
    assert len(want) == 172
    assert got == want


def test_hott_labels_get_latex_numbers() -> None:
    book = read_book(HOTT, strict=False)
    _, want = _expected("hott-online.latex.txt")
    assert len(want) == 1122
    got = {name: lab.number or "" for name, lab in book.labels.items()}
    differ = {n: (got.get(n), v) for n, v in want.items() if got.get(n) != v}
    assert differ == {}


def test_kaobook_outline() -> None:
    book = read_book(KAOBOOK)
    assert format_outline(book) == (EXPECTED / "kaobook.outline.txt").read_text(encoding="utf-8")
