"""The site's shared assets (stylesheets, scripts; math is typeset at build time, see
:mod:`course_cli.builders.site.typeset`) and the copy step every copied file of the site uses."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from course_cli.core.boundary import Boundary, copy_inside
from course_cli.core.config import Course
from course_cli.core.errors import CourseError, DiskError
from course_cli.core.templating import template_file
from course_cli.engine.steps import BuildStep, Task


def asset_steps(
    course: Course, out: Path, stylesheet: Path, script: Path | None = None
) -> list[BuildStep]:
    """Copy the stylesheet, the math stylesheet and the site scripts (dark-mode toggle,
    small-screen menu, search)."""
    steps = [copy_step(stylesheet, out / "assets" / "site.css", course.root)]
    if script is not None and script.is_file():
        steps.append(copy_step(script, out / "assets" / "site.js", course.root))
        search = script.with_name("site-search.js")
        if search.is_file():
            steps.append(copy_step(search, out / "assets" / "site-search.js", course.root))
    math_css = template_file(course.root, "site", "math.css")
    steps.append(copy_step(math_css, out / "assets" / "math.css", course.root))
    return steps


def _copy(tasks: Sequence[Task]) -> dict[BuildStep, CourseError]:
    """Copy each task's file; a copy that fails fails its own step only. A file whose copy
    already holds the same bytes (a forced rebuild) is checked and kept, not written again."""
    errors: dict[BuildStep, CourseError] = {}
    boundaries: dict[Path, Boundary] = {}
    for task in tasks:
        src, root = task.step.inputs[0], task.step.payload
        try:
            boundary = None
            if root is not None:
                boundary = boundaries.get(root) or boundaries.setdefault(root, Boundary(root))
            if not copy_inside(src, task.out(), root, boundary, unless_same_as=task.step.output):
                task.keep()
        except CourseError as exc:
            errors[task.step] = exc
        except OSError as exc:
            errors[task.step] = DiskError(
                f"cannot write {exc.filename or task.step.output}: {exc.strerror or exc}",
                hint="free some space or make build/ writable, then build again",
            )
    return errors


#: every stale copy of a build is one unit of the engine: run one by one, hundreds of tiny
#: copies cost more in thread hand-offs than in copying
COPY_BATCH = "site-copies"


def copy_step(src: Path, dst: Path, root: Path | None = None) -> BuildStep:
    """Copy ``src`` to ``dst`` if it lies inside the course ``root`` (default: the course
    around ``dst``, looked up at copy time)."""
    return BuildStep(
        kind="site-copy",
        output=dst,
        inputs=(src,),
        action=_copy,
        label=f"site: {dst.name}",
        batch=COPY_BATCH,
        payload=root,
    )
