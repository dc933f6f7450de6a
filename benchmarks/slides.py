"""Benchmark: building every deck to PDF with `course build slides` vs one Marp call per deck.

    python benchmarks/slides.py [--root COURSE] [--repeat N]

Works on a copy of the course's lessons in a temporary folder, so the course's own build/
is untouched and every cold run starts with nothing built. Prints:
  * cold PDF build of all decks: `course build slides --format pdf --force` (one Marp process)
  * a shell-style loop calling `marp --pdf` once per deck (same engine, theme and options)
  * their ratio, and the time of a no-op `course build slides` (everything up to date)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _venv

_venv.ensure()

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATES = REPO / "course_cli" / "data" / "templates"


def copy_course(src: Path, dst: Path) -> None:
    """Copy what the slides need: course.yaml, lessons, macros, the Marp theme and engine."""
    shutil.copy2(src / "course.yaml", dst / "course.yaml")
    shutil.copytree(src / "lessons", dst / "lessons")
    shutil.copytree(src / "materials", dst / "materials", ignore=shutil.ignore_patterns("*.pdf"))
    shutil.copytree(DEFAULT_TEMPLATES / "marp", dst / "templates" / "marp")


def cpu_of_children() -> float:
    """User + system CPU seconds of all finished child processes (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, timeout=900)
    return time.perf_counter() - start


def marp_loop(marp: Path, work: Path, decks: list[Path], env: dict[str, str]) -> float:
    """The per-deck shell loop: for d in lessons/*/slides/*.md; do marp … --pdf $d; done."""
    out = work / "loop"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    for deck in decks:
        subprocess.run(
            [str(marp), "--engine", str(work / "templates/marp/engine.mjs"),
             "--theme-set", str(work / "templates/marp/course.css"),
             "--allow-local-files", "--no-stdin", "--pdf", str(deck),
             "-o", str(out / f"{deck.parents[1].name}-{deck.stem}.pdf")],
            env={**env, "COURSE_MARP_MACROS": str(work / "materials/macros.tex")},
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--repeat", type=int, default=1, help="cold runs of each method")
    args = parser.parse_args()
    root = args.root.resolve()
    marp = root / "node_modules" / ".bin" / "marp"
    env = {**os.environ, "MARP_PATH": str(marp), "CI": "1"}
    course = [sys.executable, "-m", "course_cli"]
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        work = Path(tmp)
        copy_course(root, work)
        decks = sorted(work.glob("lessons/lesson_*/slides/*.md"))
        print(f"{len(decks)} decks, {os.cpu_count()} CPUs")

        cold: list[float] = []
        loop: list[float] = []
        cold_cpu: list[float] = []
        loop_cpu: list[float] = []
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            shutil.rmtree(work / "build", ignore_errors=True)
            cpu = cpu_of_children()
            cold.append(timed([*course, "build", "slides", "--format", "pdf", "--root",
                               str(work)], env, work))  # fmt: skip
            cold_cpu.append(cpu_of_children() - cpu)
            cpu = cpu_of_children()
            loop.append(marp_loop(marp, work, decks, env))
            loop_cpu.append(cpu_of_children() - cpu)

        build_all = [*course, "build", "slides", "--root", str(work)]
        timed(build_all, env, work)  # bring every default format up to date
        noop = [timed(build_all, env, work) for _ in range(5)]

    c, lp = statistics.median(cold), statistics.median(loop)
    cc, lc = statistics.median(cold_cpu), statistics.median(loop_cpu)
    print(f"cold `course build slides --format pdf`: {c:6.2f} s wall, {cc:6.2f} s CPU")
    print(f"per-deck `marp --pdf` loop:              {lp:6.2f} s wall, {lc:6.2f} s CPU")
    print(f"speed-up (median of {args.repeat}):                 {lp / c:6.2f}x wall, "
          f"{lc / cc:.2f}x CPU")  # fmt: skip
    print(f"no-op `course build slides` (median of 5): {statistics.median(noop):.3f} s "
          f"(min {min(noop):.3f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
