#!/usr/bin/env python3
"""Every conspect PDF of this course: `course build pdf --jobs K` against `xargs -P K` running
raw pandoc with exactly the command line the toolkit gives pandoc.

What this measures: a cold build (empty build/) of the course's conspect PDFs with the
course's engine (xelatex), the whole command (start-up, planning, the cited-entries
bibliography, pandoc + TeX, the checks of pandoc's output, the manifest), on a scratch copy of
the course (never its own build/); and a no-op `course build pdf`.
Floor: `xargs -P K` over the conspects, each running pandoc with the arguments the toolkit
computes for it (course_cli.pdf.pandoc_args: the same Lua filter, LaTeX header, macros,
metadata, variables, fonts and engine), in its own work folder with TMPDIR/TEXMFOUTPUT there,
and the same cited-entries .bib (prepared before the clock starts: the strongest hand-written
equivalent). Same K for both.
Targets: cold build <= 1.1x the floor; no-op build <= 5x `python -c pass` (median ratios).
Usage: python benchmarks/pdf.py [--rounds N] [--jobs K]
"""

from __future__ import annotations

import argparse
import shlex
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


def raw_script(root: Path, work: Path) -> tuple[Path, int]:
    """A file of shell commands, one a conspect, each running pandoc as the toolkit would;
    returns it and the number of conspects."""
    from dataclasses import replace

    from course_cli.builders.pdf.builder import (
        cited_bibliography,
        pandoc_args,
        plan_build,
        write_course_name,
    )
    from course_cli.core.config import load_course
    from course_cli.engine.steps import BuildOptions
    from course_cli.tools.runner import Toolbox

    config = load_course(root)
    toolbox = Toolbox(root=root)
    options = BuildOptions(root=root, build_dir=root / "build", toolbox=toolbox)
    lines = []
    for step in plan_build(config, config.lessons, options):
        job = step.action.job  # type: ignore[attr-defined]
        folder = work / step.output.parent.name
        folder.mkdir(parents=True)
        write_course_name(folder, job.course_title)  # as the toolkit writes it for pandoc
        if job.bibliography is not None:
            text = job.source.read_text(encoding="utf-8")
            job = replace(
                job, bibliography=cited_bibliography(text, job.bibliography, folder, root)
            )
        engine = str(toolbox.find(job.engine).path)
        argv = [str(toolbox.find("pandoc").path),
                *pandoc_args(job, job.source, folder / "conspect.pdf", engine)]  # fmt: skip
        q = shlex.quote(str(folder))
        lines.append(f"cd {q} && TMPDIR={q} TEXMFOUTPUT={q} {shlex.join(argv)}")
    script = work / "commands.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script, len(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = str(args.jobs)
    print(f"before: {_venv.load()}")
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        root = scratch_course(Path(tmp) / "course")
        raw = Path(tmp) / "raw"
        script, count = raw_script(root, raw)
        print(f"{count} conspects, --jobs {jobs}; the floor's commands: {script.name}, e.g.")
        print("  " + script.read_text(encoding="utf-8").splitlines()[0][:400] + " ...")

        cold, noop, times = cold_build_vs_commands(
            root, "pdf", jobs, (f"xargs -P {jobs} raw pandoc", script, raw),
            lambda: list(raw.glob("*/conspect.pdf")), count, args.rounds,
        )  # fmt: skip
    print(f"after: {_venv.load()}")
    medians = table(times, {cold: f"xargs -P {jobs} raw pandoc", noop: FLOOR})
    verdict("cold build / raw pandoc", medians[cold], 1.1)
    verdict("no-op build / python -c pass", medians[noop], 5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
