#!/usr/bin/env python3
"""Executing this course's notebooks: `course build notebooks --jobs K` against
`xargs -P K jupyter nbconvert --execute --to html` on the same notebooks.

What this measures: a cold build (empty build/) of every lesson notebook, the whole command
(start-up, planning, a fresh kernel per notebook, the executed .ipynb, its HTML with the
bundled MathJax, the student variants where a notebook has solution cells, the manifest), on
a scratch copy of the course (never its own build/); and a no-op rebuild.
Floor and peer: jupyter nbconvert (the registries' standard tool), one process per notebook,
K at a time (`xargs -P K`), each executing the paired .ipynb and writing its HTML only (one
output where the toolkit writes two to four: the cheapest equivalent, so the strongest floor).
Same K, same kernel (python3), the timeout of course.yaml.
Targets: cold build <= 1.1x the floor; no-op rebuild <= 5x `python -c pass` (median ratios).
Usage: python benchmarks/notebooks.py [--rounds N] [--jobs K]
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from pathlib import Path

import _venv
from _bench import (
    FLOOR,
    cold_build_vs_commands,
    scratch_course,
    table,
    verdict,
)

_venv.ensure()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = str(args.jobs)
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        root = scratch_course(Path(tmp) / "course")
        notebooks = sorted(root.glob("lessons/lesson_*/notebooks/*.ipynb"))
        out = Path(tmp) / "nbconvert"
        jupyter = Path(sys.executable).with_name("jupyter")
        commands = Path(tmp) / "commands.txt"
        commands.write_text("".join(
            shlex.join([str(jupyter), "nbconvert", "--execute", "--to", "html",
                        "--ExecutePreprocessor.timeout=300",
                        "--ExecutePreprocessor.kernel_name=python3",
                        f"--output-dir={out / nb.parents[1].name}", str(nb)]) + "\n"
            for nb in notebooks
        ))  # fmt: skip
        print(f"{len(notebooks)} notebooks, --jobs {jobs}")

        peer = f"xargs -P {jobs} jupyter nbconvert --execute"
        cold, noop, times = cold_build_vs_commands(
            root, "notebooks", jobs, (peer, commands, Path(tmp)),
            lambda: list(out.rglob("*.html")), len(notebooks), args.rounds,
        )  # fmt: skip
    print(f"after: {_venv.load()}")
    medians = table(times, {cold: peer, noop: FLOOR})
    verdict("cold build / nbconvert", medians[cold], 1.1)
    verdict("no-op build / python -c pass", medians[noop], 5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
