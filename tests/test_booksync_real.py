"""Extracts of books written the way real authors write them: a local .sty with theorems,
algorithm2e, references the book does not resolve, and an error in a later lesson."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from course_cli.booksync.runner import sync
from course_cli.core.config import load_course
from course_cli.latex.model import BookError
from tests.test_booksync import needs_pandoc, needs_tex

REAL = Path(__file__).parent / "fixtures" / "books" / "real"


def course_of(tmp_path: Path, book: str, lessons: list[str]) -> Path:
    """A course whose book is the fixture ``book``, one lesson per label in ``lessons``."""
    root = tmp_path / "course"
    shutil.copytree(REAL / book, root / "materials" / "book")
    entries = "".join(
        f"  - number: {i}\n    title: L{i}\n    book: [{label}]\n"
        for i, label in enumerate(lessons, 1)
    )
    (root / "course.yaml").write_text(
        "title: T\nbook:\n  source: materials/book/main.tex\n  pdf: build/book.pdf\nlessons:\n"
        + entries,
        encoding="utf-8",
    )
    return root


def compile_extract(folder: Path) -> str:
    done = subprocess.run(
        ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "book.tex"],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    text = subprocess.run(["pdftotext", "book.pdf", "-"], cwd=folder, capture_output=True,
                          text=True, timeout=60).stdout  # fmt: skip
    return " ".join(text.split())


@needs_pandoc
@needs_tex
@pytest.mark.integration
def test_an_extract_of_a_book_with_a_local_sty_compiles_alone(tmp_path: Path) -> None:
    root = course_of(tmp_path, "sty", ["sec:s"])
    sync(load_course(root))
    folder = root / "lessons" / "lesson_01" / "book"
    assert (folder / "mythm.sty").read_text() == (REAL / "sty" / "mythm.sty").read_text()
    lock = (folder / "book-sync.lock.json").read_text()
    assert '"mythm.sty": "' in lock  # the copy is recorded like the other outputs
    flat = compile_extract(folder)
    assert "1 S Theorem 1.1. A Lemma 1.2. B" in flat


@needs_pandoc
@needs_tex
@pytest.mark.integration
def test_an_extract_of_an_algorithm2e_book_compiles_with_the_books_numbers(
    tmp_path: Path,
) -> None:
    root = course_of(tmp_path, "algo", ["sec:sort"])
    sync(load_course(root))
    folder = root / "lessons" / "lesson_01" / "book"
    tex = (folder / "book.tex").read_text()
    assert "\\ifcsname c@algocf\\endcsname\\setcounter{algocf}{1}\\fi" in tex
    flat = compile_extract(folder)
    assert "Algorithm 2: Sort" in flat
    assert "See Algorithm 1 in the book." in flat


def test_an_unresolved_reference_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    root = course_of(tmp_path, "sty", ["sec:s"])
    book = root / "materials" / "book" / "main.tex"
    text = book.read_text().replace("\\section{T}", "\\section{T}\\label{sec:t}")
    text = text.replace("C\\end{theorem}", "C \\ref{thm:zzz} \\cite{nobody}\\end{theorem}")
    book.write_text(text)
    (root / "course.yaml").write_text(
        (root / "course.yaml").read_text() + "  - number: 2\n    title: L2\n    book: [sec:t]\n"
    )
    with pytest.raises(BookError) as exc:
        sync(load_course(root), markdown_fn=lambda r, c, f: "md\n")
    assert exc.value.message == (
        "2 unresolved reference(s)/citation(s) in the extract:\n"
        "materials/book/main.tex:8: \\ref{thm:zzz}: the book defines no label thm:zzz\n"
        "materials/book/main.tex:8: citation nobody: the book names no bibliography file "
        "that exists"
    )
    assert list((root / "lessons").rglob("*.*")) == []  # lesson 1 was fine: not written either


def test_an_error_at_line_100_prints_the_line_not_an_emoji(tmp_path: Path) -> None:
    import sys

    root = course_of(tmp_path, "sty", ["sec:s"])
    book = root / "materials" / "book" / "main.tex"
    lines = book.read_text().splitlines()
    lines[4:4] = ["%"] * (99 - 4 - 1) + ["See \\ref{nowhere}."]  # line 99 -> the \ref
    lines[4:4] = ["%"]  # now on line 100
    book.write_text("\n".join(lines) + "\n")
    done = subprocess.run([sys.executable, "-m", "course_cli", "book-sync", "--root", str(root)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert "materials/book/main.tex:100: \\ref{nowhere}: the book defines no label nowhere" in (
        done.stderr
    )
    assert "💯" not in done.stderr


@needs_pandoc
@pytest.mark.integration
def test_book_md_renders_citations_from_the_books_own_bib(tmp_path: Path) -> None:
    root = course_of(tmp_path, "sty", ["sec:s"])
    book = root / "materials" / "book" / "main.tex"
    text = book.read_text().replace("A\\end{theorem}", "A, as in \\cite{knuth84}.\\end{theorem}")
    book.write_text(text.replace("\\end{document}", "\\bibliographystyle{plain}\n"
                                 "\\bibliography{mybib}\n\\end{document}"))  # fmt: skip
    (book.parent / "mybib.bib").write_text(
        "@book{knuth84,\n  author = {Donald E. Knuth},\n  title = {The {\\TeX}book},\n"
        "  publisher = {Addison-Wesley},\n  year = {1984}\n}\n"
    )
    sync(load_course(root))
    md = (root / "lessons" / "lesson_01" / "book" / "book.md").read_text()
    assert "as in (Knuth 1984)." in md
    assert "Knuth, Donald E. 1984. *The TeXbook*. Addison-Wesley." in md


def _course_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run([sys.executable, "-m", "course_cli", *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip


@needs_tex
@pytest.mark.integration
def test_outline_takes_latexs_numbers_once_the_book_is_built(tmp_path: Path) -> None:
    import json

    root = course_of(tmp_path, "memoir", ["sec:one"])
    before = _course_cli(root, "book-sync", "--outline")
    assert before.stderr == (
        "note: numbers from the LaTeX reader: no compiled book (build/.book-aux/main.aux does "
        "not exist; `course build book` writes it)\n"
    )
    built = _course_cli(root, "build", "book")
    assert built.returncode == 0, built.stderr
    after = _course_cli(root, "book-sync", "--outline", "--format", "json")
    data = json.loads(after.stdout)
    assert (data["numbers"], data["warnings"]) == (
        "latex",
        ["main.tex:9: label fig:a: LaTeX prints 1.1, the reader 1.1.1"],
    )
    assert data["labels"]["fig:a"]["number"] == "1.1"  # memoir's \counterwithin: LaTeX wins
    assert [(h["number"], h["title"]) for h in data["headings"]] == [
        (None, "Preface"),
        ("1", "Alpha"),
        ("1.1", "One"),
        ("A", "Extra"),
        ("A.1", "More"),
    ]


def test_an_input_the_reader_cannot_resolve_warns_in_the_outline_and_stops_the_sync(
    tmp_path: Path,
) -> None:
    root = tmp_path / "c"
    book = root / "materials" / "book" / "main.tex"
    book.parent.mkdir(parents=True)
    book.write_text("\\documentclass{book}\n\\begin{document}\n\\chapter{A}\\label{ch:a}\n"
                    "\\input{\\chapdir/one}\n\\end{document}\n")  # fmt: skip
    (root / "course.yaml").write_text(
        "title: T\nbook:\n  source: materials/book/main.tex\nlessons:\n"
        "  - number: 1\n    title: L\n    book: [ch:a]\n"
    )
    msg = ("main.tex:4: \\input{\\chapdir/one}: the file name uses a macro the reader cannot "
           "expand (define it with \\newcommand or \\providecommand in the main file)")  # fmt: skip
    outline = _course_cli(root, "book-sync", "--outline")
    assert (outline.returncode, outline.stdout) == (0, "1 A <ch:a>  [main.tex:3]\n")
    assert outline.stderr.splitlines()[0] == f"warning: {msg}"
    synced = _course_cli(root, "book-sync")
    assert synced.returncode == 1
    assert f"error: {msg}" in synced.stderr
    assert not (root / "lessons").exists()


@needs_pandoc
@needs_tex
@pytest.mark.integration
def test_outside_references_print_the_books_number_through_its_aux(tmp_path: Path) -> None:
    root = course_of(tmp_path, "memoir", ["app:extra"])
    book = root / "materials" / "book" / "main.tex"
    book.write_text(book.read_text().replace(
        "\\section{More}", "See Figure~\\ref{fig:a} and Section~\\ref{sec:one}.\n\\section{More}"
    ))  # fmt: skip
    assert _course_cli(root, "build", "book").returncode == 0
    sync(load_course(root))
    folder = root / "lessons" / "lesson_01" / "book"
    tex = (folder / "book.tex").read_text()
    assert "\\externaldocument[book-]{../../../build/.book-aux/main}" in tex
    assert ("See Figure~\\bookref{\\bookrefnum{fig:a}{1.1} in the book} and "
            "Section~\\bookref{\\bookrefnum{sec:one}{1.1} in the book}.") in tex  # fmt: skip
    # the number printed comes from the book's .aux, not from the text written at sync time
    (folder / "book.tex").write_text(tex.replace("{fig:a}{1.1}", "{fig:a}{9.9}"))
    flat = compile_extract(folder)
    assert "See Figure 1.1 in the book and Section 1.1 in the book." in flat
    # without the book's .aux (a fresh clone): the numbers LaTeX printed when it was synced
    shutil.rmtree(root / "build")
    (folder / "book.aux").unlink()
    flat = compile_extract(folder)
    assert "See Figure 9.9 in the book and Section 1.1 in the book." in flat
