#!/usr/bin/env python3
"""`course book-sync` on a synthetic 20,000-line LaTeX book, and the TeX work of
`course build book` (the book and the lessons' extracts) on this course's book.

    python benchmarks/booksync.py [--lines N] [--rounds K] [--no-tex]

What this measures, (1) sync: `course book-sync --outline` and a no-op `course book-sync`
(whole commands) on a generated course whose book has 20 \\include'd chapters with sections,
theorems, equations (align with \\nonumber), figures, comments, verbatim blocks and
cross-references. Floor: `python -c pass` in the same round. Target: each <= 5x the floor.
(2) TeX: `course build book --force --jobs 2` on a scratch copy of this course: the book
(latexmk + xelatex + bibtex) and the four lesson extracts (lessons 5-8, each typeset on its
own: its chapter, its solutions, its own bibliography). Floors, in the same rounds, with the
toolkit's own latexmk arguments (course_cli.bookpdf.latexmk_args) and fresh aux folders:
`xargs -P 2` raw latexmk on the same five documents (the same work by hand), and raw latexmk on
the book alone (what the extracts would cost if they were cut out of the book's PDF).
Targets: <= 1.1x the five raw latexmk runs; the ratio to the book alone is reported (it is the
price of typesetting the extracts separately, see benchmarks/README.md).
Every round starts from empty aux folders; everything runs in a temporary folder.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

import _venv
from _bench import course, rounds, run, run_parallel, scratch_course, table, verdict

_venv.ensure()

PREAMBLE = r"""\documentclass{book}
\usepackage{amsmath,amsthm,graphicx}
\newtheorem{theorem}{Theorem}[chapter]
\newtheorem{lemma}[theorem]{Lemma}
\numberwithin{equation}{chapter}
\newcommand{\E}{\mathbb{E}}
\begin{document}
\frontmatter
\tableofcontents
\mainmatter
"""

SECTION = r"""\section{Section %(c)d.%(s)d with a {nested} title}\label{sec:%(c)d-%(s)d}
Text that refers to Theorem~\ref{thm:%(p)d-1} and to \eqref{eq:%(p)d-1-1}. %% a comment {
Costs grew by 5\%% this year; see Section~\ref{sec:%(c)d-1}.
\begin{theorem}[Statement %(s)d]\label{thm:%(c)d-%(s)d}
  For every $x$ we have $\E[x] \ge 0$.
\end{theorem}
\begin{equation}\label{eq:%(c)d-%(s)d-1}
  \E[X] = \sum_x x\,p(x).
\end{equation}
\begin{align}
  a &= b \label{eq:%(c)d-%(s)d-2}\\
  c &= d \nonumber\\
  e &= f
\end{align}
\begin{verbatim}
\section{not a section} {
\end{verbatim}
\subsection{A subsection}
%(filler)s
"""


def make_course(root: Path, lines: int) -> None:
    chapters = 20
    per_chapter = lines // chapters
    sections = 8
    filler_lines = max(per_chapter // sections - 18, 1)
    filler = "\n".join(
        f"Filler line {i} with inline math $a_{i}^2 + b$ and a \\verb|{{| token."
        for i in range(filler_lines)
    )
    book = root / "materials" / "book"
    (book / "chapters").mkdir(parents=True)
    includes = []
    for c in range(1, chapters + 1):
        p = max(c - 1, 1)
        body = [f"\\chapter{{Chapter {c}}}\\label{{ch:{c}}}\n"]
        body += [
            SECTION % {"c": c, "s": s, "p": p, "filler": filler} for s in range(1, sections + 1)
        ]
        (book / "chapters" / f"ch{c:02d}.tex").write_text("".join(body), encoding="utf-8")
        includes.append(f"\\include{{chapters/ch{c:02d}}}\n")
    (book / "src.tex").write_text(PREAMBLE + "".join(includes) + "\\end{document}\n")
    lessons = "".join(
        f"  - number: {n}\n    title: Lesson {n}\n    book: [ch:{n}]\n" for n in range(1, 5)
    )
    (root / "course.yaml").write_text(
        f"title: Benchmark\nbook:\n  source: materials/book/src.tex\nlessons:\n{lessons}"
    )


def sync_rounds(tmp: Path, lines: int, count: int) -> dict[str, list[float]]:
    root = tmp / "synthetic"
    root.mkdir()
    make_course(root, lines)
    main_tex = root / "materials" / "book" / "src.tex"
    total = sum(len(p.read_text().splitlines()) for p in main_tex.parent.rglob("*.tex"))
    run(course("book-sync"), root)  # the first sync writes the extracts
    print(f"synthetic book: {total} lines, 4 lessons")
    return rounds({
        "python -c pass": lambda: run([sys.executable, "-c", "pass"], root),
        "course book-sync --outline": lambda: run(course("book-sync", "--outline"), root),
        "no-op course book-sync": lambda: run(course("book-sync"), root),
    }, count)  # fmt: skip


def latexmk_commands(root: Path, aux: Path) -> list[str]:
    """Shell commands: raw latexmk on the book and on each lesson extract, with the toolkit's
    arguments; each aux folder at the depth of the toolkit's (bibtex finds refs.bib by a
    relative path from there)."""
    from course_cli.builders.book.builder import BookJob, book_inputs, latexmk_args
    from course_cli.core.config import load_course
    from course_cli.tools.runner import Toolbox

    config = load_course(root)
    latexmk = str(Toolbox(root=root).find("latexmk").path)
    main = config.path(config.book.source)
    documents = [(main, aux / "book" / "book")]
    documents += [(p, aux / "lessons" / p.parents[1].name)
                  for p in sorted(root.glob("lessons/lesson_*/book/book.tex"))]  # fmt: skip
    lines = []
    for tex, outdir in documents:
        _, included = book_inputs(tex)
        dirs = {outdir, *(outdir / p.parent.relative_to(tex.parent) for p in included)}
        job = BookJob(main=tex, root=root, aux_dir=outdir, included=tuple(included))
        mkdir = shlex.join(["mkdir", "-p", *sorted(map(str, dirs))])
        argv = shlex.join([latexmk, *latexmk_args(job)])
        lines.append(f"{mkdir} && cd {shlex.quote(str(tex.parent))} && openin_any=r {argv}")
    return lines


def tex_rounds(tmp: Path, count: int) -> tuple[dict[str, list[float]], dict[str, str]]:
    root = scratch_course(tmp / "course")
    aux = root / "raw-aux"
    book, *extracts = latexmk_commands(root, aux)
    every = tmp / "every.txt"
    every.write_text("\n".join([book, *extracts]) + "\n", encoding="utf-8")
    print(f"book + {len(extracts)} lesson extracts")

    def raw(commands: Path | None) -> float:
        shutil.rmtree(aux, ignore_errors=True)
        if commands is None:
            return run(["sh", "-c", book], root)
        return run_parallel(commands, 2, root)

    ours = "course build book --force --jobs 2"
    floor = "xargs -P 2 latexmk (book + extracts)"
    alone = "latexmk (the book alone)"
    times = rounds({
        ours: lambda: run(course("build", "book", "--force", "--jobs", "2"), root),
        floor: lambda: raw(every),
        alone: lambda: raw(None),
    }, count)  # fmt: skip
    return times, {ours: floor, f"{ours} ": alone}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-tex", action="store_true", help="only the sync figures")
    args = parser.parse_args()
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        times = sync_rounds(Path(tmp), args.lines, args.rounds)
        floors = {"course book-sync --outline": "python -c pass",
                  "no-op course book-sync": "python -c pass"}  # fmt: skip
        if not args.no_tex:
            tex, tex_floors = tex_rounds(Path(tmp), args.rounds)
            ours = "course build book --force --jobs 2"
            times.update(tex)
            times[f"{ours} "] = tex[ours]  # the same runs, against the book alone
            floors.update(tex_floors)
    print(f"after: {_venv.load()}")
    medians = table(times, floors)
    verdict("outline / python -c pass", medians["course book-sync --outline"], 5)
    verdict("no-op sync / python -c pass", medians["no-op course book-sync"], 5)
    if not args.no_tex:
        verdict("book + extracts / raw latexmk of the same", medians[ours], 1.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
