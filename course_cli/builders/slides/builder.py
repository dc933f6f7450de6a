"""Slides: Marp decks (``lessons/lesson_NN/slides/*.md``) to HTML, PDF, PPTX and notes.

:func:`plan_build` plans one step per deck and format (``build/lesson_NN/<stem>.<fmt>``), one
``<stem>.notes.txt`` per deck, and a copy of each local image the HTML needs. Steps of one
format share a batch, so all stale decks of a format go to ONE Marp process (one browser).

Marp reports several broken outputs only as warnings and exits 0; so before Marp runs, each
deck is read (:func:`~.decks.analyze_deck`) and these are errors naming the deck and
line: a local image that is missing or lies outside the course folder, and ``math: katex`` (its
fonts come from a CDN). Any remaining Marp warning fails the batch. Math that MathJax cannot
typeset (reported by the course engine on Marp's stderr,
:func:`~.marp.math_problems`) fails the deck in every format. The course's math
macros (``course.yaml`` ``macros``) reach MathJax through ``templates/marp/engine.mjs``. HTML
and speaker notes need no browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.builders.layout import slides_record
from course_cli.builders.slides.decks import (
    analyze_deck,
    find_decks,
    html_asset_path,
    is_inside,
)
from course_cli.builders.slides.layout import LAYOUT_VERSION
from course_cli.builders.slides.marp import (
    BROWSER_FORMATS,
    MarpAction,
)
from course_cli.builders.slides.options import SlidesOptions, check_formats
from course_cli.core.boundary import copy_inside
from course_cli.core.errors import CourseError, ProblemsFound, UsageError
from course_cli.core.templating import template_file
from course_cli.engine.steps import BuildOptions, BuildStep, FailingAction, Task, hash_text, key_of

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson
    from course_cli.tools.runner import Toolbox

__all__ = [
    "ENGINE",
    "THEME",
    "copy_assets",
    "plan_build",
    "resolve_formats",
    "support_file",
]

THEME = "course.css"
ENGINE = "engine.mjs"


def resolve_formats(course: Course, formats: Sequence[str] | None) -> tuple[str, ...]:
    """The requested formats (default: course.yaml build.slides). Raises UsageError."""
    chosen = [f.strip().lower() for f in (formats or course.build.slides) if f.strip()]
    check_formats(chosen)
    return tuple(dict.fromkeys(chosen))


def support_file(root: Path, name: str) -> Path:
    """A Marp support file (theme, engine): ``templates/marp/<name>`` of the course, else the
    toolkit's own. Raises CourseError when neither exists (a damaged installation)."""
    path = template_file(root, "marp", name)
    if not path.is_file():
        raise CourseError(
            f"templates/marp/{name} not found in the course or the toolkit",
            hint="reinstall the toolkit",
        )
    return path


