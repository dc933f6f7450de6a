"""Conspect PDFs: macros, pandoc diagnostics, the typst lint, and real builds (pandoc/TeX/typst)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from course_cli.builders.pdf.builder import choose_engine, local_images, read_front_matter
from course_cli.builders.pdf.checks import latex_failure, pandoc_problems, typst_incompatibilities
from course_cli.core.errors import ConfigError, UsageError
from course_cli.core.macros import as_newcommands, parse_macros, read_macros

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "conspects"
COURSE_YAML = """\
title: Test Course
lessons:
  - number: 1
    title: First steps
  - number: 2
    title: Second steps
"""

# ---------------------------------------------------------------------------- macros


def test_macros_parse_every_form_and_skip_comments() -> None:
    text = (
        "% \\newcommand{\\commented}{x}\n"
        "\\newcommand{\\E}{\\mathbb{E}}   % expectation\n"
        "\\newcommand\\bare{b}\n"
        "\\newcommand{\\inner}[2]{\\left\\langle #1, #2 \\right\\rangle}\n"
        "\\DeclareMathOperator*{\\argmax}{arg\\,max}\n"
        "\\DeclareMathOperator{\\clip}{clip}\n"
        "\\newcommand{\\long}{a +\n  b}\n"
    )
    macros = parse_macros(text)
    assert macros == {
        "E": (0, "\\mathbb{E}"),
        "bare": (0, "b"),
        "inner": (2, "\\left\\langle #1, #2 \\right\\rangle"),
        "argmax": (0, "\\operatorname*{arg\\,max}"),
        "clip": (0, "\\operatorname{clip}"),
        "long": (0, "a +\n  b"),
    }
    assert as_newcommands(macros).splitlines()[2:4] == [
        "\\newcommand{\\inner}[2]{\\left\\langle #1, #2 \\right\\rangle}",
        "\\newcommand{\\argmax}{\\operatorname*{arg\\,max}}",
    ]


def test_macros_bad_line_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_macros("\\newcommand{\\ok}{1}\n\\newcommand{oops}\n", "macros.tex")
    assert info.value.messages == ["macros.tex:2: cannot read this definition: \\newcommand{oops}"]


def test_course_macros_file_is_readable() -> None:
    macros = read_macros(REPO / "materials" / "macros.tex")
    assert macros["argmax"] == (0, "\\operatorname*{arg\\,max}")
    assert macros["norm"][0] == 1


# ---------------------------------------------------------------------------- front matter, engine


def test_front_matter_engine_choice() -> None:
    front = read_front_matter("---\ntitle: T\nengine: typst\n---\n\nBody\n")
    assert front == {"title": "T", "engine": "typst"}
    assert choose_engine(front, "xelatex", None, Path("c.md")) == "typst"
    assert choose_engine(front, "xelatex", "lualatex", Path("c.md")) == "lualatex"
    assert choose_engine({}, "xelatex", None, Path("c.md")) == "xelatex"
    with pytest.raises(UsageError, match=r"lessons/x.md: front matter engine: 'word'"):
        choose_engine({"engine": "word"}, "xelatex", None, Path("lessons/x.md"))


def test_local_images_skip_urls(tmp_path: Path) -> None:
    text = "![a](img/a.png) ![b](https://x.org/b.png) ![c](<img/c d.png>){width=3cm}"
    assert local_images(text, tmp_path) == [tmp_path / "img/a.png"]


# ---------------------------------------------------------------------------- diagnostics

PANDOC_STDERR = """\
[WARNING] Could not fetch resource img/nothere.png: replacing image with description
[WARNING] Could not convert TeX math
J(\\theta) = \\mathbb{E}[r] + \\foo{x}
, rendering as TeX:
  \\mathbb{E}[r] + \\foo{x}
                  ^
  unexpected control sequence \\foo
  expecting "%", "\\\\label", "\\\\tag", "\\\\nonumber", whitespace or "\\\\allowbreak"
