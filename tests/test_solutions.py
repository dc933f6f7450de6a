"""``::: solution`` blocks: the site (collapsed), PDFs (a Solutions section, or none), the
check rules, and a real browser: collapsed until clicked, math typeset."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from course_cli.builders.pdf.options import PdfOptions
from course_cli.builders.site.markdown import render_markdown
from course_cli.builders.targets import build
from course_cli.core.config import load_course
from tests import browser

REPO = Path(__file__).resolve().parents[1]

EXERCISES = """\
# Lesson 1 exercises

Warm-up problems; the homework is in the [README](../README.md#homework).

1. **Gauss.** Compute $\\sum_{k=1}^{n} k$.

   ::: solution
   Pair $k$ with $n+1-k$: $\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$, costing \\$0 to check.
   :::

2. **Expectation.** Show $\\E[aX+b]=a\\E[X]+b$.

::: {.solution}
Linearity of the integral:
$$\\E[aX+b]=\\int (ax+b)\\,dP(x)=a\\E[X]+b.$$
:::
"""

README = """\
# Lesson 1: First steps

- Exercises: [exercises/README.md](exercises/README.md)

## Objectives

Count.

## Outline

Counting.

## Reading

None.

## Homework

1. Count to three.

   ::: solution
   One, two, three.
   :::
"""

CONSPECT = """\
---
title: "Lesson 1: counting"
---

# Sums

The sum of the first $n$ integers.

::: solution
It is $n(n+1)/2$ by pairing the terms.
:::

# Products

The product of the first $n$ integers is $n!$.
"""


def test_markdown_solution_is_a_collapsed_details_block() -> None:
    html = render_markdown(EXERCISES)
    assert html.count('<details class="solution">\n<summary>Solution</summary>\n') == 2
    assert '<p>Pair <span class="math">\\(k\\)</span>' in html
    assert "</details>" in html and ":::" not in html
    without = render_markdown(EXERCISES, solutions=False)
    assert "details" not in without and "Pair" not in without and "Linearity" not in without
    assert "<strong>Expectation.</strong>" in without


def test_check_solution_rules_and_no_false_alarms(make_course, run_cli) -> None:
    bad = (
        "# Lesson 1 exercises\n\n1. One.\n\n   ::: solution\n\n   :::\n\n"
        "2. Two.\n\n::: solution\nNever closed, costs $5.\n"
    )
    root = make_course(
        {
            "lessons/lesson_01/README.md": README,
            "lessons/lesson_01/conspect.md": CONSPECT,
            "lessons/lesson_01/exercises/README.md": EXERCISES,
            "lessons/lesson_02/exercises/README.md": bad,
        }
    )
    result = run_cli("check", "--format", "json", "--root", str(root))
    found = [
        (f["path"], f["line"], f["code"], f["message"])
        for f in json.loads(result.stdout)["findings"]
        if f["path"].startswith("lessons/")  # lesson 2 has no README, no slides: expected
        and f["code"] not in ("D001", "D004")
    ]
    assert found == [
        ("lessons/lesson_02/exercises/README.md", 5, "X001", "`::: solution` block is empty"),
        ("lessons/lesson_02/exercises/README.md", 11, "X002",
         "`::: solution` block is never closed"),
    ]  # fmt: skip


@pytest.mark.integration
def test_pdf_moves_solutions_to_the_end_or_drops_them(make_course) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    root = make_course({"lessons/lesson_01/conspect.md": CONSPECT})
    course = load_course(root)
    pdf = root / "build/lesson_01/conspect.pdf"
    build(course, "pdf", [1], builder_options=(PdfOptions(engine="typst"),)).raise_for_failures()
    first, second = _pdf_text(pdf, 1), _pdf_text(pdf, 2)
    assert "Solution: Solution 1 at the end." in first and "Products" in first
    assert "pairing the terms" not in first
    assert second.startswith("Solutions Solution 1 (Sums) It is")  # a page of its own
    assert "pairing the terms" in second
    no_solutions = PdfOptions(engine="typst", solutions=False)
    build(course, "pdf", [1], builder_options=(no_solutions,)).raise_for_failures()
    text = _pdf_text(pdf, 1)
    assert "Solution" not in text and "pairing" not in text and "Products" in text


def _pdf_text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(done.stdout.split())


def test_site_exercises_page_and_no_solutions_setting(make_course) -> None:
    root = make_course(
        {
            "lessons/lesson_01/README.md": README,
            "lessons/lesson_01/exercises/README.md": EXERCISES,
        }
    )
    (root / "node_modules").symlink_to(REPO / "node_modules")
    build(load_course(root), "site").raise_for_failures()
    site = root / "build/site/lesson_01"
    page = (site / "exercises.html").read_text()
    assert page.count('<details class="solution">') == 2
    assert '<a href="index.html#homework">README</a>' in page
    lesson = (site / "index.html").read_text()
    # the README's materials list (repository paths) gives way to the titled materials panel
    assert '<li><a href="exercises.html">Exercises</a></li>' in lesson
    assert "exercises/README.md" not in lesson
    assert '<details class="solution">' in lesson
    yaml = (
        (root / "course.yaml")
        .read_text()
        .replace("lessons:", "build:\n  solutions: false\nlessons:")
    )
    (root / "course.yaml").write_text(yaml)
    build(load_course(root), "site").raise_for_failures()
    assert "details" not in (site / "exercises.html").read_text()
    assert "One, two, three" not in (site / "index.html").read_text()


NOTEBOOK = """\
# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sums
#
# We check $\\sum_{k=1}^{n} k=\\frac{n(n+1)}{2}$ and $\\E[X]$ of a die.

# %%
print("sum", sum(range(1, 11)))

# %% tags=["solution"]
mean = sum(range(1, 7)) / 6
print("mean", mean)
assert mean == 3.5
"""


@pytest.mark.integration
@pytest.mark.skipif(browser.chromium() is None, reason="Chromium not installed")
def test_browser_solution_collapsed_until_clicked_and_math_typeset(make_course) -> None:
    root = make_course(
        {
            "lessons/lesson_01/README.md": README,
            "lessons/lesson_01/exercises/README.md": EXERCISES,
            "lessons/lesson_01/notebooks/sums.py": NOTEBOOK,
        }
    )
    (root / "node_modules").symlink_to(REPO / "node_modules")
    course = load_course(root)
    build(course, "notebooks").raise_for_failures()
    build(course, "site").raise_for_failures()
    site = root / "build/site/lesson_01"
    tools = browser.DevTools()
    try:
        for page, text in (
            (site / "exercises.html", "Pair"),
            (site / "notebooks/sums.html", "mean 3.5"),
        ):
            tools.open(page.as_uri())
            if page.parent.name == "notebooks":  # nbconvert's page typesets in the browser
                tools.wait_for("window.MathJax && MathJax.startup && MathJax.startup.promise")
                tools.eval("MathJax.startup.promise")
            else:  # the site's pages carry their math typeset
                uri = page.as_uri()
                tools.wait_for(f"location.href === {uri!r} && document.readyState === 'complete'")
            assert tools.eval("document.querySelectorAll('mjx-container').length") >= 2
            assert not tools.eval("document.body.innerText.includes('\\\\sum')")
            hidden = (
                "(() => { const d = document.querySelector('details.solution');"
                f" return d.innerText.includes({text!r}) && !d.open; }})()"
            )
            assert tools.eval(f"document.body.innerText.includes({text!r})") is False
            assert tools.eval(hidden) is False  # innerText skips a closed details' body
            tools.click("details.solution > summary")
            tools.wait_for("document.querySelector('details.solution').open")
            assert tools.eval(f"document.body.innerText.includes({text!r})") is True
    finally:
        tools.close()
