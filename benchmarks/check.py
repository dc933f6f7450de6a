#!/usr/bin/env python3
"""Time of `course check` on this course and on synthetic courses of 12/50/100/200 lessons.

Each figure is the median of N runs of the real command (`python -m course_cli check`, a new
process each time: interpreter start, imports, parsing, rules, rendering). Synthetic lessons are
written like real ones: a README with the four sections, a conspect with display and inline
math, a Marp deck with an image, cross-links with anchors. The cost per lesson shows whether the
check grows linearly. Target: the 12-lesson course in <= 0.5 s.
Usage: python benchmarks/check.py [--runs N] [--sizes 12,50,100,200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _venv

_venv.ensure()

ROOT = Path(__file__).resolve().parents[1]

README = """# Lesson {n}: Topic {n}

Lesson {n} of a synthetic course. See [the conspect](conspect.md#the-estimator) and the
[slides](slides/slides.md).

## Objectives

- Derive the estimator $\\hat\\mu_n$ and its variance $\\Var(\\hat\\mu_n) = \\sigma^2 / n$.
- Relate it to the policy gradient $\\grad J(\\theta) = \\E[\\grad \\log \\pitheta(a \\mid s) A]$.

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
    from course_cli.config import load_course
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


def median_wall(root: Path, runs: int) -> tuple[float, float, str]:
    """Median wall and CPU (user+sys) time of `course check` in ``root``, and its summary line.

    CPU time is shown because wall time on a busy machine measures the other processes too.
    """
    import resource

    times, cpus, last = [], [], ""
    env = {**os.environ, "COLUMNS": "120"}
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "course_cli", "check", "--root", str(root)],
            cwd=root,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        lines = [x for x in proc.stdout.splitlines() if x.strip()]
        last = lines[-1] if lines else proc.stderr.strip()
    return statistics.median(times), statistics.median(cpus), last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="12,50,100,200")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    head = f"{'course':<12} {'lessons':>7} {'wall s':>7} {'cpu s':>6} {'+cpu ms/lesson':>14}"
    print(head + "  summary")
    real, cpu, summary = median_wall(ROOT, args.runs)
    print(f"{'this course':<12} {12:>7} {real:>7.3f} {cpu:>6.3f} {'':>14}  {summary}")
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            root = make_course(Path(tmp), size)
            t, c, summary = median_wall(root, args.runs)
            # marginal CPU per lesson against the previous size: flat when growth is linear
            marginal = f"{1000 * (c - previous[1]) / (size - previous[0]):.1f}" if previous else ""
            print(f"{'synthetic':<12} {size:>7} {t:>7.3f} {c:>6.3f} {marginal:>14}  {summary}")
            previous = (size, c)
    verdict = "OK" if real <= 0.5 else "SLOW"
    print(
        f"target: 12-lesson course <= 0.500 s wall: {real:.3f} s {verdict} (cpu {cpu:.3f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