[WARNING] Missing character: There is no ⟁ (U+27C1) in font DejaVu Serif/OT:script=latn;!
"""
SOURCE = (
    "---\ntitle: T\n---\n\n$$\nJ(\\theta) = \\E[r] + \\foo{x}\n$$\n\n![d](img/nothere.png)\n\n⟁\n"
)


def test_pandoc_warnings_become_one_error_with_lines() -> None:
    err = pandoc_problems("lessons/lesson_01/conspect.md", SOURCE, PANDOC_STDERR)
    assert err is not None
    assert err.exit_code == 4
    assert err.message.splitlines() == [
        "lessons/lesson_01/conspect.md:6: could not convert TeX math: "
        "J(\\theta) = \\mathbb{E}[r] + \\foo{x} (unexpected control sequence \\foo)",
        "lessons/lesson_01/conspect.md:9: missing image or resource: img/nothere.png",
        "lessons/lesson_01/conspect.md:11: no glyph for '⟁' (U+27C1) in font DejaVu Serif",
    ]
    assert pandoc_problems("c.md", SOURCE, "[INFO] Running xelatex\n") is None


def test_latex_error_points_at_markdown_line() -> None:
    stderr = "Error producing PDF.\n! Undefined control sequence.\nl.60 More \\(a = \\foo\n"
    text = "# A\n\nSome text.\n\nMore $a = \\foo{b}$ here.\n"
    err = latex_failure("c.md", text, stderr, "xelatex")
    assert err.message == "c.md:5: xelatex: Undefined control sequence. near: More \\(a = \\foo"
    assert "materials/macros.tex" in (err.hint or "")


RUNAWAY_STDERR = """Error producing PDF.
! File ended while scanning use of \\frac .
<inserted text>
                \\par
<*> /tmp/tx/media-dbb6ecea5cfab28d/input.tex

