"""Benchmark: `course book-sync` on a synthetic 20,000-line LaTeX book.

    python benchmarks/booksync.py [--lines N] [--repeat K]

Generates, in a temporary folder, a course whose book has chapters in 20 \\include'd files
with sections, theorems, equations (align with \\nonumber), figures, comments, verbatim
blocks and cross-references, then prints (median of K runs):
  * outline: reading the whole book and formatting its outline (library call)
  * no-op sync: `sync()` when every extract is up to date (library call)
  * the same two through the CLI (`course book-sync --outline`, `course book-sync`),
    Python start-up included
Targets: outline <= 0.3 s, no-op sync <= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _venv

_venv.ensure()

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

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


def median_time(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from course_cli.booksync.runner import sync
    from course_cli.core.config import load_course
    from course_cli.latex.outline import format_outline
    from course_cli.latex.reader import read_book

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_course(root, args.lines)
        main_tex = root / "materials" / "book" / "src.tex"
        total = sum(len(p.read_text().splitlines()) for p in main_tex.parent.rglob("*.tex"))
        book = read_book(main_tex)
        print(f"synthetic book: {total} lines, {len(book.files)} files, "
              f"{len(book.headings)} headings, {len(book.labels)} labels")  # fmt: skip

        t_outline = median_time(lambda: format_outline(read_book(main_tex)), args.repeat)
        course = load_course(root)
        first = time.perf_counter()
        report = sync(course)
        t_first = time.perf_counter() - first
        print(f"first sync (4 lessons, pandoc included): {t_first:.2f} s, "
              f"{len(report.written())} files written")  # fmt: skip

        def noop() -> None:
            rep = sync(load_course(root))
            assert rep.written() == [], rep.written()

        t_noop = median_time(noop, args.repeat)
        cli = [sys.executable, "-m", "course_cli", "book-sync", "--root", str(root)]
        t_cli_outline = median_time(
            lambda: subprocess.run([*cli, "--outline"], check=True, capture_output=True),
            args.repeat,
        )
        t_cli_noop = median_time(
            lambda: subprocess.run(cli, check=True, capture_output=True), args.repeat
        )
    print(f"outline (read + format), library: {t_outline:.3f} s   (target <= 0.3 s)")
    print(f"no-op sync, library (incl. course.yaml load): {t_noop:.3f} s   (target <= 0.3 s)")
    print(f"`course book-sync --outline`, CLI: {t_cli_outline:.3f} s")
    print(f"`course book-sync` no-op, CLI: {t_cli_noop:.3f} s")


if __name__ == "__main__":
    main()
