"""The LaTeX structure reader: every construct of issue #6 with its exact outline."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_cli.core.errors import CourseError
from course_cli.latex.model import BookError
from course_cli.latex.outline import format_outline
from course_cli.latex.reader import read_book
from tests.conftest import write_tree

BOOK = "\\documentclass{book}\n\\begin{document}\n%s\n\\end{document}\n"
ARTICLE = "\\documentclass{article}\n\\begin{document}\n%s\n\\end{document}\n"


def outline(tmp_path: Path, files: dict[str, str], main: str = "main.tex") -> str:
    write_tree(tmp_path, dict(files))
    return format_outline(read_book(tmp_path / main))


def error(tmp_path: Path, files: dict[str, str | bytes], main: str = "main.tex") -> str:
    write_tree(tmp_path, dict(files))
    with pytest.raises(BookError) as exc:
        read_book(tmp_path / main)
    assert isinstance(exc.value, CourseError)
    return exc.value.message


# --------------------------------------------------------------------------- includes


def test_input_include_with_and_without_extension(tmp_path: Path) -> None:
    files = {
        "main.tex": BOOK % "\\input{chapters/one}\n\\include{chapters/two}\n\\input{three.tex}",
        "chapters/one.tex": "\\chapter{One}\\label{ch:one}\n",
        "chapters/two.tex": "\\chapter{Two}\n\\section{Inside two}\n",
        "three.tex": "\\chapter{Three}\n",
    }
    assert outline(tmp_path, files) == (
        "1 One <ch:one>  [chapters/one.tex:1]\n"
        "2 Two  [chapters/two.tex:1]\n"
        "  2.1 Inside two  [chapters/two.tex:2]\n"
        "3 Three  [three.tex:1]\n"
    )


def test_paths_are_relative_to_the_main_file_not_the_including_file(tmp_path: Path) -> None:
    files = {
        "main.tex": BOOK % "\\input{parts/a}",
        "parts/a.tex": "\\chapter{A}\n\\input{parts/b}\n",
        "parts/b.tex": "\\section{B}\n",
    }
    assert outline(tmp_path, files) == ("1 A  [parts/a.tex:1]\n  1.1 B  [parts/b.tex:1]\n")


def test_subfile_and_import(tmp_path: Path) -> None:
    files = {
        "main.tex": BOOK % "\\subfile{sub/s}\n\\import{imp/}{i}\n",
        "sub/s.tex": "\\chapter{Sub}\n",
        "imp/i.tex": "\\chapter{Imported}\n\\input{local}\n\\subimport{deeper/}{d.tex}\n",
        "imp/local.tex": "\\section{Local to the import folder}\n",
        "imp/deeper/d.tex": "\\section{Deeper}\n",
    }
    assert outline(tmp_path, files) == (
        "1 Sub  [sub/s.tex:1]\n"
        "2 Imported  [imp/i.tex:1]\n"
        "  2.1 Local to the import folder  [imp/local.tex:1]\n"
        "  2.2 Deeper  [imp/deeper/d.tex:1]\n"
    )


def test_include_cycle_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    msg = error(tmp_path, {
        "main.tex": BOOK % "\\input{a}",
        "a.tex": "\\chapter{A}\n\n\\input{b}\n",
        "b.tex": "\\input{a}\n",
    })  # fmt: skip
    assert msg.startswith("b.tex:1: \\input cycle: a.tex is already open")


def test_missing_file_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    msg = error(tmp_path, {"main.tex": BOOK % "\\chapter{A}\n\\input{nowhere}"})
    assert msg.startswith("main.tex:4: \\input{nowhere}: no such file")


def test_missing_file_is_listed_when_not_strict(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tex": BOOK % "\\input{gone}\n\\chapter{A}"})
    book = read_book(tmp_path / "main.tex", strict=False)
    assert [h.title for h in book.headings] == ["A"]
    assert book.missing[0].startswith("main.tex:3: \\input{gone}: no such file")


def test_input_of_a_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "chapters").mkdir()
    msg = error(tmp_path, {"main.tex": BOOK % "\\input{chapters}"})
    assert msg == "main.tex:3: \\input{chapters} names a directory, not a file"


# --------------------------------------------------------------------------- what TeX skips


def test_comments_but_not_escaped_percent(tmp_path: Path) -> None:
    body = (
        "% \\chapter{Commented out}\n"
        "\\chapter{Growth of 50\\% a year} % \\section{also a comment}\n"
        "\\section{Real}\n"
    )
    assert outline(tmp_path, {"main.tex": BOOK % body}) == (
        "1 Growth of 50\\% a year  [main.tex:4]\n  1.1 Real  [main.tex:5]\n"
    )


def test_iffalse_blocks_are_skipped_with_nested_conditionals(tmp_path: Path) -> None:
    body = (
        "\\iffalse\n\\chapter{Draft}\n\\ifx\\a\\b \\section{nested} \\fi\n"
        "\\chapter{Draft 2}\n\\fi\n"
        "\\chapter{Kept}\n"
    )
    assert outline(tmp_path, {"main.tex": BOOK % body}) == "1 Kept  [main.tex:8]\n"


@pytest.mark.parametrize("env", ["verbatim", "lstlisting", "minted", "comment"])
def test_verbatim_like_environments_are_skipped(tmp_path: Path, env: str) -> None:
    arg = "{python}" if env == "minted" else ""
    body = (
        f"\\chapter{{Code}}\n\\begin{{{env}}}{arg}\n\\chapter{{Not a chapter}}\n"
        f"\\section{{Nor a section}} {{ unbalanced\n\\end{{{env}}}\n\\section{{After}}\n"
    )
    assert outline(tmp_path, {"main.tex": BOOK % body}) == (
        "1 Code  [main.tex:3]\n  1.1 After  [main.tex:8]\n"
    )


def test_verb_is_skipped(tmp_path: Path) -> None:
    body = "\\chapter{A}\nWrite \\verb|\\section{x}| or \\verb+{+ to see.\n\\section{B}\n"
    assert outline(tmp_path, {"main.tex": BOOK % body}) == (
        "1 A  [main.tex:3]\n  1.1 B  [main.tex:5]\n"
    )


# --------------------------------------------------------------------------- headings


def test_all_levels_starred_short_titles_nested_braces_and_multiline(tmp_path: Path) -> None:
    body = (
        "\\part{Foundations}\\label{part:f}\n"
        "\\chapter[Short]{A long {\\em nested {brace}} title}\\label{ch:a}\n"
        "\\section*{Unnumbered}\n"
        "\\section{Spread\n   over  two lines}\n\\label{sec:spread}\n"
        "\\subsection{Sub}\n\\subsubsection{Subsub}\n\\paragraph{Para}\n"
    )
    assert outline(tmp_path, {"main.tex": BOOK % body}) == (
        "Part I Foundations <part:f>  [main.tex:3]\n"
        "  1 A long {\\em nested {brace}} title <ch:a>  [main.tex:4]\n"
        "    * Unnumbered  [main.tex:5]\n"
        "    1.1 Spread over two lines <sec:spread>  [main.tex:6]\n"
        "      1.1.1 Sub  [main.tex:9]\n"
        "        * Subsub  [main.tex:10]\n"
        "          * Para  [main.tex:11]\n"
    )
    book = read_book(tmp_path / "main.tex")
    assert book.headings[1].short == "Short"


def test_article_numbers_subsubsections_and_appendix_letters(tmp_path: Path) -> None:
    body = (
        "\\section{Intro}\n\\subsection{S}\n\\subsubsection{SS}\n\\appendix\n"
        "\\section{Proofs}\\label{app:proofs}\n\\subsection{Lemma}\n"
    )
    assert outline(tmp_path, {"main.tex": ARTICLE % body}) == (
        "1 Intro  [main.tex:3]\n"
        "  1.1 S  [main.tex:4]\n"
        "    1.1.1 SS  [main.tex:5]\n"
        "A Proofs <app:proofs>  [main.tex:7]\n"
        "  A.1 Lemma  [main.tex:8]\n"
    )


def test_book_matter_parts_and_appendix(tmp_path: Path) -> None:
    body = (
        "\\frontmatter\n\\chapter{Preface}\\label{ch:preface}\n\\section{Sec in preface}\n"
        "\\mainmatter\n\\part{One}\n\\chapter{First}\n\\part{Two}\n\\chapter{Second}\n"
        "\\appendix\n\\chapter{Extra}\\label{app:extra}\n\\section{More}\n"
        "\\backmatter\n\\chapter{Afterword}\n"
    )
    # \part does not reset the chapter counter in the book class; no numbers in front/back matter
    assert outline(tmp_path, {"main.tex": BOOK % body}) == (
        "  * Preface <ch:preface>  [main.tex:4]\n"
        "    0.1 Sec in preface  [main.tex:5]\n"
        "Part I One  [main.tex:7]\n"
        "  1 First  [main.tex:8]\n"
        "Part II Two  [main.tex:9]\n"
        "  2 Second  [main.tex:10]\n"
        "  A Extra <app:extra>  [main.tex:12]\n"
        "    A.1 More  [main.tex:13]\n"
        "  * Afterword  [main.tex:15]\n"
    )


def test_koma_addpart_and_kaobook_three_argument_section(tmp_path: Path) -> None:
    main = (
        "\\documentclass{kaobook}\n\\begin{document}\n\\addpart{Guide}\n\\chapter{Start}\n"
        "\\section[Toc title]{Long title}[Margin title]\n\\addchap{Unnumbered}\n\\chapter{Next}\n"
        "\\end{document}\n"
    )
    assert outline(tmp_path, {"main.tex": main}) == (
        "Part * Guide  [main.tex:3]\n"
        "  1 Start  [main.tex:4]\n"
        "    1.1 Long title  [main.tex:5]\n"
        "  * Unnumbered  [main.tex:6]\n"
        "  2 Next  [main.tex:7]\n"
    )


def test_secnumdepth_and_commands_passed_as_tokens(tmp_path: Path) -> None:
    main = (
        "\\documentclass{book}\n\\setcounter{secnumdepth}{3}\n\\begin{document}\n"
        "\\titleformat{\\chapter}{}{}{0pt}{}\n\\chapter{C}\n\\section{S}\n\\subsection{T}\n"
        "\\subsubsection{U}\n\\end{document}\n"
    )
    assert outline(tmp_path, {"main.tex": main}) == (
        "1 C  [main.tex:5]\n  1.1 S  [main.tex:6]\n    1.1.1 T  [main.tex:7]\n"
        "      1.1.1.1 U  [main.tex:8]\n"
    )


# --------------------------------------------------------------------------- labels


THEOREMS = r"""\documentclass{book}
\usepackage{amsthm,amsmath}
\newtheorem{theorem}{Theorem}[chapter]
\newtheorem{lemma}[theorem]{Lemma}
\newtheorem{exercise}{Exercise}
\newtheorem*{remark}{Remark}
\numberwithin{equation}{section}
\begin{document}
\chapter{One}\label{ch:one}
\section{S}\label{sec:s}
\begin{theorem}[Main]\label{thm:main} x \end{theorem}
\begin{lemma}\label{lem:aux} x \end{lemma}
\begin{exercise}\label{ex:a} x \end{exercise}
\begin{remark}\label{rem:r} x \end{remark}
\begin{equation}\label{eq:one} a \end{equation}
\begin{align} a &= b \label{eq:two}\\ c &= d \nonumber\\ e &= f \label{eq:three}
  \\ \begin{cases} x \\ y \end{cases} \tag{$\star$}\label{eq:star} \end{align}
