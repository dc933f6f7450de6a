#!/usr/bin/env python3
"""Time per lesson of `course check` (with its cache removed, so the rules run, and replayed), a
no-op `course build site` and `course build site --force` on synthetic courses of 12, 50, 200
and 400 lessons (target: flat within 1.5× from 50 to 400).

The courses are written to a scratch folder (never this course's own build/): lessons like real
ones (see _synth.py) with stand-ins for the built slides and PDFs the site copies. Every round
runs each command once on every size, interleaved with a bare `python -c pass`, so a busy
machine slows all of them alike; each figure is the min and the median of the rounds. Prints
the load average before and after, as the 2 cores may be shared. The commands run with
bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as an installed toolkit runs.
Usage: python benchmarks/scale.py [--rounds N] [--sizes 12,50,200,400]
"""

from __future__ import annotations

import argparse
import atexit
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
from _synth import ROOT, add_built_outputs, make_course

_venv.ensure()
CACHE = tempfile.mkdtemp(prefix="course-bench-cache-")  # help screens: not the user's cache
atexit.register(shutil.rmtree, CACHE, True)

CASES = {
    "check, no cache": ["check"],  # build/.cache/check.json removed first: the rules run
    "check": ["check"],
    "no-op build site": ["build", "site"],
    "build site --force": ["build", "site", "--force"],
}


CPU: list[float] = [0.0]  # CPU seconds (user + system) of the last timed command and its children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120", "XDG_CACHE_HOME": CACHE}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    CPU[0] = _children_cpu() - cpu
    if proc.returncode not in (0, 1):  # 1: check found problems (still a full check)
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="12,50,200,400")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    py = sys.executable
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory() as tmp:
        roots = {}
        for size in sizes:
            roots[size] = make_course(Path(tmp), size)
            add_built_outputs(roots[size], size)
            timed([py, "-m", "course_cli", "build", "site"], roots[size])  # the first build
        times: dict[tuple[str, int], list[float]] = {}
        cpu: dict[tuple[str, int], list[float]] = {}
        base: list[float] = []
        for _ in range(max(1, args.rounds)):
            base.append(timed([py, "-c", "pass"], Path(tmp)))
            for size in sizes:
                for name, cmd in CASES.items():
                    if name == "check, no cache":
                        (roots[size] / "build" / ".cache" / "check.json").unlink(missing_ok=True)
                    t = timed([py, "-m", "course_cli", *cmd], roots[size])
                    times.setdefault((name, size), []).append(t)
                    cpu.setdefault((name, size), []).append(CPU[0])
    floor = statistics.median(base)
    print(f"python -c pass: min {min(base):.3f} s, median {floor:.3f} s ({args.rounds} rounds)")
    head = f"{'command':<20} {'lessons':>7} {'min s':>7} {'median s':>8} {'ms/lesson':>9}"
    print(head + f" {'marginal ms/lesson':>18}")
    verdicts = []
    for name in CASES:
        per_lesson, marginal = {}, {}
        previous: tuple[int, float] | None = None
        for size in sizes:
            values = times[(name, size)]
            med = statistics.median(values)
            per_lesson[size] = 1000 * med / size
            # the cost of one more lesson against the previous size: flat when growth is linear
            if previous is not None:
                marginal[size] = 1000 * (med - previous[1]) / (size - previous[0])
            previous = (size, med)
            row = f"{name:<20} {size:>7} {min(values):>7.3f} {med:>8.3f} {per_lesson[size]:>9.2f}"
            print(row + (f" {marginal[size]:>18.2f}" if size in marginal else ""))
        big = [s for s in sizes if s >= 50]
        if len(big) >= 2:
            ratio = max(per_lesson[s] for s in big) / min(per_lesson[s] for s in big)
            verdict = "OK" if ratio <= 1.5 else "NOT FLAT"
            verdicts.append(f"{name}: ms/lesson max/min over {big} = {ratio:.2f} {verdict}")
            # growth: ms/lesson at a larger size against the smallest (a fixed cost spread over
            # more lessons makes ms/lesson fall, which the spread above counts as not flat)
            growth = max(per_lesson[s] for s in big[1:]) / per_lesson[big[0]]
            verdict = "OK" if growth <= 1.5 else "GROWS"
            verdicts.append(
                f"{name}: ms/lesson at {big[1:]} / at {big[0]} = {growth:.2f} at most {verdict}"
            )
        steps = [s for s in big if s in marginal and s > big[0]]
        if len(steps) >= 2 and min(marginal[s] for s in steps) > 0:
            ratio = max(marginal[s] for s in steps) / min(marginal[s] for s in steps)
            verdict = "OK" if ratio <= 1.5 else "NOT LINEAR"
            verdicts.append(f"{name}: marginal ms/lesson max/min above 50 = {ratio:.2f} {verdict}")
    # CPU time is what the command itself spends: on a shared machine the wall-clock time also
    # holds the time spent waiting for a core, which grows with the length of the run
    head = f"{'CPU (user+system)':<20} {'lessons':>7} {'median s':>8} {'ms/lesson':>9}"
    print(head + f" {'marginal':>9}")
    for name in CASES:
        previous_cpu: tuple[int, float] | None = None
        marginal_cpu: dict[int, float] = {}
        for size in sizes:
            med = statistics.median(cpu[(name, size)])
            row = f"{name:<20} {size:>7} {med:>8.3f} {1000 * med / size:>9.2f}"
            if previous_cpu is not None:
                marginal_cpu[size] = 1000 * (med - previous_cpu[1]) / (size - previous_cpu[0])
                row += f" {marginal_cpu[size]:>9.2f}"
            previous_cpu = (size, med)
            print(row)
        steps = [s for s in sizes if s > 50 and s in marginal_cpu]
        if len(steps) >= 2 and min(marginal_cpu[s] for s in steps) > 0:
            ratio = max(marginal_cpu[s] for s in steps) / min(marginal_cpu[s] for s in steps)
            verdict = "OK" if ratio <= 1.5 else "NOT LINEAR"
            verdicts.append(
                f"{name}: marginal CPU ms/lesson max/min above 50 = {ratio:.2f} {verdict}"
            )
    print("target: time per lesson flat within 1.5x from 50 to 400 lessons (ms/lesson also falls")
    print("as the fixed start-up cost spreads; the marginal cost per lesson shows the growth)")
    for line in verdicts:
        print("  " + line)
    print(f"after: {_venv.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
