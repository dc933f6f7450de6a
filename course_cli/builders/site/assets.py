"""The site's shared assets (stylesheet, the bundled MathJax and its configuration with the
course macros) and the copy step every copied file of the site uses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from course_cli.core.boundary import copy_inside
from course_cli.core.config import Course
from course_cli.core.errors import CourseError
from course_cli.engine.steps import BuildStep, Task, key_of

MATHJAX = Path("node_modules") / "mathjax-full" / "es5" / "tex-svg-full.js"


def asset_steps(
    course: Course, out: Path, stylesheet: Path, script: Path | None = None
) -> list[BuildStep]:
    """Copy the stylesheet, the site script (dark-mode toggle, small-screen menu) and MathJax,
    and write MathJax's configuration with the course macros."""
    steps = [copy_step(stylesheet, out / "assets" / "site.css")]
    if script is not None and script.is_file():
        steps.append(copy_step(script, out / "assets" / "site.js"))
        search = script.with_name("site-search.js")
        if search.is_file():
            steps.append(copy_step(search, out / "assets" / "site-search.js"))
    mathjax = course.root / MATHJAX
    if not mathjax.is_file():
        raise CourseError(
            f"{MATHJAX}: MathJax is not installed",
            hint="run `npm ci` in the course folder (./scripts/setup.sh does it)",
        )
    steps.append(copy_step(mathjax, out / "assets" / "mathjax" / "tex-svg-full.js"))
    macros_path = course.path(course.macros)
    steps.append(
        BuildStep(
            kind="site-mathjax-config",
            output=out / "assets" / "mathjax-config.js",
            inputs=(macros_path,) if macros_path.is_file() else (),
            action=_write_mathjax_config,
            key=key_of(version=1),
            label="site: MathJax configuration",
            payload=macros_path,
        )
    )
    return steps


def mathjax_config(macros_path: Path) -> str:
    """Return the JavaScript that configures MathJax with the course macros (offline, SVG)."""
    from course_cli.core.macros import mathjax_macros

    macros = mathjax_macros(macros_path)
    config = {
        "tex": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "processEscapes": False,
            "tags": "ams",
            "macros": macros,
        },
        "svg": {"fontCache": "global"},
        "options": {"ignoreHtmlClass": "no-math", "processHtmlClass": "math"},
        "startup": {"typeset": True},
    }
    return "window.MathJax = " + json.dumps(config, indent=1, ensure_ascii=False) + ";\n"


def _write_mathjax_config(tasks: Sequence[Task]) -> None:
    for task in tasks:
        task.out().write_text(mathjax_config(task.step.payload), encoding="utf-8")


def _copy(tasks: Sequence[Task]) -> None:
    for task in tasks:
        copy_inside(task.step.inputs[0], task.out())


def copy_step(src: Path, dst: Path) -> BuildStep:
    return BuildStep(
        kind="site-copy", output=dst, inputs=(src,), action=_copy, label=f"site: {dst.name}"
    )
