#!/usr/bin/env python3
"""Fixed cost of a command: `course --help`, `course list` and `course check` against a bare
`python -c pass`, in interleaved rounds.

Every round runs each command once (a new process), in the same order, so a busy machine slows
all of them alike; prints the min and median time of each and the min and median of its ratio
to `python -c pass` of the same round, with the load average before and after. The course is a
scratch copy of this course's sources (lessons/, materials/, templates/, course.yaml,
README.md) in a temporary folder. Targets (issue 21): `course --help` <= 3x and `course check`
<= 5x `python -c pass`.
Usage: python benchmarks/cli_startup.py [--rounds N]
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

_venv.ensure()

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "course --help": ["--help"],
    "course list": ["list"],
    "course check": ["check"],
}
TARGETS = {"course --help": 3.0, "course check": 5.0}


def timed(argv: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def scratch_course(base: Path) -> Path:
    root = base / "course"
    root.mkdir()
    for name in ("lessons", "materials", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name)
    for name in ("course.yaml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    py = sys.executable
    print(f"before: {_venv.load()}")
    times: dict[str, list[float]] = {"python -c pass": []}
    ratios: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch_course(Path(tmp))
        for _ in range(max(3, args.rounds)):
            base = timed([py, "-c", "pass"], root)
            times["python -c pass"].append(base)
            for name, cmd in COMMANDS.items():
                t = timed([py, "-m", "course_cli", *cmd], root)
                times.setdefault(name, []).append(t)
                ratios.setdefault(name, []).append(t / base)
    print(f"{'command':<16} {'min s':>7} {'median s':>8} {'min ×':>7} {'median ×':>8}  target")
    for name, values in times.items():
        row = f"{name:<16} {min(values):>7.3f} {statistics.median(values):>8.3f}"
        if name in ratios:
            lo, med = min(ratios[name]), statistics.median(ratios[name])
            target = TARGETS.get(name)
            verdict = f"<= {target:.0f}x {'OK' if med <= target else 'SLOW'}" if target else ""
            row += f" {lo:>7.1f} {med:>8.1f}  {verdict}"
        print(row)
    print(f"after: {_venv.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
