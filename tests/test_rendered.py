"""Rendered-layout checks: overflowing slides, overfull conspect and book lines (build and
``course check --rendered``), and the typography of the conspect title block and the book."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from course_cli.builders import layout
from course_cli.builders.slides.layout import SlideBox, iter_overflows, slide_lines
from course_cli.check import rendered
from tests.conftest import MINI_COURSE_YAML

REPO = Path(__file__).resolve().parents[1]
MARP = REPO / "node_modules" / ".bin" / "marp"

needs_marp = pytest.mark.skipif(not MARP.exists(), reason="Marp CLI not installed (run npm ci)")
needs_browser = pytest.mark.skipif(
    not (shutil.which("chromium") or os.environ.get("CHROME_PATH")), reason="no Chromium"
)
needs_tex = pytest.mark.skipif(
    not (shutil.which("xelatex") and shutil.which("latexmk") and shutil.which("pdftotext")),
    reason="needs xelatex, latexmk and poppler",
)

BULLETS = "".join(f"- point {k}: a bullet that takes a line of the slide\n" for k in range(30))
DECK = f"""---
marp: true
theme: course
math: mathjax
paginate: true
---

<!-- _class: title -->

# A short deck

---

# A slide that fits

- one
- two

---

# Too many points

{BULLETS}
---

# The last slide

```text
---
not a separator
---
```
"""


# -- slide numbers -> deck lines ---------------------------------------------------------------


def test_slide_lines_skip_front_matter_code_and_directive_comments() -> None:
    assert slide_lines(DECK) == [10, 14, 21, 56]
    text = "---\nmarp: true\nheadingDivider: 2\n---\n\n# One\n\ntext\n\n## Two\n\n### three\n"
    assert slide_lines(text) == [6, 10]
    # a setext underline is a heading, not a separator; *** and ___ are separators
    assert slide_lines("# A\n\nSome text\n---\n\n***\n\n# B\n\n___\nC\n") == [1, 8, 11]
    # right under a list item it is a separator again
    assert slide_lines("# A\n\n- one\n- two\n---\n# B\n") == [1, 6]


def test_overflows_name_the_slide_its_line_and_the_edge() -> None:
    boxes = [
        SlideBox(1, 1280, 720),
        SlideBox(2, 1280, 720, bottom=1.5),  # rounding: not an overflow
        SlideBox(3, 1280, 720, bottom=612.4, right=40),
        SlideBox(4, 1280, 720),
    ]
    assert list(iter_overflows(boxes, DECK)) == [
        (3, 21, "612 px past the bottom edge, 40 px past the right edge of the 1280×720 slide")
    ]
    # a deck the scanner counts differently: the slide, without a line
    assert [line for _, line, _ in iter_overflows(boxes[:3], DECK)] == [None]


# -- TeX logs -> Markdown lines ----------------------------------------------------------------

VERBOSE = """[INFO] Running filter course.lua
[INFO] [makePDF] Source:
  \\documentclass{article}
  \\begin{document}
  Text of the first paragraph.

  \\[
  \\sum_{t\\ge0}\\gamma^t r(s_t,a_t)+\\sum_{t\\ge0}\\gamma^t r(s_t,a_t)+\\sum_{t\\ge0}\\gamma^t
  \\]
  \\end{document}
[INFO] [makePDF] LaTeX run number 1
[INFO] [makePDF] LaTeX output
  Overfull \\hbox (99.0pt too wide) detected at line 8
[INFO] [makePDF] LaTeX run number 2
[INFO] [makePDF] LaTeX output
  Overfull \\hbox (61.25pt too wide) detected at line 8
  []
  Overfull \\hbox (3.1pt too wide) in paragraph at lines 4--4
[WARNING] Citeproc: citation nobody not found
"""

MARKDOWN = """---
title: T
---

Text of the first paragraph.