\begin{figure}\caption{A figure}\label{fig:a}\end{figure}
\begin{table}\caption{A table}\label{tab:a}\end{table}
\begin{enumerate}\item first \item second\label{item:two}\end{enumerate}
\chapter{Two}
\section{T}
\begin{theorem}\label{thm:two} x \end{theorem}
\begin{exercise}\label{ex:b} x \end{exercise}
\begin{equation}\label{eq:four} a \end{equation}
\begin{figure}\caption{B}\label{fig:b}\end{figure}
\end{document}
"""


def test_labels_get_environment_and_latex_number(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tex": THEOREMS})
    book = read_book(tmp_path / "main.tex")
    got = {name: (lab.env, lab.number) for name, lab in book.labels.items()}
    assert got == {
        "ch:one": ("chapter", "1"),
        "sec:s": ("section", "1.1"),
        "thm:main": ("theorem", "1.1"),
        "lem:aux": ("lemma", "1.2"),  # shares the theorem counter
        "ex:a": ("exercise", "1"),  # its own counter, not reset by chapters
        "rem:r": ("section", "1.1"),  # unnumbered: \ref gives the enclosing number
        "eq:one": ("equation", "1.1.1"),  # \numberwithin{equation}{section}
        "eq:two": ("equation", "1.1.2"),
        "eq:three": ("equation", "1.1.3"),  # the \nonumber row took no number
        "eq:star": ("equation", "$\\star$"),  # the tag text; eqref adds the parentheses
        "fig:a": ("figure", "1.1"),
        "tab:a": ("table", "1.1"),
        "item:two": ("item", "2"),
        "thm:two": ("theorem", "2.1"),
        "ex:b": ("exercise", "2"),
        "eq:four": ("equation", "2.1.1"),
        "fig:b": ("figure", "2.1"),
    }
    assert book.headings[0].labels == ["ch:one"]
    assert book.headings[1].labels == [
        "sec:s"
    ]  # a label inside an environment is not the heading's


def test_declaretheorem_and_aliased_counters(tmp_path: Path) -> None:
    main = (
        "\\documentclass{article}\n\\usepackage{thmtools,aliascnt}\n"
        "\\declaretheorem[numberwithin=section]{theorem}\n"
        "\\declaretheorem[sibling=theorem,name=Lemma]{lemma}\n"
        "\\def\\defthm#1#2{\\newaliascnt{#1}{theorem}\\newtheorem{#1}[#1]{#2}}\n"
        "\\defthm{cor}{Corollary}\n"
        "\\begin{document}\n\\section{S}\n\\begin{theorem}\\label{t}\\end{theorem}\n"
        "\\begin{lemma}\\label{l}\\end{lemma}\n\\begin{cor}\\label{c}\\end{cor}\n"
        "\\end{document}\n"
    )
    write_tree(tmp_path, {"main.tex": main})
    book = read_book(tmp_path / "main.tex")
    assert [(lab.env, lab.number) for lab in book.labels.values()] == [
        ("theorem", "1.1"), ("lemma", "1.2"), ("cor", "1.3"),
    ]  # fmt: skip
    assert book.env_names["lemma"] == "Lemma"


# --------------------------------------------------------------------------- bad input


def test_unbalanced_braces(tmp_path: Path) -> None:
    msg = error(tmp_path, {"main.tex": BOOK % "\\chapter{A}\ntext {\n\nmore"})
    assert msg == "main.tex:4: '{' is never closed (unbalanced braces)"
    msg = error(tmp_path, {"main.tex": BOOK % "\\chapter{A} }"})
    assert msg == "main.tex:3: '}' closes nothing (unbalanced braces)"


def test_missing_end_document(tmp_path: Path) -> None:
    msg = error(tmp_path, {"main.tex": "\\documentclass{book}\n\\begin{document}\n\\chapter{A}\n"})
    assert msg == "main.tex:2: \\begin{document} has no \\end{document}"


def test_invalid_utf8(tmp_path: Path) -> None:
    msg = error(tmp_path, {
        "main.tex": BOOK % "\\input{ch}",
        "ch.tex": b"\\chapter{A}\n\\section{Caf\xe9}\n",
    })  # fmt: skip
    assert msg == "ch.tex:2: invalid UTF-8 (byte 0xe9)"


def test_unterminated_verbatim_and_environment_mismatch(tmp_path: Path) -> None:
    msg = error(tmp_path, {"main.tex": BOOK % "\\chapter{A}\n\\begin{verbatim}\nx"})
    assert msg == "main.tex:4: \\begin{verbatim} has no \\end{verbatim}"
    msg = error(tmp_path, {"main.tex": BOOK % "\\begin{itemize}\n\\end{enumerate}"})
    assert msg == "main.tex:4: \\end{enumerate} does not match \\begin{itemize} at main.tex:3"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"book/main.tex": BOOK % "\\chapter{A {"},
            "main.tex:3: '{' is never closed (unbalanced braces)",
        ),
        (
            {"book/main.tex": "\\documentclass{book}\n\\begin{document}\n\\chapter{A}\n"},
            "main.tex:2: \\begin{document} has no \\end{document}",
        ),
        (
            {"book/main.tex": BOOK % "\\input{ch}", "book/ch.tex": b"\\chapter{\xff}\n"},
            "ch.tex:1: invalid UTF-8 (byte 0xff)",
        ),
        (
            {"book/main.tex": BOOK % "\\input{chapters}", "book/chapters/x.tex": ""},
            "main.tex:3: \\input{chapters} names a directory, not a file",
        ),
    ],
    ids=["braces", "end-document", "utf8", "directory"],
)
def test_cli_reports_bad_book_without_traceback(
    tmp_path: Path, files: dict[str, str | bytes], message: str
) -> None:
    import subprocess
    import sys

    write_tree(tmp_path, {"course.yaml": "title: T\nbook:\n  source: book/main.tex\nlessons: []\n",
                          **files})  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "course_cli", "book-sync", "--outline", "--root", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert f"error: {message}" in done.stderr
    assert "Traceback" not in done.stderr


def test_footnotes_label_macros_enumitem_resume_and_wrapped_equations(tmp_path: Path) -> None:
    main = r"""\documentclass{book}