def theme_files(course: Course) -> tuple[Path, ...]:
    """Every theme CSS Marp gets: the ``*.css`` of the course's ``templates/marp/`` (searched
    below too), the toolkit's default theme unless the course overrides that file, and the
    files ``build.themes`` of course.yaml lists. ``course check`` knows exactly these themes.
    Raises UsageError for a listed file that does not exist."""
    from course_cli.check.marp import find_css
    from course_cli.core.templating import template_dirs

    seen: dict[str, Path] = {}
    for folder in template_dirs(course.root, "marp"):
        for css in sorted(find_css(folder)):
            seen.setdefault(css.relative_to(folder).as_posix(), css)
    extra = []
    for name in course.build.themes:
        path = course.path(name)
        if not path.is_file():
            raise UsageError(f"{course.config_path.name}: build.themes: {name}: no such file",
                             hint="list theme CSS files relative to the course root")  # fmt: skip
        extra.append(path)
    return tuple(dict.fromkeys([*seen.values(), *extra]))


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """Plan slides for ``lessons``: per deck one step per format, notes, and HTML image copies."""
    formats = resolve_formats(course, options.of(SlidesOptions).formats)
    tb = options.toolbox
    engine = support_file(course.root, ENGINE)
    themes = theme_files(course)
    macros = course.path(course.macros)
    versions = {"marp": _version(tb, "marp")}
    if any(f in (*BROWSER_FORMATS, "html") for f in formats):
        versions["chromium"] = _version(tb, "chromium")
    actions = {
        fmt: MarpAction(fmt, tb, themes, engine, macros, course.root, options.build_dir)
        for fmt in (*formats, "notes")
    }
    steps: list[BuildStep] = []
    assets: dict[Path, BuildStep] = {}
    for lesson, path in find_decks(course, lessons):
        out_dir = options.build_dir / lesson.dirname
        if path.stem in RESERVED_STEMS:
            raise ProblemsFound(
                f"{path.relative_to(course.root).as_posix()}: a deck may not be named "
                f"{path.name}: its PDF would replace build/{lesson.dirname}/{path.stem}.pdf, "
                "another output; nothing was built",
                hint=f"rename the deck, e.g. to {path.stem}-slides.md",
            )
        try:
            deck = analyze_deck(path, course.root, lesson.dirname)
        except CourseError as exc:  # an unreadable deck fails its own outputs only
            steps.extend(_unreadable_deck(path, out_dir, (*formats, "notes.txt"), exc, lesson))
            continue
        images = tuple(sorted({r.path for r in deck.images}))
        for fmt in formats:
            browser = fmt in BROWSER_FORMATS
            html = fmt == "html"  # the HTML step also measures the layout of every slide
            steps.append(
                BuildStep(
                    kind=f"slides-{fmt}",
                    output=out_dir / f"{deck.stem}.{fmt}",
                    extra_outputs=(
                        (slides_record(options.build_dir, lesson.dirname, deck.stem),)
                        if html
                        else ()
                    ),
                    inputs=(path, *themes, engine, macros, *(images if browser or html else ())),
                    action=actions[fmt],
                    key=key_of(
                        marp=versions["marp"],
                        chromium=versions.get("chromium", "") if browser or html else "",
                        # an image that went missing fails the deck even if no input changed
                        problems=hash_text(*deck.problems),
                        layout=LAYOUT_VERSION if html else "",
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
    prune_removed_decks(course, lessons, options.build_dir)
    return steps + list(assets.values())


def prune_removed_decks(course: Course, lessons: Sequence[Lesson], build_dir: Path) -> list[Path]:
    """Delete the slide outputs of decks that no longer exist (``build/.manifest.json`` says
    which files slides made), so that the site stops linking them; return what went."""
    import json

    from course_cli.engine.manifest import MANIFEST_NAME

    try:
        data = json.loads((build_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        outputs = dict(data.get("outputs", {}))
    except (OSError, ValueError, AttributeError, TypeError):
        return []
    folders = {lesson.dirname: lesson.dir(course.root) / "slides" for lesson in lessons}
    removed = []
    for rel, entry in outputs.items():
        parts = Path(rel).parts
        kind = entry.get("kind", "") if isinstance(entry, dict) else ""
        if len(parts) != 3 or parts[0] != "build" or parts[1] not in folders:
            continue
        if kind not in {"slides-html", "slides-pdf", "slides-pptx", "slides-notes"}:
            continue
        stem = parts[2].removesuffix(".notes.txt").rsplit(".", 1)[0]
        if (folders[parts[1]] / f"{stem}.md").is_file():
            continue
        path = course.root / rel
        if path.is_file() and is_inside(path, build_dir):
            path.unlink()
            removed.append(path)
    return removed


#: deck names whose outputs would replace another output of the lesson folder
RESERVED_STEMS = frozenset({"conspect", "book"})


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
        return tb.identity(name)  # version, path and binary hash: part of the step keys
    except CourseError:
        return "missing"  # the action reports the missing tool, so HTML can still build


def copy_assets(tasks: Sequence[Task]) -> None:
    """Action: copy each image next to the HTML that shows it."""
    for task in tasks:
        copy_inside(task.step.inputs[0], task.out())