$$
\\sum_{t\\ge0}\\gamma^t r(s_t,a_t)+\\sum_{t\\ge0}\\gamma^t r(s_t,a_t)+\\sum_{t\\ge0}\\gamma^t
$$
"""


def test_pandoc_verbose_output_splits_into_warnings_tex_and_the_last_run() -> None:
    plain, tex, last = layout.split_pandoc_verbose(VERBOSE)
    assert plain == "[WARNING] Citeproc: citation nobody not found"
    assert tex.splitlines()[0] == "\\documentclass{article}" and len(tex.splitlines()) == 8
    assert "99.0pt" not in last and "61.25pt" in last
    record = layout.conspect_layout(tex, last)
    assert [(o["pt"], o["first"], o["display"]) for o in record["overfull"]] == [
        (61.25, 8, True),
        (3.1, 4, False),
    ]
    assert record["overfull"][0]["tex"].startswith("\\[\n\\sum_{t\\ge0}")
    assert layout.markdown_line(MARKDOWN, record["overfull"][0]["tex"]) == 8
    assert layout.markdown_line(MARKDOWN, "Text of the first paragraph.") == 5


def test_book_log_overfull_lines_get_their_file() -> None:
    log = (
        "(./src.tex (/usr/share/texlive/book.cls (size11.clo)) (../macros.tex)\n"
        "(./chapters/one.tex\nChapter 1.\n"
        "Overfull \\hbox (14.5pt too wide) in paragraph at lines 12--14\n"
        "[]\\TU/CMUSerif(0)/m/n/10.95 text (with parens)\n"
        ") [3] (./chapters/two.tex\n"
        "Overfull \\hbox (2.0pt too wide) detected at line 7\n) )\n"
    )
    root = Path("/course")
    main = root / "materials/book/src.tex"
    assert layout.book_layout(log, main, root)["overfull"] == [
        {"pt": 14.5, "first": 12, "last": 14, "display": False,
         "file": "materials/book/chapters/one.tex"},
        {"pt": 2.0, "first": 7, "last": 7, "display": True,
         "file": "materials/book/chapters/two.tex"},
    ]  # fmt: skip


def test_layout_findings_follow_ignore_comments_disable_and_the_limit(
    make_course: Callable[..., Path],
) -> None:
    from course_cli.core.config import load_course

    ignored = DECK.replace("# Too many points", "<!-- course: ignore R001 -->\n# Too many points")
    root = make_course({"lessons/lesson_01/slides/slides.md": DECK,
                        "lessons/lesson_02/slides/slides.md": ignored,
                        "lessons/lesson_01/conspect.md": MARKDOWN})  # fmt: skip
    course = load_course(root)
    one, two = course.lessons
    boxes = [SlideBox(n, 1280, 720, bottom=300 if n == 3 else 0) for n in (1, 2, 3, 4)]
    record = {"slides": [b.to_json() for b in boxes]}
    found = [
        *rendered.slide_findings(course, one, root / "lessons/lesson_01/slides/slides.md", record),
        *rendered.slide_findings(course, two, root / "lessons/lesson_02/slides/slides.md", record),
    ]
    assert [(f.path, f.line) for f in found] == [
        ("lessons/lesson_01/slides/slides.md", 21),
        ("lessons/lesson_02/slides/slides.md", 22),
    ]
    # the comment on the line above the slide's first line silences it
    assert [(f.path, f.line) for f in rendered.finish(course, found)] == [
        ("lessons/lesson_01/slides/slides.md", 21)
    ]
    conspect = root / "lessons/lesson_01/conspect.md"
    text = "Text of the first paragraph."
    overfull = {"overfull": [
        {"pt": 10.0, "first": 1, "last": 1, "display": False, "tex": text},
        {"pt": 12.5, "first": 4, "last": 4, "display": False, "tex": text},
        {"pt": 30.0, "first": 9, "last": 9, "display": False, "tex": "\\author{Someone Else}"},
    ]}  # fmt: skip
    messages = [
        (f.line, f.message) for f in rendered.conspect_findings(course, one, conspect, overfull)
    ]
    assert messages == [
        (5, "a line runs 12.5 pt into the right margin of the PDF (limit 10 pt)"),
        (1, "a line runs 30.0 pt into the right margin of the PDF (limit 10 pt) (in the title "
            "block)"),
    ]  # fmt: skip
    yaml = (root / "course.yaml").read_text(encoding="utf-8")
    (root / "course.yaml").write_text(yaml + "check:\n  disable: [R001]\n", encoding="utf-8")
    assert rendered.finish(load_course(root), found) == []


# -- real builds -------------------------------------------------------------------------------


@pytest.fixture
def marp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARP_PATH", str(MARP))
    monkeypatch.setenv("CI", "1")


OVERFLOW = (
    "warning: lessons/lesson_01/slides/slides.md:21: slide 3: content runs {px} px past the "
    "bottom edge of the 1280×720 slide; it is cut off [R001]"
)


@pytest.mark.integration
@needs_marp
@needs_browser
def test_an_overflowing_slide_is_a_warning_with_deck_slide_and_line(
    make_course: Callable[..., Path], run_cli: Callable[..., Any], marp_env: None
) -> None:
    root = make_course(
        {"lessons/lesson_01/slides/slides.md": DECK},
        yaml=MINI_COURSE_YAML + "build:\n  slides: [html]\n",
    )
    res = run_cli("build", "slides", "1", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    found = re.findall(r"^warning: .*\[R001\]$", res.stderr, re.M)
    assert len(found) == 1, res.stderr
    px = re.search(r"runs (\d+) px", found[0])
    assert px and int(px.group(1)) > 300  # 30 bullets do not fit
    assert found[0] == OVERFLOW.format(px=px.group(1))
    assert "hint: shorten the slide, split it (---), or give it a denser class" in res.stderr

    # up to date: the warning is repeated from the record, nothing is measured again
    again = run_cli("build", "slides", "1", "--root", str(root))
    assert "0 built, 2 up to date" in again.stdout
    assert OVERFLOW.format(px=px.group(1)) in again.stderr

    # --strict: the same finding is an error and the exit code says "problems found"
    strict = run_cli("build", "slides", "1", "--strict", "--root", str(root))
    assert strict.exit_code == 1
    assert OVERFLOW.format(px=px.group(1)).replace("warning:", "error:", 1) in strict.stderr
    assert "error: course build --strict: 1 layout problem(s) in the built outputs" in (
        strict.stderr
    )

    # course check --rendered measures the built HTML again, without building
    check = run_cli("check", "1", "--rendered", "--format", "json", "--root", str(root))
    findings = [f for f in json.loads(check.stdout)["findings"] if f["code"] == "R001"]
    assert [(f["path"], f["line"], f["severity"], f["message"]) for f in findings] == [
        (
            "lessons/lesson_01/slides/slides.md",
            21,
            "warning",
            f"slide 3: content runs {px.group(1)} px past the bottom edge of the 1280×720 "
            "slide; it is cut off",
        )
    ]

    # the fix: split the slide -> no layout warning
    more = "\n---\n\n# More points\n\n"
    fixed = DECK.replace("- point 10:", more + "- point 10:").replace(
        "- point 20:", more + "- point 20:"
    )
    (root / "lessons/lesson_01/slides/slides.md").write_text(fixed, encoding="utf-8")
    clean = run_cli("build", "slides", "1", "--strict", "--root", str(root))
    assert clean.exit_code == 0, clean.stderr
    assert "R001" not in clean.stderr


WIDE = (
    r"""---
