#!/usr/bin/env python3
"""Time executing the course's notebooks: `course build notebooks --jobs 2` against a serial
`jupyter nbconvert --to notebook --execute` loop on the same notebooks; and the no-op rebuild.

Works on a scratch copy of the course (lessons/, materials/, templates/, course.yaml and a link
to node_modules) in a temporary folder, never on the course's own build/. Rounds interleave the
two ways (toolkit, then the loop, then toolkit …) so a change of machine load hits both; each
round of the toolkit starts from an empty build/. Prints every time, the min and median ratios,
and the load average before and after (other work on the machine disturbs the numbers).
Usage: python benchmarks/notebooks.py [--repeats N] [--jobs K]
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

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def scratch_copy(dest: Path) -> Path:
    """A copy of the course without build/ (node_modules linked, not copied)."""
    for name in ("lessons", "materials", "templates"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "course.yaml", dest / "course.yaml")
    (dest / "node_modules").symlink_to((ROOT / "node_modules").resolve())
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        course = scratch_copy(Path(tmp) / "course")
        notebooks = sorted(course.glob("lessons/lesson_*/notebooks/*.ipynb"))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        build = [sys.executable, "-m", "course_cli", "build", "notebooks", "--jobs",
                 str(args.jobs), "--root", str(course)]  # fmt: skip
        toolkit, loop = [], []
        for _ in range(args.repeats):
            shutil.rmtree(course / "build", ignore_errors=True)
            start = time.perf_counter()
            subprocess.run(build, cwd=ROOT, env=env, check=True, capture_output=True)
            toolkit.append(time.perf_counter() - start)
            out = Path(tmp) / "nbconvert"
            shutil.rmtree(out, ignore_errors=True)
            start = time.perf_counter()
            for nb in notebooks:
                subprocess.run(
                    [str(Path(sys.executable).with_name("jupyter")), "nbconvert", "--to",
                     "notebook", "--execute", "--ExecutePreprocessor.timeout=600",
                     f"--output-dir={out / nb.parents[1].name}", str(nb)],
                    cwd=nb.parents[1], check=True, capture_output=True,
                )  # fmt: skip
            loop.append(time.perf_counter() - start)
        noop = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            subprocess.run(build, cwd=ROOT, env=env, check=True, capture_output=True)
            noop.append(time.perf_counter() - start)
    load_after = os.getloadavg()
    print(f"{len(notebooks)} notebooks, {args.repeats} interleaved rounds, --jobs {args.jobs}")
    before = " ".join(f"{x:.2f}" for x in load_before)
    after = " ".join(f"{x:.2f}" for x in load_after)
    print(f"load average before: {before}  after: {after}  ({os.cpu_count()} CPUs)")
    print(f"{'case':<46} {'times s':<26} {'min':>7} {'median':>7}")
    rows = (
        (f"course build notebooks --jobs {args.jobs} (cold)", toolkit),
        ("serial jupyter nbconvert --execute loop", loop),
        ("course build notebooks (no-op rebuild)", noop),
    )
    for name, values in rows:
        shown = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:<46} {shown:<26} {min(values):>7.2f} {statistics.median(values):>7.2f}")
    print(
        f"speed-up of the toolkit over the loop: min {min(loop) / min(toolkit):.2f}x, "
        f"median {statistics.median(loop) / statistics.median(toolkit):.2f}x"
    )
    ratio = statistics.median(loop) / statistics.median(noop)
    print(f"no-op rebuild vs the loop: median {ratio:.0f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
