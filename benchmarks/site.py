#!/usr/bin/env python3
"""`course build site --force` of this course, before and after build-time math, against MkDocs.

On scratch copies of this course (its tracked files; built slides and PDFs are not copied, so
all three sites hold the same pages), interleaved rounds of:

- before: the toolkit of ``--before`` (default: the merge base with ``main``, a page that loads
  the 2.2 MB MathJax script and typesets in the browser), ``course build site --force``;
- after: this checkout's toolkit (math typeset to SVG at build time), ``--force`` with the
  formula cache of the previous round, and ``cold``: the same with the cache deleted;
- mkdocs: ``mkdocs build --clean`` of an MkDocs project of the same Markdown pages (the lesson
  READMEs, exercises and book extracts; no math extension: it leaves the TeX as text).

Prints min and median seconds and the min and median ratio to MkDocs of the same round, then
the page weight of a lesson page: its HTML plus every stylesheet, script and font it loads
(each counted once per page), raw and gzipped, mean and largest over the lessons.
Usage: python benchmarks/site.py [--rounds N] [--before REV]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import _venv

_venv.ensure()

ROOT = Path(__file__).resolve().parents[1]


def run(argv: list[str], cwd: Path, toolkit: Path | None = None) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    if toolkit is not None:
        env["PYTHONPATH"] = str(toolkit)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def copy_course(dest: Path) -> Path:
    """The tracked files of this checkout (as they are on disk) under ``dest``, without the
    toolkit's own code (``python -m course_cli`` in the copy must run the toolkit chosen by
    PYTHONPATH, not a copy beside the course)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    skip = (b"course_cli/", b"tests/", b"benchmarks/")
    for name in (n for n in files if n and not n.startswith(skip)):
        src = ROOT / name.decode()
        if src.is_file():
            (dest / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name.decode())
    os.symlink((ROOT / "node_modules").resolve(), dest / "node_modules")
    return dest


def toolkit_at(rev: str, dest: Path) -> Path:
    """The course_cli package of git revision ``rev`` under ``dest``."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", rev, "course_cli"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def mkdocs_project(course: Path, dest: Path) -> Path:
    """An MkDocs project of the pages the course site renders from Markdown: the course
    README, each lesson README, its exercises and its book extract."""
    docs = dest / "docs"
    docs.mkdir(parents=True)
    shutil.copy(course / "README.md", docs / "index.md")
    nav = []
    for lesson in sorted((course / "lessons").glob("lesson_*")):
        page = docs / lesson.name
        page.mkdir()
        shutil.copy(lesson / "README.md", page / "index.md")
        nav.append(f"  - {lesson.name}: {lesson.name}/index.md\n")
        for src, name in (("exercises/README.md", "exercises"), ("book/book.md", "book")):
            if (lesson / src).is_file():
                shutil.copy(lesson / src, page / f"{name}.md")
                nav.append(f"  - {lesson.name} {name}: {lesson.name}/{name}.md\n")
    config = "site_name: Course\nnav:\n  - Home: index.md\n" + "".join(nav)
    (dest / "mkdocs.yml").write_text(config, encoding="utf-8")
    return dest


_LOADS = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"')
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def page_weight(page: Path) -> tuple[int, int]:
    """Bytes (raw, gzipped) of ``page`` and the stylesheets, scripts and fonts it loads."""
    files = {page}
    for ref in _LOADS.findall(page.read_text(encoding="utf-8", errors="replace")):
        if "://" in ref:
            continue
        path = (page.parent / unquote(urlparse(ref).path)).resolve()
        if path.is_file():
            files.add(path)
            if path.suffix == ".css":
                for url in _CSS_URL.findall(path.read_text(encoding="utf-8", errors="replace")):
                    font = (path.parent / unquote(urlparse(url).path)).resolve()
                    if font.suffix in {".woff2"} and font.is_file():
                        files.add(font)
    raw = sum(p.stat().st_size for p in files)
    packed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    return raw, packed


def lesson_pages(site: Path) -> list[Path]:
    return sorted(site.glob("lesson_*/index.html"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default="")
    args = parser.parse_args()
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    if mkdocs is None:
        print("MkDocs is not installed: pip install mkdocs (the project's bench extra)")
        return 3
    before_rev = (
        args.before
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    py = sys.executable
    print(f"before = {before_rev[:12]}; {_venv.load()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        old = copy_course(base / "before")
        new = copy_course(base / "after")
        old_toolkit = toolkit_at(before_rev, base / "toolkit_before")
        project = mkdocs_project(new, base / "mkdocs")
        build = [py, "-m", "course_cli", "build", "site", "--force"]
        run(build, old, old_toolkit)  # warm-up: the tool version caches, the formula cache
        run(build, new, ROOT)
        times: dict[str, list[float]] = {"before": [], "after": [], "after cold": [], "mkdocs": []}
        for _ in range(max(3, args.rounds)):
            times["before"].append(run(build, old, old_toolkit))
            times["after"].append(run(build, new, ROOT))
            (new / "build" / ".cache" / "site-math.sqlite").unlink(missing_ok=True)
            times["after cold"].append(run(build, new, ROOT))
            times["mkdocs"].append(run([mkdocs, "build", "--clean", "--quiet"], project))
        head = f"{'course build site --force':<28} {'min s':>7} {'median s':>9}"
        print(f"{head} {'÷ mkdocs min/med':>17}")
        for name, values in times.items():
            ratios = [a / b for a, b in zip(values, times["mkdocs"], strict=True)]
            print(
                f"{name:<28} {min(values):>7.2f} {statistics.median(values):>9.2f}"
                f" {min(ratios):>8.2f}/{statistics.median(ratios):<8.2f}"
            )
        print("\nlesson page weight (HTML + the CSS/JS/fonts it loads, each once), bytes:")
        columns = ("mean raw", "max raw", "mean gzip", "max gzip")
        print(f"{'site':<8} {'pages':>5} " + " ".join(f"{c:>10}" for c in columns))
        sites = {
            "before": lesson_pages(old / "build" / "site"),
            "after": lesson_pages(new / "build" / "site"),
            "mkdocs": sorted((project / "site").glob("lesson_*/index.html")),
        }
        for name, pages in sites.items():
            weights = [page_weight(p) for p in pages]
            raw = [w[0] for w in weights]
            packed = [w[1] for w in weights]
            print(
                f"{name:<8} {len(pages):>5} {statistics.mean(raw):>10.0f} {max(raw):>10}"
                f" {statistics.mean(packed):>10.0f} {max(packed):>10}"
            )
        for name in ("before", "after"):
            site = (old if name == "before" else new) / "build" / "site"
            books = sorted(site.glob("lesson_*/book.html"))
            if books:
                weights = [page_weight(p) for p in books]
                print(
                    f"{name:<8} book extract pages ({len(books)}): mean raw "
                    f"{statistics.mean(w[0] for w in weights):.0f}, mean gzip "
                    f"{statistics.mean(w[1] for w in weights):.0f}"
                )
        scripts = [p for p in sites["after"] if "mathjax/" in p.read_text().lower()]
        print(f"after: lesson pages that mention a MathJax script: {len(scripts)}")
    print(f"after run: {_venv.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
