"""Slides: Marp decks (``lessons/lesson_NN/slides/*.md``) to HTML, PDF, PPTX and notes.

:func:`plan_build` plans one step per deck and format (``build/lesson_NN/<stem>.<fmt>``), one
``<stem>.notes.txt`` per deck, and a copy of each local image the HTML needs. Steps of one
format share a batch, so all stale decks of a format go to ONE Marp process (one browser).

Marp reports several broken outputs only as warnings and exits 0; so before Marp runs, each
deck is read (:func:`~course_cli.decks.analyze_deck`) and these are errors naming the deck and
line: a local image that is missing or lies outside the course folder, and ``math: katex`` (its
fonts come from a CDN). Any remaining Marp warning fails the batch. Math that MathJax cannot
typeset (reported by the course engine on Marp's stderr,
:func:`~course_cli.marpcli.math_problems`) fails the deck in every format. The course's math
macros (``course.yaml`` ``macros``) reach MathJax through ``templates/marp/engine.mjs``. HTML
and speaker notes need no browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.build import (
    BuildOptions,
    BuildStep,
    FailingAction,
    Task,
    hash_text,
    key_of,
)
from course_cli.decks import (
    ASSETS_DIR,
    Deck,
    ImageRef,
    analyze_deck,
    find_decks,
    html_asset_path,
    is_inside,
    staged_markdown,
)
from course_cli.errors import CourseError, UsageError
from course_cli.marpcli import (
    BROWSER_FORMATS,
    MATH_MARKER,
    MAX_PARALLEL_PAGES,
    MarpAction,
    marp_warnings,
    math_problems,
)
from course_cli.templating import template_file

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson
    from course_cli.tools import Toolbox

__all__ = [
    "ASSETS_DIR",
    "BROWSER_FORMATS",
    "ENGINE",
    "FORMATS",
    "MATH_MARKER",
    "MAX_PARALLEL_PAGES",
    "THEME",
    "Deck",
    "ImageRef",
    "MarpAction",
    "analyze_deck",
    "copy_assets",
    "find_decks",
    "html_asset_path",
    "marp_warnings",
    "math_problems",
    "plan_build",
    "resolve_formats",
    "staged_markdown",
    "support_file",
]

FORMATS = ("html", "pdf", "pptx")
THEME = "course.css"
ENGINE = "engine.mjs"


def resolve_formats(course: Course, formats: Sequence[str] | None) -> tuple[str, ...]:
    """The requested formats (default: course.yaml build.slides). Raises UsageError."""
    chosen = [f.strip().lower() for f in (formats or course.build.slides) if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise UsageError(
            f"unknown slide format {', '.join(bad)}", hint="use html, pdf or pptx (comma-separated)"
        )
    return tuple(dict.fromkeys(chosen))


def support_file(root: Path, name: str) -> Path:
    """A Marp support file (theme, engine): ``templates/marp/<name>`` of the course, else the
    toolkit's own. Raises CourseError when neither exists (a damaged installation)."""
    path = template_file(root, "marp", name)
    if not path.is_file():
        raise CourseError(f"templates/marp/{name} not found in the course or the toolkit",
                          hint="reinstall the toolkit")
    return path


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """Plan slides for ``lessons``: per deck one step per format, notes, and HTML image copies."""
    formats = resolve_formats(course, options.formats)
    tb = options.toolbox
    theme, engine = support_file(course.root, THEME), support_file(course.root, ENGINE)
    macros = course.path(course.macros)
    versions = {"marp": _version(tb, "marp")}
    if any(f in BROWSER_FORMATS for f in formats):
        versions["chromium"] = _version(tb, "chromium")
    actions = {
        fmt: MarpAction(fmt, tb, theme, engine, macros, course.root, options.build_dir)
        for fmt in (*formats, "notes")
    }
    steps: list[BuildStep] = []
    assets: dict[Path, BuildStep] = {}
    for lesson, path in find_decks(course, lessons):
        out_dir = options.build_dir / lesson.dirname
        try:
            deck = analyze_deck(path, course.root, lesson.dirname)
        except CourseError as exc:  # an unreadable deck fails its own outputs only
            steps.extend(_unreadable_deck(path, out_dir, (*formats, "notes.txt"), exc, lesson))
            continue
        images = tuple(sorted({r.path for r in deck.images}))
        for fmt in formats:
            browser = fmt in BROWSER_FORMATS
            steps.append(
                BuildStep(
                    kind=f"slides-{fmt}",
                    output=out_dir / f"{deck.stem}.{fmt}",
                    inputs=(path, theme, engine, macros, *(images if browser else ())),
                    action=actions[fmt],
                    key=key_of(
                        marp=versions["marp"],
                        chromium=versions.get("chromium", "") if browser else "",
                        # an image that went missing fails the deck even if no input changed
                        problems=hash_text(*deck.problems),
                    ),
                    label=f"{lesson.dirname}/{deck.stem}.{fmt}",
                    batch=f"marp-{fmt}",
                    payload=deck,
                )
            )
        steps.append(
            BuildStep(
                kind="slides-notes",
                output=out_dir / f"{deck.stem}.notes.txt",
                inputs=(path, engine),
                action=actions["notes"],
                key=key_of(marp=versions["marp"]),
                label=f"{lesson.dirname}/{deck.stem}.notes.txt",
                batch="marp-notes",
                payload=deck,
            )
        )
        if "html" in formats:
            for image in images:
                if image.is_file() and is_inside(image, course.root):
                    out = out_dir / html_asset_path(image, path.parent, course.root)
                    assets.setdefault(
                        out,
                        BuildStep(
                            kind="slides-asset",
                            output=out,
                            inputs=(image,),
                            action=copy_assets,
                            label=f"{lesson.dirname}/{out.relative_to(out_dir).as_posix()}",
                            batch="slides-assets",
                        ),
                    )
    return steps + list(assets.values())


def _unreadable_deck(
    path: Path, out_dir: Path, exts: Sequence[str], error: CourseError, lesson: Lesson
) -> list[BuildStep]:
    action = FailingAction(error)
    return [
        BuildStep(
            kind=f"slides-{ext.removesuffix('.txt')}",
            output=out_dir / f"{path.stem}.{ext}",
            inputs=(path,),
            action=action,
            label=f"{lesson.dirname}/{path.stem}.{ext}",
        )
        for ext in exts
    ]


def _version(tb: Toolbox, name: str) -> str:
    try:
        return tb.version(name)
    except CourseError:
        return "missing"  # the action reports the missing tool, so HTML can still build


def copy_assets(tasks: Sequence[Task]) -> None:
    """Action: copy each image next to the HTML that shows it."""
    for task in tasks:
        shutil.copyfile(task.step.inputs[0], task.out())
