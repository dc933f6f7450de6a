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
The HTML build also measures the layout of every slide (rule R001) in one headless Chromium,
so a second floor for it runs the raw Marp call and then opens the same pages (their images
linked beside them, as the toolkit's copies are) in one Chromium with the toolkit's own
measuring script (course_cli.builders.slides.layout.measure_decks, in a fresh Python).
Targets: HTML <= 1.15x that second floor; PDF <= 1.15x the raw Marp call (median ratios). The
ratio of the HTML build to the raw Marp call alone is printed: it is the price of the layout
check (Chromium renders every page once). A no-op build is printed too.
Usage: python benchmarks/slides.py [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import _venv
from _bench import FLOOR, course, rounds, run, scratch_course, table, verdict, with_start_floor

_venv.ensure()


#: the toolkit's layout measurement of every HTML deck under a folder, in one browser
MEASURE = """
import sys
from pathlib import Path
from course_cli.builders.slides.layout import measure_decks
from course_cli.tools.runner import Toolbox
out = Path(sys.argv[1])
boxes = measure_decks(sorted(out.rglob("*.html")), Toolbox(root=out).find("chromium").path)
assert all(boxes.values()), "a deck without slides"
"""


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

        def raw_and_layout() -> float:
            seconds = raw("html")
            for images in decks.glob("*/*"):  # each deck folder's image folders, beside the HTML
                if images.is_dir():
                    (out / images.parent.name / images.name).symlink_to(images)
            return seconds + run([sys.executable, "-c", MEASURE, out], root)

        cases = {
            "course build slides --format html": lambda: toolkit("html"),
            "marp --input-dir (html)": lambda: raw("html"),
            "marp (html), then the layout in chromium": raw_and_layout,
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
    html = "course build slides --format html"
    times[f"{html} "] = times[html]  # the same runs, against the raw Marp call alone
    medians = table(times, {
        html: "marp (html), then the layout in chromium",
        f"{html} ": "marp --input-dir (html)",
        "course build slides --format pdf": "marp --input-dir --pdf",
        "no-op course build slides": FLOOR,
    })  # fmt: skip
    verdict("HTML, course / one marp call + the layout in one chromium", medians[html], 1.15)
    print(f"HTML, course / one marp call alone: median ratio {medians[f'{html} ']:.2f}"
          " (the price of measuring every slide's layout)")  # fmt: skip
    verdict("PDF, course / one marp call", medians["course build slides --format pdf"], 1.15)
    verdict("no-op build / python -c pass", medians["no-op course build slides"], 5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
