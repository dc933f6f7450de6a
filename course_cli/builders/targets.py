"""The build engine: builders plan steps, the engine runs only the stale ones.

API for builders (slides, conspect PDF, book, site)::

    def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]

registered in :data:`TARGETS` (target name -> module that defines ``plan_build``), or at run
time with :func:`register_builder`. A :class:`BuildStep` names its output, the input files whose
bytes matter, a ``key`` (options, tool versions, anything else that changes the output) and an
``action``. The action is called with a list of :class:`Task` (several when steps share a
``batch``: e.g. every stale deck of one format goes to ONE Marp process) and must write each
output to ``task.out(path)``, a temporary file beside the final one; the engine renames it into
place only after success, so an interrupted build leaves no torn file. An action raises a
CourseError to fail the whole batch, or returns ``{step: error}`` to fail single steps. The
outputs of a failed step are deleted: an older copy would not match its sources any more.

:func:`execute` keeps ``build/.manifest.json``: for each output, the fingerprint (SHA-256 over
kind, key, output names and the content hashes of the inputs). A step is stale when ``force``,
when an output is missing or when its fingerprint changed. Content hashes are cached by
(mtime, size), so a no-op build reads only file metadata.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.core.errors import ProblemsFound, UsageError
from course_cli.core.fs import clean_leftovers
from course_cli.engine.executor import execute
from course_cli.engine.steps import (
    Builder,
    BuildOptions,
    BuildReport,
    BuildStep,
    Progress,
)

if TYPE_CHECKING:
    from course_cli.core.config import Course

__all__ = [
    "PHASES",
    "TARGETS",
    "build",
    "builder_for",
    "check_build_dir",
    "parse_build_args",
    "read_source",
    "register_builder",
    "resolve_targets",
]

#: target -> module whose ``plan_build(course, lessons, options)`` plans its steps. Targets of
#: a later phase are planned after the earlier phases ran (the site reads built slides/PDFs).
TARGETS: dict[str, str] = {
    "slides": "course_cli.builders.slides.builder",
    "pdf": "course_cli.builders.pdf.builder",
    "book": "course_cli.builders.book.builder",
    "notebooks": "course_cli.builders.notebooks.builder",
    "site": "course_cli.builders.site.builder",
}
PHASES: dict[str, int] = {"site": 1}
#: target -> module whose ``plan_build`` runs in the phase after it, on what it built (the
#: site's search index reads the built pages).
FOLLOW_UPS: dict[str, str] = {"site": "course_cli.builders.site.search"}
_REGISTERED: dict[str, Builder] = {}


def register_builder(target: str, builder: Builder, phase: int = 0) -> None:
    """Make ``course build TARGET`` call ``builder`` (tests, plug-ins)."""
    _REGISTERED[target] = builder
    PHASES[target] = phase
    TARGETS.setdefault(target, "")


def builder_for(target: str) -> Builder | None:
    """The builder of ``target`` or None when its module is not available (yet)."""
    if target in _REGISTERED:
        return _REGISTERED[target]
    module_name = TARGETS.get(target)
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    fn = getattr(module, "plan_build", None)
    return fn if callable(fn) else None


def resolve_targets(target: str) -> list[str]:
    """``all`` -> every known target; one name -> [name]. Raises UsageError when unknown."""
    if target == "all":
        return list(TARGETS)
    if target not in TARGETS:
        raise UsageError(
            f"unknown build target {target!r}", hint="use one of: " + ", ".join([*TARGETS, "all"])
        )
    return [target]


def parse_build_args(args: Sequence[str]) -> tuple[str, list[int]]:
    """``["slides", "3", "5"]`` -> ``("slides", [3, 5])``; no target means ``all``.

    Raises UsageError on an unknown target or a lesson that is not a number.
    """
    target, rest = "all", list(args)
    if rest and not rest[0].isdigit():
        target = rest.pop(0)
        resolve_targets(target)
    bad = [a for a in rest if not a.isdigit()]
    if bad:
        raise UsageError(
            f"lesson numbers must be numbers: {', '.join(bad)}",
            hint="course build [slides|pdf|book|notebooks|site|all] [N…]",
        )
    return target, [int(a) for a in rest]


def build(
    course: Course,
    target: str = "all",
    numbers: Sequence[int] = (),
    *,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    builder_options: Sequence[object] = (),
) -> BuildReport:
    """Plan and run ``target`` (slides, pdf, book, site or all) for lessons ``numbers``.

    ``builder_options`` are the builders' typed options (``SlidesOptions``, ``PdfOptions``,
    ``SiteOptions``, …); a builder given none uses its defaults.

    Returns the merged BuildReport. Raises UsageError on an unknown target or lesson, or when
    an explicitly requested target is not available; plan-time errors of builders propagate.
    """
    from course_cli.tools.runner import Toolbox

    targets = resolve_targets(target)
    lessons = course.select(numbers)
    check_build_dir(course.root / "build", course.root)
    with contextlib.suppress(OSError):  # a read-only build/: the steps report it
        clean_leftovers(course.root / "build")  # of a killed run: the caller holds the lock
    jobs = jobs or course.build.jobs or os.cpu_count() or 1
    options = BuildOptions(
        root=course.root,
        build_dir=course.root / "build",
        toolbox=Toolbox.for_course(course),
        force=force,
        jobs=jobs,
        builder_options=tuple(builder_options),
    )
    report = BuildReport(root=course.root)
    start = time.perf_counter()
    follow_ups = {t: PHASES.get(t, 0) + 1 for t in targets if t in FOLLOW_UPS}
    for phase in sorted({PHASES.get(t, 0) for t in targets} | set(follow_ups.values())):
        steps: list[BuildStep] = []
        for name in (t for t, p in follow_ups.items() if p == phase):
            steps.extend(
                importlib.import_module(FOLLOW_UPS[name]).plan_build(course, lessons, options)
            )
        for name in (t for t in targets if PHASES.get(t, 0) == phase):
            builder = builder_for(name)
            if builder is None:
                if target != "all":
                    raise UsageError(f"course build {name}: this target is not available yet")
                report.unavailable.append(name)
                continue
            steps.extend(builder(course, lessons, options))
        if steps:
            part = execute(
                steps,
                root=course.root,
                build_dir=options.build_dir,
                force=force,
                jobs=jobs,
                progress=progress,
            )
            report.results.extend(part.results)
    from course_cli.engine.plancache import save_all

    save_all()
    report.seconds = time.perf_counter() - start
    return report


def read_source(path: Path, root: Path) -> str:
    """The text of a course source file (UTF-8).

    Raises ProblemsFound (exit 1) naming the file, line and byte offset when it is not valid
    UTF-8, and naming the file when it cannot be read.
    """
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProblemsFound(f"{shown}: cannot read it: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemsFound(
            f"{shown}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            hint="save the file as UTF-8",
        ) from exc


def check_build_dir(build_dir: Path, root: Path) -> None:
    """Raise UsageError (exit 2) naming ``build_dir`` when it exists but is not a folder."""
    for path in (build_dir, build_dir / ".cache"):
        if (path.exists() or path.is_symlink()) and not path.is_dir():
            raise UsageError(
                f"{_shown(path, root)} is not a folder; course build writes its outputs there",
                hint=f"move or delete {_shown(path, root)}",
            )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
