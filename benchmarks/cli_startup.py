#!/usr/bin/env python3
"""Wall time of `course --help` and `course list` against a bare `python -c pass`.

Prints the median of N runs of each and the ratio to the bare interpreter.
Target: `course --help` ≤ 0.2 s on a 2-core machine.
Usage: python benchmarks/cli_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _venv

_venv.ensure()

ROOT = Path(__file__).resolve().parents[1]


def median_time(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    py = sys.executable
    base = median_time([py, "-c", "pass"], args.runs)
    rows = [
        ("python -c pass", base),
        ("course --help", median_time([py, "-m", "course_cli", "--help"], args.runs)),
        ("course --version", median_time([py, "-m", "course_cli", "--version"], args.runs)),
        ("course list", median_time([py, "-m", "course_cli", "list"], args.runs)),
    ]
    print(f"{'command':<20} {'median s':>9} {'× python':>9}")
    for name, t in rows:
        print(f"{name:<20} {t:>9.3f} {t / base:>9.1f}")
    help_time = rows[1][1]
    verdict = "OK" if help_time <= 0.2 else "SLOW"
    print(f"target course --help <= 0.200 s: {help_time:.3f} s {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
