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
from _synth import make_course

_venv.ensure()

ROOT = Path(__file__).resolve().parents[1]


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