No pages of output.
"""
RUNAWAY_TEXT = (
    "---\ntitle: T\n---\n\n# Intro\n\nA fine $\\frac{1}{2}$ and \\{braces\\}.\n\n"
    "The ratio $\\frac{a}{b$ is broken in this paragraph.\n\nAnother paragraph.\n"
)


def test_runaway_argument_points_at_the_unclosed_brace_line() -> None:
    err = latex_failure("c.md", RUNAWAY_TEXT, RUNAWAY_STDERR, "xelatex")
    assert err.message == "c.md:9: xelatex: File ended while scanning use of \\frac ."
    assert err.hint == "a { after \\frac is not closed: check the braces of its arguments"


@pytest.mark.integration
@pytest.mark.skipif(not shutil.which("xelatex"), reason="no xelatex")
def test_runaway_argument_in_a_real_build_names_the_line(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _course(make_course, conspect=RUNAWAY_TEXT)
    result = run_cli("build", "pdf", "1", "--engine", "xelatex", "--root", str(root))
    assert result.exit_code == 4
    assert (
        "lessons/lesson_01/conspect.md:9: xelatex: File ended while scanning use of \\frac"
    ) in result.stderr
    assert "a { after \\frac is not closed" in result.stderr


def test_typst_lint_flags_what_typst_cannot_render() -> None:
    text = (
        "---\ntitle: T\n---\n"
        "A $\\mathbbm{1}$ and \\cite{x}.\n"
        "```latex\n\\intertext{in code: ignored}\n```\n"
        "$$\na \\label{eq:a} \\\\\nb \\label{eq:b}\n$$\n"
        "\\begin{theorem}\nx\n\\end{theorem}\n"
        "$$ x = y \\label{eq:ok} $$\n"
    )
    found = typst_incompatibilities(text)
    assert found == [
        (4, "\\mathbbm is not supported by pandoc's typst math writer; needs a LaTeX engine"),
        (4, "raw LaTeX \\cite is dropped by the typst writer; write a citation as [@key]"),
        (
            8,
            "several \\label in one display: typst numbers the block once; split it or use a "
            "LaTeX engine",
        ),
        (
            12,
            "raw LaTeX \\begin{theorem} is dropped by the typst writer; write it as a "
            "::: {.theorem} fenced div",
        ),
    ]
    assert typst_incompatibilities((FIXTURES / "full" / "conspect.md").read_text()) == []
    assert typst_incompatibilities("::: {.lemma #lem:a}\nA\n:::\n\nBy \\ref{lem:a}.\n") == [
        (
            5,
            "\\ref{lem:a} points at a theorem-like block: typst shows ?? (only equations are "
            "numbered there); needs a LaTeX engine",
        )
    ]


# ---------------------------------------------------------------------------- real builds


def _have(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)


needs_tex = pytest.mark.skipif(
    not _have("xelatex", "pdftotext"), reason="needs xelatex and pdftotext (TeX Live, poppler)"
)
needs_typst = pytest.mark.skipif(
    shutil.which("pdftotext") is None or __import__("importlib").util.find_spec("typst") is None,
    reason="needs the typst Python package and pdftotext",
)


def _course(make_course, conspect: str | None = None, front_engine: str | None = None) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_course(yaml=COURSE_YAML, templates=False)
    lesson = root / "lessons" / "lesson_01"
    shutil.copytree(FIXTURES / "full", lesson, dirs_exist_ok=True)
    (root / "materials" / "book").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "materials" / "macros.tex", root / "materials" / "macros.tex")
    shutil.copy(REPO / "materials" / "book" / "refs.bib", root / "materials" / "book" / "refs.bib")
    if conspect is not None:
        (lesson / "conspect.md").write_text(conspect, encoding="utf-8")
    if front_engine:
        path = lesson / "conspect.md"
        path.write_text(
            path.read_text().replace("lesson: 1\n", f"lesson: 1\nengine: {front_engine}\n")
        )
    return root


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _producer(pdf: Path) -> str:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return next(ln for ln in out.splitlines() if ln.startswith(("Producer", "Creator")))


def _assert_full_conspect(text: str) -> None:
    flat = " ".join(text.split())
    assert "Policy gradients: a test conspect" in flat
    assert "Lesson 1: First steps" in flat and "Test Course" in flat
    assert "(1)" in text  # the labelled equation is numbered …
    assert "gradient of (1) follows" in flat  # … and \eqref resolves to its number
    assert "Theorem 1 (Policy gradient theorem)." in flat
    assert "Definition 2." in flat and "Proof." in flat
    assert "(Williams 1992; Sutton and Barto 2018)" in flat
    assert "References" in flat and "Reinforcement Learning: An Introduction" in flat
    assert "REINFORCE" in flat and "def loss(ratio, adv, eps=0.2):" in flat
    assert "Пример" in flat  # Cyrillic has glyphs
    assert "arg max" in flat and "clip(" in flat  # course macros expanded
    assert "\\" not in flat  # no TeX left unconverted


@pytest.mark.integration
@needs_tex
@pytest.mark.parametrize("engine", ["xelatex", "typst"])
def test_full_conspect_builds(make_course, run_cli, engine: str) -> None:  # type: ignore[no-untyped-def]
    if engine == "typst" and __import__("importlib").util.find_spec("typst") is None:
        pytest.skip("needs the typst Python package")
    root = _course(make_course)
    result = run_cli("build", "pdf", "1", "--engine", engine, "--root", str(root))
    assert result.exit_code == 0, result.stderr
    pdf = root / "build" / "lesson_01" / "conspect.pdf"
    _assert_full_conspect(_text(pdf))
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) >= 3  # header, rule, the diagram
    assert ("Typst" in _producer(pdf)) == (engine == "typst")
    assert sorted(p.name for p in (root / "lessons" / "lesson_01").iterdir()) == [
        "conspect.md",
        "img",
    ]  # nothing written beside the source
    again = run_cli("build", "pdf", "1", "--engine", engine, "--root", str(root))
    assert "0 built, 1 up to date" in again.stdout


@pytest.mark.integration
@needs_typst
def test_front_matter_engine_is_used(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _course(make_course, front_engine="typst")
    result = run_cli("build", "pdf", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    assert "Typst" in _producer(root / "build" / "lesson_01" / "conspect.pdf")


@pytest.mark.integration
@needs_tex
@pytest.mark.parametrize("engine", ["xelatex", "typst"])
def test_missing_image_fails_with_the_conspect_path(make_course, run_cli, engine: str) -> None:  # type: ignore[no-untyped-def]
    text = (
        (FIXTURES / "full" / "conspect.md")
        .read_text()
        .replace("img/diagram.png", "img/nothere.png")
    )
    root = _course(make_course, conspect=text)
    line = text.splitlines().index("![A small diagram](img/nothere.png){width=30%}") + 1
    result = run_cli("build", "pdf", "--engine", engine, "--root", str(root))
    assert result.exit_code == 4
    assert (
        f"lessons/lesson_01/conspect.md:{line}: missing image or resource: img/nothere.png"
        in result.stderr
    )
    assert not (root / "build" / "lesson_01" / "conspect.pdf").exists()


@pytest.mark.integration
@needs_tex
@pytest.mark.parametrize("engine", ["xelatex", "typst"])
def test_unknown_macro_fails_with_the_conspect_path(make_course, run_cli, engine: str) -> None:  # type: ignore[no-untyped-def]
    text = "---\ntitle: Bad\n---\n\nFine text.\n\nBroken $a = \\nosuchmacro{b}$ here.\n"
    root = _course(make_course, conspect=text)
    result = run_cli("build", "pdf", "--engine", engine, "--root", str(root))
    assert result.exit_code == 4
    assert "lessons/lesson_01/conspect.md:7:" in result.stderr
    assert "\\nosuchmacro" in result.stderr


NUMBERING = r"""---
title: Numbering
---

$$\begin{align} a &= b \label{eq:a} \\ c &= d \label{eq:c} \end{align}$$

$$ x = y \tag{T} \label{eq:t}$$