title: "Lesson 1: First steps"
---

# Estimates

A short paragraph.

$$
"""
    + r"\E\Big[\sum_{t=0}^{T}\gamma^t r(s_t,a_t)\Big]"
    + r"=\sum_{s}d^{\pi}(s)\sum_{a}\pi(a\given s)r(s,a)"
    + r"=\sum_{s}d^{\pi}(s)\sum_{a}\pi(a\given s)Q^{\pi}(s,a)-\sum_{s}d^{\pi}(s)V^{\pi}(s)"
    + r"+\sum_{s}\mu(s)V^{\pi}(s)"
    + """
$$

Another paragraph.
"""
)


@pytest.mark.integration
@needs_tex
def test_a_too_wide_equation_is_a_warning_at_its_markdown_line(
    make_course: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    root = make_course({"lessons/lesson_01/conspect.md": WIDE})

    # before anything is built, --rendered says so in one line
    def rendered_findings() -> list[tuple[str, int | None, str, str | None]]:
        out = run_cli("check", "1", "--rendered", "--format", "json", "--root", str(root))
        found = json.loads(out.stdout)["findings"]
        return [(f["path"], f["line"], f["message"], f["hint"]) for f in found
                if f["code"].startswith("R")]  # fmt: skip

    assert rendered_findings() == [
        ("build", None, "nothing is built yet (no build/ folder), so no layout was checked",
         "run `course build all` first")
    ]  # fmt: skip
    # an output that is not built: one line naming it and the command that builds it
    (root / "build").mkdir()
    assert rendered_findings() == [
        ("lessons/lesson_01/conspect.md", None,
         "build/lesson_01/conspect.pdf is not built (or was built before layout records), so "
         "its layout was not checked", "run `course build pdf 1` first")
    ]  # fmt: skip

    res = run_cli("build", "pdf", "1", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    found = re.findall(r"^warning: .*\[R002\]$", res.stderr, re.M)
    assert len(found) == 1, res.stderr
    assert re.fullmatch(
        r"warning: lessons/lesson_01/conspect.md:10: a display runs \d+\.\d pt into the right "
        r"margin of the PDF \(limit 10 pt\) \[R002\]",
        found[0],
    ), found[0]
    strict = run_cli("build", "pdf", "1", "--strict", "--root", str(root))
    assert strict.exit_code == 1 and "error: lessons/lesson_01/conspect.md:10:" in strict.stderr

    [(path, line, message, _)] = rendered_findings()
    assert (path, line) == ("lessons/lesson_01/conspect.md", 10)
    assert message == found[0].split(":10: ", 1)[1].removesuffix(" [R002]")

    # a higher limit in course.yaml silences it without a rebuild
    yaml = (root / "course.yaml").read_text(encoding="utf-8")
    (root / "course.yaml").write_text(yaml + "check:\n  overfull_pt: 500\n", encoding="utf-8")
    quiet = run_cli("build", "pdf", "1", "--strict", "--root", str(root))
    assert quiet.exit_code == 0 and "R002" not in quiet.stderr
    assert "0 built, 1 up to date" in quiet.stdout


@pytest.mark.integration
@needs_tex
def test_conspect_title_block_names_course_author_and_version(
    make_course: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    yaml = MINI_COURSE_YAML.replace(
        "title: Test Course",
        "title: Mathematical Fundamentals of Reinforcement Learning for LLM Alignment, "
        "with a Name Long Enough to Wrap\nauthor: A. Author & B. Author\nversion: '2.1'",
    )
    root = make_course({"lessons/lesson_01/conspect.md": "# One\n\nText.\n"}, yaml=yaml)
    res = run_cli("build", "pdf", "1", "--strict", "--root", str(root))
    assert res.exit_code == 0, res.stderr  # the long name wraps: no overfull line
    pdf = root / "build/lesson_01/conspect.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"^Title:\s+Lesson 1: First steps$", info, re.M)
    assert re.search(r"^Author:\s+A. Author & B. Author$", info, re.M)
    page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    head = " ".join(page.split()[:40])
    assert head.startswith(
        "Mathematical Fundamentals of Reinforcement Learning for LLM Alignment, with a Name "
        "Long Enough to Wrap Lesson 1: First steps A. Author & B. Author Version 2.1 One Text."
    ), head


CHAPTER = r"""\chapter{One}\label{ch:one}
A paragraph that cites a paper \citep{williams1992reinforce}.
\[
a_1+a_2+a_3+a_4+a_5+a_6+a_7+a_8+a_9+a_{10}+a_{11}+a_{12}+a_{13}+a_{14}+a_{15}+a_{16}+a_{17}+a_{18}+a_{19}+a_{20}+a_{21}+a_{22}+a_{23}+a_{24}+a_{25}+a_{26}
\]
"""


@pytest.mark.integration
@needs_tex
def test_the_course_book_has_a_title_page_metadata_and_bibliography_in_contents(
    make_course: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    """The course's own book preamble and front matter, with one small chapter."""
    src = (REPO / "materials/book/src.tex").read_text(encoding="utf-8")
    body = re.sub(r"\\include\{chapters/[^}]+\}\n", "", src)
    body = body.replace("\\mainmatter\n", "\\mainmatter\n\\include{chapters/one}\n")
    yaml = MINI_COURSE_YAML.replace(
        "title: Test Course", "title: Test Course\nauthor: Ada Lovelace\nversion: '1.2'\n"
        "license: CC BY 4.0"
    )  # fmt: skip
    root = make_course(
        {
            "materials/book/src.tex": body,
            "materials/book/chapters/one.tex": CHAPTER,
            "materials/book/refs.bib": (REPO / "materials/book/refs.bib").read_text("utf-8"),
        },
        yaml=yaml,
    )
    res = run_cli("build", "book", "--root", str(root))
    assert res.exit_code == 0, res.stderr
    # the too-wide display is a warning at the chapter file and line
    assert re.search(
        r"^warning: materials/book/chapters/one.tex:5: overfull \\hbox: the line runs "
        r"\d+\.\d pt into the right margin \(limit 10 pt\) \[R003\]$",
        res.stderr,
        re.M,
    ), res.stderr
    pdf = root / "build/book/LLM_alignment_book.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"^Title:\s+RL Foundations for LLM Alignment$", info, re.M)
    assert re.search(r"^Author:\s+Ada Lovelace$", info, re.M)

    def page(n: int) -> str:
        out = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
        ).stdout
        return " ".join(out.split())

    title = page(1)
    assert title.startswith("RL Foundations for LLM Alignment A companion to lessons 5–8 of")
    assert "Ada Lovelace Version 1.2" in title
    licence = page(2)
    assert "This work is licensed under CC BY 4.0." in licence
    assert "How to cite: Ada Lovelace, RL Foundations for LLM Alignment, version 1.2" in licence
    contents = page(3)
    assert contents.startswith("Contents")
    assert contents == "Contents 1 One 1 Bibliography 2 iii"
    # the conspects' pair: CMU Serif text (Latin Modern Roman without fonts-cmu), LM Math
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    assert "LatinModernMath-Regular-Identity-H" in names
    assert "CMUSerif-Roman" in names or "LMRoman10-Regular-Identity-H" in names, names
    assert not any(n.startswith(("CMR", "CMMI", "DejaVu")) for n in names), names
