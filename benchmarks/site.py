#!/usr/bin/env python3
"""Time `course build site` for this course from up-to-date outputs (target: ≤ 1 s).

Prints the cold site build (build/site removed; slides/PDFs as they are) and the no-op rebuild,
each the median of N runs of the real command.
Usage: python benchmarks/site.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _venv

_venv.ensure()

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cmd = [sys.executable, "-m", "course_cli", "build", "site"]
    base = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(args.runs))
    cold = []
    for _ in range(args.runs):
        shutil.rmtree(ROOT / "build" / "site", ignore_errors=True)
        cold.append(timed(cmd))
    noop = [timed(cmd) for _ in range(args.runs)]
    pages = len(list((ROOT / "build" / "site").rglob("*.html")))
    print(f"site: {pages} HTML pages")
    print(f"{'case':<28} {'median s':>9} {'× python':>9}")
    for name, values in (("cold course build site", cold), ("no-op course build site", noop)):
        t = statistics.median(values)
        print(f"{name:<28} {t:>9.3f} {t / base:>9.1f}")
    verdict = "OK" if statistics.median(cold) <= 1.0 else "SLOW"
    print(f"target cold site build <= 1.0 s: {statistics.median(cold):.3f} s {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