\begin{equation}
z = w \label{eq:z}
\end{equation}

$$\begin{aligned} p &= q \\ r &= s \end{aligned} \label{eq:p}$$

Refs: \eqref{eq:a}, \eqref{eq:c}, \eqref{eq:t}, \eqref{eq:z}, \eqref{eq:p}, \ref{eq:z}.
"""


@pytest.mark.integration
@needs_tex
@pytest.mark.parametrize(
    ("engine", "expected"),
    [
        ("xelatex", "Refs: (1), (2), (T), (3), (4), 3."),
        # typst numbers an align block once, so its second label would print (1) again (it
        # did: "Refs: (1), (1), (T), (2), (3), 2."): the build refuses instead
        ("typst", "lessons/lesson_01/conspect.md:5: typst: several \\label in one display: "
                  "typst numbers the block once; split it or use a LaTeX engine"),
    ],
)  # fmt: skip
def test_equation_numbers_and_references(make_course, run_cli, engine: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    root = _course(make_course, conspect=NUMBERING)
    result = run_cli("build", "pdf", "--engine", engine, "--root", str(root))
    if engine == "typst":
        assert result.exit_code == 4
        assert f"error: {expected}" in result.stderr
        assert not (root / "build" / "lesson_01" / "conspect.pdf").exists()
        return
    assert result.exit_code == 0, result.stderr
    assert expected in _text(root / "build" / "lesson_01" / "conspect.pdf")


@pytest.mark.integration
def test_typst_math_fixes_in_pandoc_output() -> None:
    from course_cli.builders.pdf.builder import DATA_DIR
    from course_cli.tools.paths import bundled_pandoc

    pandoc = bundled_pandoc()
    if pandoc is None:
        pytest.skip("needs pypandoc-binary")
    tex = (
        "$$\\operatorname*{arg\\,max}_\\theta f + \\arg\\max_x g$$\n\n"
        "$a\\!b\\;c$ $\\|x\\|_2$ $u \\odot v \\cap w$ $\\operatorname{Var}[x]$\n"
    )
    out = subprocess.run(
        [str(pandoc), "-f", "markdown", "-t", "typst", f"--lua-filter={DATA_DIR / 'course.lua'}"],
        input=tex,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert 'op("arg\u2006max", limits: #true)_theta' in out  # \, is a thin space
    assert 'op("arg max", limits: #true)_x' in out
    assert "a #h(-0.1667em) b #h(0.2778em) c" in out
    assert "lr(bar.v.double x bar.v.double)_2" in out
    assert "dot.o" in out and "inter" in out
    assert 'op("Var")' in out


def test_course_templates_override_bundled_files(tmp_path: Path) -> None:
    from course_cli.builders.pdf.builder import DATA_DIR, template_files

    (tmp_path / "templates" / "pdf").mkdir(parents=True)
    (tmp_path / "templates" / "pdf" / "course-header.tex").write_text("% mine\n")
    files = template_files(tmp_path)
    assert files["course-header.tex"] == tmp_path / "templates" / "pdf" / "course-header.tex"
    assert files["course.lua"] == DATA_DIR / "course.lua"


@pytest.mark.integration
@needs_tex
def test_plan_lists_every_input_and_the_engine(make_course) -> None:  # type: ignore[no-untyped-def]
    from course_cli.builders.pdf.builder import plan_build
    from course_cli.core.config import load_course
    from course_cli.engine.steps import BuildOptions
    from course_cli.tools.runner import Toolbox

    root = _course(make_course, front_engine="typst")
    course = load_course(root)
    opts = BuildOptions(root=root, build_dir=root / "build", toolbox=Toolbox.for_course(course))
    (step,) = plan_build(course, course.select([]), opts)  # lesson 2 has no conspect: skipped
    rel = sorted(p.relative_to(root).as_posix() for p in step.inputs if root in p.parents)
    assert rel == [
        "lessons/lesson_01/conspect.md",
        "lessons/lesson_01/img/diagram.png",
        "materials/book/refs.bib",
        "materials/macros.tex",
    ]
    assert {p.name for p in step.inputs if root not in p.parents} == {
        "course.lua", "course-header.tex", "course-header.typ"}  # fmt: skip
    assert step.output == root / "build" / "lesson_01" / "conspect.pdf"
    assert dict(step.key)["engine"] == "typst"


@pytest.mark.integration
@needs_typst
def test_undefined_reference_and_unknown_citation_fail(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    text = (
        "---\ntitle: Refs\n---\n\n$$ a = b \\label{eq:a} $$\n\nSee \\eqref{eq:b}\n"
        "and [@nobody2099].\n"
    )
    root = _course(make_course, conspect=text)
    result = run_cli("build", "pdf", "--engine", "typst", "--root", str(root))
    assert result.exit_code == 4
    assert (
        "lessons/lesson_01/conspect.md:7: undefined reference \\eqref{eq:b} (no such \\label)"
        in result.stderr
    )
    assert (
        "lessons/lesson_01/conspect.md:8: unknown citation key nobody2099 (not in the bibliography)"
        in result.stderr
    )


def test_pandoc_older_than_needed_is_exit_3_before_building(  # type: ignore[no-untyped-def]
    make_course, run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    old = tmp_path / "old-pandoc"
    old.write_text(f"#!{sys.executable}\nprint('pandoc 2.17.1.1')\n", encoding="utf-8")
    old.chmod(0o755)
    monkeypatch.setenv("PANDOC_PATH", str(old))
    root = _course(make_course)
    result = run_cli("build", "pdf", "1", "--root", str(root))
    assert result.exit_code == 3
    assert f"pandoc 2.17.1.1 at {old}: version 3.0 or newer is needed" in result.stderr
    assert "pip install pypandoc-binary" in result.stderr
    assert "wrote no conspect.pdf" not in result.stderr
    assert not (root / "build/lesson_01/conspect.pdf").exists()


def test_a_conspect_that_is_not_utf8_fails_its_own_step(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root = _course(make_course)
    bad = root / "lessons/lesson_01/conspect.md"
    data = bad.read_bytes()
    bad.write_bytes(data + b"\xff\n")
    result = run_cli("build", "pdf", "1", "--root", str(root))
    assert result.exit_code == 1
    line = data.count(b"\n") + 1
    assert (
        f"lessons/lesson_01/conspect.md:{line}: not valid UTF-8 (byte 0xff at offset {len(data)})"
    ) in result.stderr
    assert "save the file as UTF-8" in result.stderr
    assert "FAILED build/lesson_01/conspect.pdf" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "build/lesson_01/conspect.pdf").exists()


# -- typst honesty: what typst would render wrong without a word fails the build ------------

GARBLED = """\
---
title: Garbled
lesson: 1
---