\usepackage{amsmath,enumitem}
\newcounter{symindex}
\newcommand{\symlabel}[1]{\refstepcounter{symindex}\label{#1}}
\newenvironment{wideeq}{\csname equation\endcsname}{\csname endequation\endcsname}
\begin{document}
\chapter{A}
Text\footnote{A note.\label{fn:a}} and \symlabel{sym:x} more.
\begin{enumerate}\item one \item two\end{enumerate}
\begin{enumerate}[resume]\item three\label{item:three}\end{enumerate}
\begin{enumerate}[start=7]\item seven\label{item:seven}\end{enumerate}
\begin{wideeq}\label{eq:wide} x \end{wideeq}
\begin{equation}\label{eq:next} y \end{equation}
\end{document}
"""
    write_tree(tmp_path, {"main.tex": main})
    book = read_book(tmp_path / "main.tex")
    assert {n: (lab.env, lab.number) for n, lab in book.labels.items()} == {
        "fn:a": ("footnote", "1"),
        "sym:x": ("symindex", "1"),
        "item:three": ("item", "3"),
        "item:seven": ("item", "7"),
        "eq:wide": ("equation", "1.1"),
        "eq:next": ("equation", "1.2"),
    }


def test_percent_in_urls_is_no_comment(tmp_path: Path) -> None:
    body = "\\chapter{Links}\nSee \\url{https://x.org/a%20b} and \\href{https://y.org/%7E}{text}.\n"
    assert outline(tmp_path, {"main.tex": BOOK % body}) == "1 Links  [main.tex:3]\n"


def test_algorithm_and_newfloat_counters(tmp_path: Path) -> None:
    main = r"""\documentclass{book}
\usepackage{algorithm,float}
\newfloat{program}{lop}{Program}[chapter]
\begin{document}
\chapter{A}
\begin{algorithm}\caption{First}\label{alg:a}\end{algorithm}
\begin{program}\caption{P}\label{prog:a}\end{program}
\chapter{B}
\begin{algorithm}\caption{Second}\label{alg:b}\end{algorithm}
\begin{program}\caption{Q}\label{prog:b}\end{program}
\end{document}
"""
    write_tree(tmp_path, {"main.tex": main})
    book = read_book(tmp_path / "main.tex")
    assert {n: (lab.env, lab.number) for n, lab in book.labels.items()} == {
        "alg:a": ("algorithm", "1"),  # the algorithm package numbers through the document
        "prog:a": ("program", "1.1"),
        "alg:b": ("algorithm", "2"),
        "prog:b": ("program", "2.1"),
    }
