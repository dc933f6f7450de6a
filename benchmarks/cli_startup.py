#!/usr/bin/env python3
"""Fixed cost of a command: `course --help`, `course list`, `course check` (replayed and with
its cache removed) and a no-op `course build all`, against a bare `python -c pass`, in
interleaved rounds.

Every round runs each command once (a new process), in the same order, so a busy machine slows
all of them alike; prints the min and median time of each and the min and median of its ratio
to `python -c pass` of the same round, with the load average before and after. The course is a
scratch copy of this course's sources (lessons/, materials/, templates/, course.yaml,
README.md) in a temporary folder; the no-op build needs a fully built copy: pass one made
earlier with --built DIR (e.g. a copy on which `course build all` ran), else the script builds
one first (minutes: slides, PDFs, the book, notebooks, the site). One unmeasured round first
fills the caches (help screens in a scratch XDG_CACHE_HOME, build/.cache/). The commands run
with bytecode caching on (PYTHONDONTWRITEBYTECODE removed), as an installed toolkit runs.
Targets (issue 21): `course --help` <= 3x, `course check` and a no-op `course build all`
<= 5x `python -c pass`.
Usage: python benchmarks/cli_startup.py [--rounds N] [--built DIR]
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

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "course --help": ["--help"],
    "course list": ["list"],
    "course check": ["check"],
    "check, no cache": ["check"],  # build/.cache/check.json removed first: the rules run
    "no-op build all": ["build", "all"],
}
TARGETS = {"course --help": 3.0, "course check": 5.0, "no-op build all": 5.0}
ENV: dict[str, str] = {}


CPU: list[float] = [0.0]  # CPU seconds (user + system) of the last timed command


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], cwd: Path) -> float:
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    CPU[0] = _children_cpu() - cpu
    return seconds


def scratch_course(base: Path) -> Path:
    root = base / "course"
    root.mkdir()
    for name in ("lessons", "materials", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name)
    for name in ("course.yaml", "README.md"):
        shutil.copy(ROOT / name, root / name)
    return root


def built_course(base: Path, given: Path | None) -> Path:
    """A fully built scratch copy: ``given``, or a new one built here (timed)."""
    if given is not None:
        if not (given / "build" / ".manifest.json").is_file():
            raise SystemExit(f"{given}: no build/.manifest.json (run `course build all` there)")
        return given
    root = scratch_course(base)
    modules = ROOT / "node_modules"
    if modules.exists():
        (root / "node_modules").symlink_to(modules.resolve())
    for name in ("package.json", "package-lock.json"):
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, root / name)
    print("building a scratch copy once (course build all) ...", flush=True)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "course_cli", "build", "all"], cwd=root, env=ENV, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"course build all failed ({done.returncode}) in {root}")
    print(f"built in {time.perf_counter() - start:.0f} s")
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--built", type=Path, help="a fully built scratch copy of this course")
    args = parser.parse_args()
    py = sys.executable
    print(f"before: {_venv.load()}")
    times: dict[str, list[float]] = {"python -c pass": []}
    ratios: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ENV.update(os.environ)
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV.update({"PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(Path(tmp) / "cache")})
        root = built_course(Path(tmp), args.built.resolve() if args.built else None)
        for round_number in range(max(3, args.rounds) + 1):
            base = timed([py, "-c", "pass"], root)
            base_cpu = CPU[0]
            for name, cmd in COMMANDS.items():
                if name == "check, no cache":
                    (root / "build" / ".cache" / "check.json").unlink(missing_ok=True)
                t = timed([py, "-m", "course_cli", *cmd], root)
                if round_number:  # the first round only fills the caches
                    times.setdefault(name, []).append(t)
                    ratios.setdefault(name, []).append(t / base)
                    cpus.setdefault(name, []).append(CPU[0])
            if round_number:
                times["python -c pass"].append(base)
                cpus.setdefault("python -c pass", []).append(base_cpu)
    print(f"{'command':<16} {'min s':>7} {'median s':>8} {'min ×':>7} {'median ×':>8}  target")
    for name, values in times.items():
        row = f"{name:<16} {min(values):>7.3f} {statistics.median(values):>8.3f}"
        if name in ratios:
            lo, med = min(ratios[name]), statistics.median(ratios[name])
            target = TARGETS.get(name)
            verdict = f"<= {target:.0f}x {'OK' if med <= target else 'SLOW'}" if target else ""
            row += f" {lo:>7.1f} {med:>8.1f}  {verdict}"
        print(row)
    # CPU time (user + system) is what each command spends itself: on a shared machine the
    # wall clock also holds the wait for a core
    floor = statistics.median(cpus["python -c pass"])
    print(f"{'CPU time':<16} {'median ms':>9} {'× pass':>7}")
    for name, values in cpus.items():
        med = statistics.median(values)
        print(f"{name:<16} {1000 * med:>9.0f} {med / floor:>7.1f}")
    print(f"after: {_venv.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
