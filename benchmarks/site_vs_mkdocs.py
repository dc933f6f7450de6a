#!/usr/bin/env python3
"""`course build site --force` against `mkdocs build` on the same synthetic lessons (12 and 200).

Both build every page from scratch: the course site (a page per lesson README with its math
typeset to SVG, the home and book pages, the built slides and PDFs copied) and an MkDocs
project whose docs/ holds the same READMEs as pages and the same slides, PDFs and images as
files (MkDocs has no math extension: it leaves the TeX as text). ``--force`` keeps the
caches keyed by content: the formula cache (build/.cache/site-math.sqlite: MathJax version,
macros), the conspects' HTML (build/.cache/site-notes/: their bytes, pandoc) and the search
text of each page (build/.cache/search-pages.json: the page's bytes); the "cold" row deletes
all three first, so every formula is typeset, every conspect converted and every page read
for the index again. Each lesson README has formulas of
its own besides the ones all lessons share. Rounds interleave, so a busy machine slows all
alike; prints the min and median time of each and the min and median of the ratio
course/MkDocs of the same round, with the load average. Everything runs in a scratch folder.
Target (issue 21): not slower than MkDocs.
Needs MkDocs (`pip install mkdocs`; the project's `bench` extra).
Usage: python benchmarks/site_vs_mkdocs.py [--rounds N] [--sizes 12,200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _venv
from _synth import ROOT, add_built_outputs, make_course

_venv.ensure()


def timed(argv: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def mkdocs_project(course: Path, lessons: int) -> Path:
    """The same lessons as an MkDocs project: each README a page, each built file copied."""
    project = course.parent / f"mkdocs_{lessons}"
    docs = project / "docs"
    docs.mkdir(parents=True)
    shutil.copy(course / "README.md", docs / "index.md")
    nav = []
    for n in range(1, lessons + 1):
        name = f"lesson_{n:02d}"
        page = docs / name
        page.mkdir()
        shutil.copy(course / "lessons" / name / "README.md", page / "index.md")
        for built in (course / "build" / name).glob("*"):
            shutil.copy(built, page / built.name)
        shutil.copytree(course / "lessons" / name / "slides" / "img", page / "img")
        nav.append(f"  - Lesson {n}: {name}/index.md\n")
    config = "site_name: Synthetic\nnav:\n  - Home: index.md\n" + "".join(nav)
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="12,200")
    args = parser.parse_args()
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        print("MkDocs is not installed: pip install mkdocs")
        return 3
    sizes = [int(x) for x in args.sizes.split(",") if x]
    py = sys.executable
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for size in sizes:
            course = make_course(Path(tmp), size)
            add_built_outputs(course, size)
            project = mkdocs_project(course, size)
            build = [py, "-m", "course_cli", "build", "site", "--force"]
            timed(build, course)  # the tool version cache and the formula cache
            ours, cold, theirs = [], [], []
            for _ in range(max(3, args.rounds)):
                ours.append(timed(build, course))
                (course / "build" / ".cache" / "site-math.sqlite").unlink(missing_ok=True)
                shutil.rmtree(course / "build" / ".cache" / "site-notes", ignore_errors=True)
                (course / "build" / ".cache" / "search-pages.json").unlink(missing_ok=True)
                cold.append(timed(build, course))
                theirs.append(timed([mkdocs, "build", "--clean", "--quiet"], project))
            pages = len(list((course / "build" / "site").rglob("*.html")))
            their_pages = len(list((project / "site").rglob("*.html")))
            rows.append((size, "--force", ours, theirs, pages, their_pages))
            rows.append((size, "--force, cold", cold, theirs, pages, their_pages))
    print(
        f"{'lessons':>7} {'course build site':<18} {'course min/med s':>17} "
        f"{'mkdocs min/med s':>17} {'ratio min/med':>14}"
    )
    for size, name, ours, theirs, pages, their_pages in rows:
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(
            f"{size:>7} {name:<18} {min(ours):>8.3f}/{statistics.median(ours):<8.3f}"
            f" {min(theirs):>8.3f}/{statistics.median(theirs):<8.3f}"
            f" {min(ratios):>6.2f}/{statistics.median(ratios):<6.2f}"
            f"  ({pages} vs {their_pages} HTML files)"
        )
    print("target: course/MkDocs ratio <= 1.0 at every size")
    print(f"after: {_venv.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