# Notes

Fine: $\\alpha + \\beta$.

An indicator $\\mathbbm{1}_{x}$ and a colour \\textcolor{red}{word}.

A name in Chinese: 漢字, and a smile 🙂.
"""


def test_verify_typst_names_each_garbling_line() -> None:
    from course_cli.builders.pdf.builder import typst_font_files, verify_typst
    from course_cli.builders.pdf.checks import missing_glyphs

    err = verify_typst("lessons/lesson_01/conspect.md", GARBLED)
    assert err is not None
    name = "lessons/lesson_01/conspect.md"
    # which of 漢, 字 and 🙂 lack a font depends on the fonts installed: each one is named
    lacking = [c for _, c in missing_glyphs(GARBLED, typst_font_files())]
    no_font = [
        f"{name}:12: typst: no font has {c!r} (U+{ord(c):04X}); it would print as an empty box"
        for c in lacking
    ]
    assert err.message.splitlines() == [
        f"{name}:10: typst: \\mathbbm is not supported by pandoc's typst math writer; needs a "
        "LaTeX engine",
        f"{name}:10: typst: \\textcolor is not supported by pandoc's typst math writer; needs a "
        "LaTeX engine",
        *no_font,
    ]
    assert "'🙂' (U+1F642)" in err.message  # no font on any machine here has it
    assert err.hint == (
        "build it with a LaTeX engine: course build pdf --engine xelatex "
        "(or `engine: xelatex` in its front matter)"
    )
    assert verify_typst("c.md", "Ünïcode — ≤ α ∑ “quotes” Пример\n") is None


@pytest.mark.integration
@needs_typst
def test_a_conspect_typst_garbles_fails_the_build_and_xelatex_is_suggested(
    make_course, run_cli
) -> None:  # type: ignore[no-untyped-def]
    root = _course(make_course, GARBLED)
    result = run_cli("build", "pdf", "1", "--engine", "typst", "--root", str(root))
    assert result.exit_code == 4
    assert ("lessons/lesson_01/conspect.md:10: typst: \\mathbbm is not supported by pandoc's "
            "typst math writer; needs a LaTeX engine") in result.stderr  # fmt: skip
    assert "lessons/lesson_01/conspect.md:12: typst: no font has '🙂' (U+1F642)" in result.stderr
    assert "engine: xelatex" in result.stderr  # the hint: a LaTeX engine
    assert not (root / "build" / "lesson_01" / "conspect.pdf").exists()
