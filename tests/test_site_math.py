"""Math of the site typeset at build time (real Node and MathJax): SVG in the page, no math
script, the course macros, equation numbers per page, a formula MathJax rejects fails the build
at its Markdown file and line, the formula cache."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests import browser
from tests.site_helpers import build_site

REPO = Path(__file__).resolve().parents[1]

README = """\
# Lesson 1: First steps

Inline $\\E[X] = \\sum_x x\\,p(x)$, a macro $\\KL(p \\,\\|\\, q)$ and $\\mathbb{R}^n$.

## Objectives

$$
\\begin{aligned}
\\operatorname{Var}(X) &= \\E[X^2] - \\E[X]^2 \\\\
&\\ge 0 \\quad \\text{always}
\\end{aligned}
$$

$$
\\begin{equation} a = b \\label{eq:one} \\end{equation}
$$

$$
\\begin{equation} c = d \\end{equation}
$$
"""

SECOND = """\
# Lesson 2

$$
\\begin{equation} e = f \\end{equation}
$$

Inline $\\E[X] = \\sum_x x\\,p(x)$ again.
"""


def _course(make_course, readme: str = README, exercises: str | None = None) -> Path:
    files = {
        "README.md": "# T\n",
        "lessons/lesson_01/README.md": readme,
        "lessons/lesson_02/README.md": SECOND,
    }
    if exercises is not None:
        files["lessons/lesson_02/exercises/README.md"] = exercises
    root = make_course(files)
    (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


def _build(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return build_site(root, *extra, env={"NO_COLOR": "1", "PATH": os.environ["PATH"]})


def test_pages_carry_svg_math_and_load_no_math_script(make_course) -> None:
    root = _course(make_course)
    done = _build(root)
    assert done.returncode == 0, done.stderr
    page = (root / "build/site/lesson_01/index.html").read_text()
    # every formula is an SVG with its MathML for screen readers and search; no TeX is left
    assert page.count("<mjx-container") == 6
    assert page.count("<svg style=") == 6 and page.count("<mjx-assistive-mml") == 6
    assert "\\(" not in page and "\\[" not in page
    # the only scripts are the site's own (menu, theme), none typesets math
    assert re.findall(r"<script[^>]*>", page) == ['<script src="../assets/site.js">']
    assert not list((root / "build/site/assets").glob("mathjax*"))
    # course macros (\E, \KL), \mathbb, \operatorname, aligned and \text
    assert '<mi mathvariant="double-struck">E</mi>' in page
    assert "<mi>KL</mi>" in page
    assert '<msup><mrow><mi mathvariant="double-struck">R</mi></mrow><mi>n</mi></msup>' in page
    assert '<mi data-mjx-texclass="OP">Var</mi>' in page or "<mi>Var</mi>" in page
    assert "<mtext>always</mtext>" in page
    # the glyphs the formulas use are defined once, first in the body
    sprite = re.search(r'<svg class="math-glyphs" [^>]*><defs>(.*?)</defs></svg>', page)
    assert sprite is not None and page.index(sprite[0]) < page.index("<main")
    defined = re.findall(r'<path id="([^"]+)"', sprite[1])
    assert len(defined) == len(set(defined))
    assert set(re.findall(r'<use [^>]*href="#([^"]+)"', page)) == set(defined)


def test_equation_numbers_restart_on_each_page(make_course) -> None:
    root = _course(make_course)
    assert _build(root).returncode == 0
    first = (root / "build/site/lesson_01/index.html").read_text()
    second = (root / "build/site/lesson_02/index.html").read_text()
    assert re.findall(r"<mtext>\((\d+)\)</mtext>", first) == ["1", "2"]
    assert 'id="mjx-eqn:eq:one"' in first
    assert re.findall(r"<mtext>\((\d+)\)</mtext>", second) == ["1"]


def test_a_bad_formula_fails_the_build_at_its_file_and_line(make_course) -> None:
    bad = README.replace("a macro $\\KL(p", "a macro $\\KLL(p")
    root = _course(make_course, bad, exercises="# Exercises\n\nOne.\n\nTwo $\\frac{a}{b$ here.\n")
    done = _build(root)
    assert done.returncode == 4, done.stderr
    report = done.stderr[done.stderr.index("error: ") :]  # after the progress lines
    errors = [line for line in report.splitlines() if not line.startswith(" ")]
    assert errors == [
        "error: lessons/lesson_01/README.md:3: math does not typeset: Undefined control "
        "sequence \\KLL (in $\\KLL(p \\,\\|\\, q)$)",
        "lessons/lesson_02/exercises/README.md:5: math does not typeset: Missing close brace "
        "(in $\\frac{a}{b$)",
    ]
    # the failed pages are not published; the others are
    site = root / "build/site"
    assert not (site / "lesson_01/index.html").exists()
    assert not (site / "lesson_02/exercises.html").exists()
    assert "<mjx-container" in (site / "lesson_02/index.html").read_text()


def test_formulas_are_cached_by_their_tex(make_course) -> None:
    import sqlite3

    root = _course(make_course)
    assert _build(root).returncode == 0
    db = sqlite3.connect(root / "build/.cache/site-math.sqlite")
    entries = dict(db.execute("SELECT key, html FROM math").fetchall())
    db.close()
    site = root / "build/site"
    pages = [(site / f"lesson_0{n}/index.html").read_text() for n in (1, 2)]
    # the inline formula both pages share is one entry; the numbered ones are keyed by their
    # page's state ("s…"): lesson 1's two equations and lesson 2's one
    assert sum(1 for k in entries if not k.startswith("s")) == 4
    assert sum(1 for k in entries if k.startswith("s")) == 3
    assert all(any(html in page for page in pages) for html in entries.values())
    # a forced rebuild from the cache gives the same pages
    done = _build(root, "--force")
    assert done.returncode == 0, done.stderr
    assert [(site / f"lesson_0{n}/index.html").read_text() for n in (1, 2)] == pages
    # another macro definition is another cache: nothing stale is reused
    macros = root / "materials/macros.tex"
    macros.write_text(macros.read_text().replace("\\mathbb{E}", "\\mathsf{E}"))
    assert _build(root).returncode == 0
    page = (site / "lesson_01/index.html").read_text()
    assert '<mi mathvariant="sans-serif">E</mi>' in page
    assert '<mi mathvariant="double-struck">E</mi>' not in page


@pytest.mark.integration
@pytest.mark.skipif(browser.chromium() is None, reason="Chromium not installed")
def test_math_is_drawn_in_the_browser_without_a_script(make_course) -> None:
    root = _course(make_course)
    assert _build(root).returncode == 0
    page = root / "build/site/lesson_01/index.html"
    chrome = browser.DevTools()
    try:
        chrome.open(page.as_uri())
        uri = page.as_uri()
        chrome.wait_for(f"location.href === {uri!r} && document.readyState === 'complete'")
        # every glyph of every formula resolves to the page's outlines (an unresolved <use>
        # draws nothing and has no size), and each formula takes room on the screen
        glyphs = chrome.eval(
            "[...document.querySelectorAll('mjx-container use')].map(u => {"
            " const b = u.getBBox(); return b.width * b.height > 0; })"
        )
        assert isinstance(glyphs, list) and len(glyphs) > 40 and all(glyphs)
        boxes = chrome.eval(
            "[...document.querySelectorAll('mjx-container > svg')].map(s => {"
            " const r = s.getBoundingClientRect(); return r.width > 8 && r.height > 8; })"
        )
        assert boxes == [True] * 6
        # no script of the page typesets: MathJax is not there, the formulas were there already
        assert chrome.eval("typeof window.MathJax") == "undefined"
        assert chrome.eval("[...document.scripts].map(s => s.src.split('/').pop())") == ["site.js"]
        # screen readers get the formula as MathML; the drawing is hidden from them
        assert (
            chrome.eval(
                "document.querySelector('mjx-container mjx-assistive-mml math').textContent"
            )
            == "E[X]=∑xxp(x)"
        )
        assert chrome.eval("document.querySelector('mjx-container > svg').ariaHidden") == "true"
    finally:
        chrome.close()
