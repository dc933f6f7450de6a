"""Synthetic courses for the benchmarks: lessons written like real ones (a README with the four
sections, a conspect with display and inline math, a Marp deck with an image, cross-links with
anchors), optionally with stand-ins for the built slides and PDFs the site copies."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the toolkit of this checkout (also when not installed)

README = """# Lesson {n}: Topic {n}

Lesson {n} of a synthetic course. See [the conspect](conspect.md#the-estimator) and the
[slides](slides/slides.md).

## Objectives

- Derive the estimator $\\hat\\mu_n$ and its variance $\\Var(\\hat\\mu_n) = \\sigma^2 / n$.
- Relate it to the policy gradient $\\grad J(\\theta) = \\E[\\grad \\log \\pitheta(a \\mid s) A]$.
- Run {n} steps of $\\theta_{{k+1}} = \\theta_k + \\alpha_{{{n}}} \\grad J(\\theta_k)$ with
  $\\alpha_{{{n}}} = 1/{n}$ (a formula of this lesson only).

## Outline

1. Motivation (15 min). 2. Derivation (45 min). 3. Exercises (30 min).

## Reading

- [Lesson {prev}](../lesson_{prev:02d}/README.md#objectives)

## Homework

1. Prove that $\\E[\\hat\\mu_n] = \\mu$.
"""

CONSPECT = (
    """---
title: "Lesson {n}"
lesson: {n}
---

# The estimator

For i.i.d. samples $x_1, \\dots, x_n$ the estimate is
$$
\\hat\\mu_n = \\frac{{1}}{{n}} \\sum_{{i=1}}^{{n}} f(x_i), \\qquad
\\E[\\hat\\mu_n] = \\mu . \\label{{eq:mc-{n}}}
$$

$$
\\begin{{aligned}}
\\Var(\\hat\\mu_n) &= \\frac{{1}}{{n^2}} \\sum_{{i=1}}^{{n}} \\Var(f(x_i)) \\\\
&= \\frac{{\\sigma^2}}{{n}} .
\\end{{aligned}}
$$

The clipped objective $\\min\\left(r_t(\\theta) \\Ahat_t, \\clip(r_t(\\theta), 1-\\epsilon,
1+\\epsilon) \\Ahat_t\\right)$ and $\\KL(\\pitheta \\,\\|\\, \\piref)$ follow
(see \\eqref{{eq:mc-{n}}}).
"""
    + "\nProse with $x_t$ and $\\gamma^t r_t$ and a [link](#the-estimator).\n" * 40
)

DECK = (
    """---
marp: true
theme: course
math: mathjax
paginate: true
---

# Lesson {n}

![A plot of the estimate](img/plot.svg)

---

# The estimator

$$\\hat\\mu_n = \\frac{{1}}{{n}}\\sum_{{i=1}}^{{n}} f(x_i)$$

<!-- speaker notes -->
"""
    + "\n---\n\n# Slide\n\n- $\\E_{{\\pitheta}}[R]$ and $\\grad J$\n" * 30
)


def make_course(base: Path, lessons: int) -> Path:
    """Write a synthetic course with ``lessons`` lessons under ``base``; return its root."""
    from course_cli.core.config import load_course
    from course_cli.readme import END, START, render_roadmap

    root = base / f"course_{lessons}"
    (root / "materials").mkdir(parents=True)
    (root / "materials" / "macros.tex").write_text(
        (ROOT / "materials" / "macros.tex").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (root / "templates" / "marp").mkdir(parents=True)
    (root / "templates" / "marp" / "course.css").write_text("/* @theme course */\n")
    entries = "".join(
        f"  - number: {n}\n    title: Topic {n}\n    summary: Lesson {n}.\n"
        for n in range(1, lessons + 1)
    )
    (root / "course.yaml").write_text(f"title: Synthetic\nlessons:\n{entries}", encoding="utf-8")
    for n in range(1, lessons + 1):
        d = root / "lessons" / f"lesson_{n:02d}"
        (d / "slides" / "img").mkdir(parents=True)
        prev = max(1, n - 1)
        (d / "README.md").write_text(README.format(n=n, prev=prev), encoding="utf-8")
        (d / "conspect.md").write_text(CONSPECT.format(n=n), encoding="utf-8")
        (d / "slides" / "slides.md").write_text(DECK.format(n=n), encoding="utf-8")
        (d / "slides" / "img" / "plot.svg").write_text("<svg/>", encoding="utf-8")
    table = render_roadmap(load_course(root))
    (root / "README.md").write_text(f"# Synthetic\n\n{START}\n{table}{END}\n", encoding="utf-8")
    return root


#: The smallest PDF the engine accepts as an output (a header, one page, the %%EOF trailer).
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def add_built_outputs(root: Path, lessons: int) -> None:
    """Give every lesson the built outputs the site copies (slides.html, slides.pdf,
    conspect.pdf), so `course build site` plans and copies them as on a built course; give it
    the default site templates (as `course init` does) and link node_modules (MathJax) from
    the toolkit's checkout."""
    for n in range(1, lessons + 1):
        built = root / "build" / f"lesson_{n:02d}"
        built.mkdir(parents=True, exist_ok=True)
        html = f"<!DOCTYPE html><html><body><h1>Lesson {n}</h1>{'<p>slide</p>' * 200}</body></html>"
        (built / "slides.html").write_text(html, encoding="utf-8")
        (built / "slides.pdf").write_bytes(TINY_PDF)
        (built / "conspect.pdf").write_bytes(TINY_PDF)
    from course_cli.core.templating import DEFAULTS

    shutil.copytree(DEFAULTS / "site", root / "templates" / "site", dirs_exist_ok=True)
    link = root / "node_modules"
    if not link.exists():
        os.symlink((ROOT / "node_modules").resolve(), link)
