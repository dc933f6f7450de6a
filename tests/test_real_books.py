"""Books written the way real authors write them (tests/fixtures/books/real/): subfiles (both
forms), \\import/\\subimport, memoir, \\counterwithin and friends, a local .sty with
\\newtheorem, tcolorbox labels, algorithm2e — the reader's numbers, and LaTeX's own numbers
taken from the .aux once the book is compiled."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from course_cli.latex.auxfile import apply_latex_numbers, clean_number, read_aux
from course_cli.latex.model import BookError
from course_cli.latex.outline import format_outline
from course_cli.latex.reader import read_book
from tests.conftest import CORPUS

REAL = Path(__file__).parent / "fixtures" / "books" / "real"

# what \ref prints for every label, as pdflatex wrote it into each fixture's .aux
LATEX = {
    "subfiles": {"ch:intro": "1", "ch:groups": "2", "sec:axioms": "2.1", "eq:ab": "2.1"},
    "subfmain": {"ch:start": "1", "ch:one": "2", "sec:first": "2.1"},
    "memoir": {"ch:pre": None, "ch:alpha": "1", "sec:one": "1.1", "fig:a": "1.1",
               "eq:x": "1.1", "app:extra": "A", "sec:more": "A.1"},
    "cw": {"sec:a": "1", "eq:a1": "1.1", "fig:a1": "1-i", "fig:a2": "1-ii", "sec:b": "2",
           "eq:b1": "2.1", "fig:b1": "2-i"},
    "sty": {"sec:s": "1", "thm:a": "1.1", "lem:b": "1.2", "thm:c": "2.1"},
    "tcb": {"sec:s": "1", "th:pyth": "1.1", "th:second": "1.2", "box:one": "1"},
    "algo": {"ch:algo": "1", "sec:search": "1.1", "alg:find": "1", "sec:sort": "1.2",
             "alg:sort": "2"},
    "imp": {"sec:top": "1", "sec:p1": "2", "sec:deep": "2.1", "sec:near": "2.2"},
}  # fmt: skip


def numbers(book_dir: str) -> dict[str, str | None]:
    book = read_book(REAL / book_dir / "main.tex")
    return {name: lab.number for name, lab in book.labels.items()}


@pytest.mark.parametrize("name", sorted(set(LATEX) - {"memoir", "tcb"}))
def test_the_reader_numbers_real_layouts_as_latex_does(name: str) -> None:
    assert numbers(name) == LATEX[name]


def test_tcolorbox_theorem_labels_are_seen() -> None:
    # the box with `label=` has tcolorbox's own counter, which only LaTeX knows
    assert numbers("tcb") == {"sec:s": "1", "th:pyth": "1.1", "th:second": "1.2",
                              "box:one": "1"}  # fmt: skip


def test_subfiles_outline_takes_only_the_subfile_body() -> None:
    book = read_book(REAL / "subfiles" / "main.tex")
    assert format_outline(book) == (
        "1 Intro <ch:intro>  [main.tex:4]\n"
        "2 Groups <ch:groups>  [chapters/ch1.tex:3]\n"
        "  2.1 Axioms <sec:axioms>  [chapters/ch1.tex:4]\n"
    )


def test_a_path_built_from_an_unknown_macro_is_a_warning_never_an_empty_outline(
    tmp_path: Path,
) -> None:
    main = tmp_path / "main.tex"
    main.write_text(
        "\\documentclass{book}\n\\begin{document}\n\\chapter{A}\n\\input{\\chapdir/one}\n"
        "\\end{document}\n",
        encoding="utf-8",
    )
    book = read_book(main, strict=False)
    assert book.missing == [
        "main.tex:4: \\input{\\chapdir/one}: the file name uses a macro the reader cannot "
        "expand (define it with \\newcommand or \\providecommand in the main file)"
    ]
    with pytest.raises(BookError, match=r"^main.tex:4: \\input\{\\chapdir/one\}: the file"):
        read_book(main)


def test_clean_number_forms() -> None:
    assert clean_number("{\\relax 1.2}") == "1.2"
    assert clean_number("\\M@TitleReference {A.1}{More}") == "A.1"


def test_no_compiled_book_says_the_numbers_are_the_readers(tmp_path: Path) -> None:
    book = read_book(REAL / "sty" / "main.tex")
    got = apply_latex_numbers(book, tmp_path / "main.aux", "build/.book-aux/main.aux")
    assert (got.source, got.note) == (
        "reader",
        "numbers from the LaTeX reader: no compiled book (build/.book-aux/main.aux does not "
        "exist; `course build book` writes it)",
    )


# -- with LaTeX ------------------------------------------------------------------------------

needs_pdflatex = pytest.mark.skipif(not shutil.which("latexmk"), reason="no TeX")


def compile_copy(src: Path, dest: Path, main: str = "main.tex") -> Path:
    """Copy a book to ``dest`` and compile it to a settled .aux (latexmk, pdflatex)."""
    shutil.copytree(src, dest)
    subprocess.run(["latexmk", "-pdf", "-f", "-interaction=nonstopmode", main], cwd=dest,
                   capture_output=True, check=False, timeout=600)  # fmt: skip
    aux = dest / main.replace(".tex", ".aux")
    assert aux.is_file()
    return aux


@pytest.mark.integration
@needs_pdflatex
@pytest.mark.parametrize("name", sorted(LATEX))
def test_numbers_come_from_latex_once_compiled(name: str, tmp_path: Path) -> None:
    aux = compile_copy(REAL / name, tmp_path / name)
    book = read_book(tmp_path / name / "main.tex")
    got = apply_latex_numbers(book, aux, "main.aux")
    assert (got.source, got.note) == ("latex", "numbers from LaTeX (main.aux)")
    assert {n: lab.number for n, lab in book.labels.items()} == LATEX[name]
    if name == "memoir":  # memoir's \counterwithin: the reader says 1.1.1, LaTeX prints 1.1
        assert got.warnings == ["main.tex:9: label fig:a: LaTeX prints 1.1, the reader 1.1.1"]
    else:
        assert got.warnings == []


@pytest.mark.integration
@needs_pdflatex
def test_a_stale_compiled_book_is_not_trusted(tmp_path: Path) -> None:
    import os

    aux = compile_copy(REAL / "sty", tmp_path / "sty")
    os.utime(aux, (1, 1))
    book = read_book(tmp_path / "sty" / "main.tex")
    got = apply_latex_numbers(book, aux, "main.aux")
    assert got.note == (
        "numbers from the LaTeX reader: the compiled book (main.aux) is older than main.tex; "
        "`course build book` updates it"
    )


HOTT = CORPUS / "latex" / "HoTT__book"


@pytest.mark.integration
@pytest.mark.corpus
@needs_pdflatex
@pytest.mark.skipif(not HOTT.is_dir(), reason=f"no corpus at {CORPUS} (a fresh clone)")
def test_hott_every_heading_and_label_number_equals_the_aux(tmp_path: Path) -> None:
    dest = tmp_path / "hott"
    shutil.copytree(HOTT, dest)
    (dest / "version.tex").write_text("\\newcommand{\\OPTversion}{test}\n", encoding="utf-8")
    for name in ("cover-lores-front", "torus-lores-bw", "cover-lores-back"):  # dropped images
        from tests.test_slides import png

        (dest / f"{name}.png").write_bytes(png(4, 4, (0, 0, 0)))
    subprocess.run(["latexmk", "-pdf", "-f", "-interaction=nonstopmode", "hott-online.tex"],
                   cwd=dest, capture_output=True, check=False, timeout=1500)  # fmt: skip
    data = read_aux(dest / "hott-online.aux")
    assert data is not None
    book = read_book(dest / "hott-online.tex")
    reader = {n: lab.number or "" for n, lab in book.labels.items()}
    got = apply_latex_numbers(book, dest / "hott-online.aux")
    assert got.source == "latex" and got.warnings == []
    assert len(data.labels) == 1122
    assert {n: reader[n] for n in data.labels} == {n: v for n, (v, _) in data.labels.items()}
    numbered = [e for e in data.toc if e.number is not None]
    assert len(numbered) == 172
    mine = [(h.command, h.number) for h in book.headings if h.number is not None]
    assert mine == [(e.level, e.number) for e in numbered]
