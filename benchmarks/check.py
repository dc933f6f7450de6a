#!/usr/bin/env python3
"""`course check` on scratch copies of this course at 12 (itself), 50 and 200 lessons.

What this measures: the whole command (`python -m course_cli check`, a new process: start-up,
imports, reading, every rule, the report) on real lessons; a larger course repeats the real
lessons (lesson 13 is a copy of lesson 1 with its course.yaml entry, and so on; see
_bench.scratch_course), so every lesson costs what a real one does.
Floor: `python -c pass` in the same round (the interpreter start every command pays).
No other baseline: `course check` runs no external tool (its rules scan the text directly,
not through pandoc or a Markdown parser), so there is no raw command doing the same work, and
a hand-written loop that only parses the files would do less than the check.
Targets: the 12-lesson course <= 5x the floor; the time per lesson flat (within 1.5x) from 50
to 200 lessons (the marginal cost of one more lesson is printed).
Usage: python benchmarks/check.py [--rounds N] [--sizes 12,50,200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import _venv
from _bench import course, rounds, run, scratch_course, table, verdict

_venv.ensure()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="12,50,200")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        cases = {"python -c pass": lambda: run([sys.executable, "-c", "pass"], Path(tmp))}
        floors: dict[str, str] = {}
        for size in sizes:
            root = scratch_course(Path(tmp) / f"course_{size}", size if size > 12 else None)
            name = f"course check ({size} lessons)"
            # exit 1 (findings) is still a complete check
            cases[name] = lambda r=root: run(course("check"), r, ok=(0, 1))  # type: ignore[misc]
            floors[name] = "python -c pass"
        times = rounds(cases, args.rounds)
    print(f"after: {_venv.load()}")
    medians = table(times, floors)
    per_lesson = {s: statistics.median(times[f"course check ({s} lessons)"]) / s for s in sizes}
    for prev, size in zip([None, *sizes], sizes, strict=False):
        line = f"course check, {size} lessons: {1000 * per_lesson[size]:.1f} ms per lesson"
        if prev:
            extra = per_lesson[size] * size - per_lesson[prev] * prev
            line += f", {1000 * extra / (size - prev):.1f} ms for each lesson above {prev}"
        print(line)
    if 12 in sizes:
        verdict(
            "course check (12 lessons) / python -c pass", medians[f"course check ({12} lessons)"], 5
        )
    big = [s for s in sizes if s >= 50]
    if len(big) >= 2:
        growth = per_lesson[big[-1]] / per_lesson[big[0]]
        verdict(f"ms per lesson, {big[-1]} vs {big[0]} lessons", growth, 1.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
