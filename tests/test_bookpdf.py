"""The book PDF: what counts as an input, and real latexmk/xelatex builds of a small book."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from course_cli.builders.book.builder import book_inputs

COURSE_YAML = """\
title: Test Course
lessons:
  - number: 1
    title: First steps
"""

MAIN = r"""\documentclass{book}
\usepackage{amsmath,amssymb,amsthm,graphicx}
\usepackage[numbers]{natbib}
\graphicspath{{figures/}}
\newtheorem{theorem}{Theorem}[chapter]
\input{../macros.tex}
% \input{chapters/commented-out}
\begin{document}
\include{chapters/one}
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
"""

CHAPTER = r"""\chapter{One}\label{ch:one}
\begin{theorem}\label{thm:a} $\argmax_x \E[x] = \norm{x}$ \end{theorem}
By Theorem~\ref{thm:a} in Chapter~\ref{ch:one} and \citet{sutton2018rl}.
\input{chapters/part}
"""

BIB = r"""@book{sutton2018rl,
  author = {Sutton, Richard S. and Barto, Andrew G.},
  title = {Reinforcement Learning: An Introduction},
  publisher = {MIT Press}, year = {2018}, edition = {2}
}
"""

REPO = Path(__file__).resolve().parents[1]


def _book(make_course, part: str = "A part.\n") -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_course(
        yaml=COURSE_YAML,
        templates=False,
        files={
            "materials/book/src.tex": MAIN,
            "materials/book/chapters/one.tex": CHAPTER,
            "materials/book/chapters/part.tex": part,
            "materials/book/refs.bib": BIB,
            "materials/book/figures/.keep": "",
        },
    )
    shutil.copy(REPO / "materials" / "macros.tex", root / "materials" / "macros.tex")
    return root


def test_book_inputs_follow_inputs_includes_bib_and_figures(make_course) -> None:  # type: ignore[no-untyped-def]
    root = _book(make_course, part="\\includegraphics[width=2cm]{plot}\n")
    (root / "materials/book/figures/plot.pdf").write_bytes(b"%PDF-1.4\n")
    book = root / "materials" / "book"
    inputs, included = book_inputs(book / "src.tex")
    rel = [p.relative_to(root.resolve()).as_posix() for p in inputs]
    assert rel == [
        "materials/book/src.tex",
        "materials/book/figures",
        "materials/book/refs.bib",
        "materials/macros.tex",
        "materials/book/chapters/one.tex",
        "materials/book/chapters/part.tex",
        "materials/book/figures/plot.pdf",
    ]
    assert included == [(book / "chapters" / "one.tex").resolve()]


def _have(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)


needs_tex = pytest.mark.skipif(
    not _have("latexmk", "xelatex", "bibtex", "pdftotext"),
    reason="needs latexmk, xelatex, bibtex (TeX Live) and pdftotext",
)


@pytest.mark.integration
@needs_tex
def test_book_builds_to_both_places_without_littering(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _book(make_course)
    result = run_cli("build", "book", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    built = root / "build" / "book" / "LLM_alignment_book.pdf"
    copy = root / "materials" / "book" / "LLM_alignment_book.pdf"
    assert built.read_bytes() == copy.read_bytes()
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(built), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "By Theorem 1.1 in Chapter 1 and Sutton and Barto [1]." in text
    assert "Reinforcement Learning: An Introduction" in text
    assert sorted(p.name for p in (root / "materials" / "book").rglob("*")) == [
        ".keep", "LLM_alignment_book.pdf", "chapters", "figures", "one.tex", "part.tex",
        "refs.bib", "src.tex",
    ]  # fmt: skip
    again = run_cli("build", "book", "--root", str(root))
    assert "0 built, 1 up to date" in again.stdout
    # A change in an \input file two levels down makes the book stale.
    (root / "materials/book/chapters/part.tex").write_text("Another part.\n")
    third = run_cli("build", "book", "--root", str(root))
    assert "1 built" in third.stdout
    assert (
        "Another part."
        in subprocess.run(["pdftotext", str(built), "-"], capture_output=True, text=True).stdout
    )


@pytest.mark.integration
@needs_tex
def test_force_really_typesets_the_book_again(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    # latexmk's kept aux files would answer "up to date"; --force starts from an empty aux
    # folder, so XeTeX runs again and writes a new log.
    root = _book(make_course)
    assert run_cli("build", "book", "--root", str(root)).exit_code == 0
    log = root / "build" / ".book-aux" / "src.log"
    log.write_text(log.read_text(encoding="utf-8") + "\nSENTINEL of the first run\n")
    forced = run_cli("build", "book", "--force", "--root", str(root))
    assert forced.exit_code == 0, forced.stderr
    assert "1 built, 0 up to date" in forced.stdout
    text = log.read_text(encoding="utf-8")
    assert text.startswith("This is XeTeX") and "SENTINEL" not in text


@pytest.mark.integration
@needs_tex
def test_undefined_reference_and_citation_fail_with_file_and_line(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _book(make_course, part="See \\ref{thm:missing} and \\citep{nobody2020}.\n")
    result = run_cli("build", "book", "--root", str(root))
    assert result.exit_code == 4
    assert "materials/book/chapters/part.tex:1: undefined reference thm:missing" in result.stderr
    assert "materials/book/chapters/part.tex:1: undefined citation nobody2020" in result.stderr
    assert not (root / "build" / "book" / "LLM_alignment_book.pdf").exists()


@pytest.mark.integration
@needs_tex
def test_tex_error_names_the_chapter_file_and_line(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _book(make_course, part="Fine.\n\nBroken $\\nosuchmacro$.\n")
    result = run_cli("build", "book", "--root", str(root))
    assert result.exit_code == 4
    assert "chapters/part.tex:3: xelatex: Undefined control sequence." in result.stderr
