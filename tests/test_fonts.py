"""One type family for book, conspects and slides: the Computer Modern design.

Conspects (xelatex) use CMU Serif (Latin Modern shapes with Cyrillic) and Latin Modern Math when
Debian's fonts-cmu is installed, DejaVu Serif with DejaVu Math TeX Gyre otherwise; the slide theme
asks for CMU Sans Serif, whose math partner is MathJax's Computer Modern.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "conspects"
COURSE_YAML = """\
title: Test Course
lessons:
  - number: 1
    title: First steps
"""


def _have_font(family: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    return any(family in line.split(",") for line in out.splitlines())


def test_conspect_header_pairs_text_and_math_fonts() -> None:
    header = (REPO / "course_cli" / "data" / "pdf" / "course-header.tex").read_text()
    assert (
        "\\setmainfont{CMU Serif}\\setsansfont{CMU Sans Serif}\\setmonofont{CMU Typewriter Text}"
        in header
    )
    assert "\\setmathfont{Latin Modern Math}\\setmathrm{CMU Serif}" in header
    assert "\\setmathfont{DejaVu Math TeX Gyre}\\setmathrm{DejaVu Serif}" in header
    assert header.index("\\ifdefined\\setmathfont") < header.index("\\IfFontExistsTF{CMU Serif}")


def test_slide_theme_asks_for_the_computer_modern_sans_first() -> None:
    css = (REPO / "course_cli" / "data" / "templates" / "marp" / "course.css").read_text()
    assert (
        "font-family: 'CMU Sans Serif', 'Latin Modern Sans', 'DejaVu Sans', 'Noto Sans', Arial, "
        "sans-serif;" in css
    )
    assert "font-family: 'CMU Typewriter Text', 'DejaVu Sans Mono', monospace;" in css


@pytest.mark.integration
@pytest.mark.skipif(
    not all(shutil.which(t) for t in ("xelatex", "pdffonts", "pdftotext")),
    reason="needs xelatex and poppler (pdffonts, pdftotext)",
)
def test_conspect_pdf_embeds_the_paired_fonts(make_course, run_cli) -> None:  # type: ignore[no-untyped-def]
    root: Path = make_course(yaml=COURSE_YAML, templates=False)
    lesson = root / "lessons" / "lesson_01"
    shutil.copytree(FIXTURES / "full", lesson, dirs_exist_ok=True)
    (root / "materials" / "book").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "materials" / "macros.tex", root / "materials" / "macros.tex")
    shutil.copy(REPO / "materials" / "book" / "refs.bib", root / "materials" / "book" / "refs.bib")
    result = run_cli("build", "pdf", "1", "--engine", "xelatex", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    pdf = root / "build" / "lesson_01" / "conspect.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    names = {line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:]}
    if _have_font("CMU Serif"):
        assert {"CMUSerif-Roman", "LatinModernMath-Regular-Identity-H"} <= names
        assert not any(n.startswith("DejaVu") for n in names)
    else:
        assert "DejaVuSerif" in names and any(n.startswith("DejaVuMathTeXGyre") for n in names)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Пример" in text  # Cyrillic has glyphs in the chosen text face
