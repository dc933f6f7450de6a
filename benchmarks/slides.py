#!/usr/bin/env python3
"""Every deck of this course to HTML and to PDF: `course build slides` against ONE raw
`marp --input-dir` call with the same engine, themes, macros, browser and options.

What this measures: a cold build (empty build/) of the course's decks with
`course build slides --format html` and `--format pdf` (the whole command: start-up, planning,
staging, one Marp process per format plus the speaker-notes process, the manifest), on a
scratch copy of the course (never its own build/).
Floor: the one Marp call a maintainer would write by hand for the same decks:
`marp --engine templates/marp/engine.mjs --theme-set THEMES --allow-local-files --no-stdin
--input-dir DECKS -o OUT [--pdf] --parallel N`, with the macros (COURSE_MARP_MACROS) and the
browser the toolkit gives Marp; DECKS holds a copy of every lesson's slides/ folder (the
toolkit's own staging is its cost, not the floor's). The options come from the toolkit's
code (course_cli.slides), so the two runs cannot drift apart.
Targets: HTML <= 1.3x and PDF <= 1.15x the floor (median ratio); a no-op build is printed too.
Usage: python benchmarks/slides.py [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import _venv
from _bench import FLOOR, course, rounds, run, scratch_course, table, verdict, with_start_floor

_venv.ensure()


def marp_call(root: Path, decks: Path, out: Path, fmt: str) -> tuple[list[str], dict[str, str]]:
    """The raw Marp command line and environment, with the toolkit's own engine, themes,
    macros, browser and page parallelism."""
    from course_cli.builders.slides.builder import ENGINE, support_file, theme_files
    from course_cli.builders.slides.marp import MAX_PARALLEL_PAGES
    from course_cli.core.config import load_course
    from course_cli.tools.runner import Toolbox

    config = load_course(root)
    toolbox = Toolbox(root=root)
    count = len(list(decks.rglob("*.md")))
    argv = [
        str(toolbox.find("marp").path),
        "--engine", str(support_file(root, ENGINE)),
        "--theme-set", *map(str, theme_files(config)),
        "--allow-local-files", "--no-stdin", "--input-dir", str(decks), "-o", str(out),
        *(["--pdf"] if fmt == "pdf" else []),
        "--parallel", str(min(count, MAX_PARALLEL_PAGES)),
    ]  # fmt: skip
    env = {"COURSE_MARP_MACROS": str(config.path(config.macros))}
    if fmt == "pdf":
        env.update(toolbox.browser_env())
    return argv, env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        root = scratch_course(Path(tmp) / "course")
        decks = Path(tmp) / "decks"
        for folder in sorted(root.glob("lessons/lesson_*/slides")):
            shutil.copytree(folder, decks / folder.parent.name)
        count = len(list(decks.rglob("*.md")))
        print(f"{count} decks")
        out = Path(tmp) / "raw-out"

        def toolkit(fmt: str) -> float:
            shutil.rmtree(root / "build", ignore_errors=True)
            return run(course("build", "slides", "--format", fmt, "--jobs", "2"), root)

        def raw(fmt: str) -> float:
            shutil.rmtree(out, ignore_errors=True)
            argv, env = marp_call(root, decks, out, fmt)
            seconds = run(argv, root, env=env)
            made = len(list(out.rglob(f"*.{fmt}")))
            if made != count:
                raise SystemExit(f"marp made {made} of {count} {fmt} files")
            return seconds

        cases = {
            "course build slides --format html": lambda: toolkit("html"),
            "marp --input-dir (html)": lambda: raw("html"),
            "course build slides --format pdf": lambda: toolkit("pdf"),
            "marp --input-dir --pdf": lambda: raw("pdf"),
        }
        times = rounds(cases, args.rounds)
        run(course("build", "slides"), root)  # everything up to date
        times.update(
            with_start_floor(
                "no-op course build slides", course("build", "slides"), root, args.rounds
            )
        )
    print(f"after: {_venv.load()}")
    medians = table(times, {
        "course build slides --format html": "marp --input-dir (html)",
        "course build slides --format pdf": "marp --input-dir --pdf",
        "no-op course build slides": FLOOR,
    })  # fmt: skip
    verdict("HTML, course / one marp call", medians["course build slides --format html"], 1.3)
    verdict("PDF, course / one marp call", medians["course build slides --format pdf"], 1.15)
    verdict("no-op build / python -c pass", medians["no-op course build slides"], 5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
