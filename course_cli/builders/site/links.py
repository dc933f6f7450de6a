"""How a lesson page's links reach the site: README links rewritten to built outputs and
other lessons' pages, and the local files a README links to that are copied next to the page.

A link whose target is not on the site is shown as plain text, never left broken.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from course_cli.core.config import Course, Lesson


@dataclass(frozen=True)
class Link:
    """A link shown on a lesson page: its label and its href relative to that page."""

    label: str
    href: str


def lesson_dir_map(course: Course) -> dict[Path, Lesson]:
    """Each lesson's resolved folder -> the lesson. Build it once per course and pass it to
    :func:`link_rewriter` and :func:`linked_files` (per lesson it would make the site
    quadratic in the number of lessons)."""
    return {x.dir(course.root).resolve(): x for x in course.lessons}


def link_rewriter(
    course: Course,
    lesson: Lesson,
    links: list[Link],
    lesson_dirs: Mapping[Path, Lesson] | None = None,
) -> Callable[[str], str | None]:
    """Map a README's local links to what the site has: built decks, PDFs, other lessons.

    ``lesson_dirs`` is :func:`lesson_dir_map` of the course (made here when not given).
    """
    lesson_dir = lesson.dir(course.root).resolve()
    available = {x.href for x in links}
    if lesson_dirs is None:
        lesson_dirs = lesson_dir_map(course)

    def on_site(href: str, target: Path) -> str | None:
        # A file inside the lesson folder is copied next to the page; anything else is not
        # on the site, and the link is shown as plain text rather than left broken.
        if target.is_file() and target.is_relative_to(lesson_dir):
            return href
        return None

    def rewrite(href: str) -> str | None:
        if "://" in href or href.startswith(("#", "mailto:")):
            return href
        path_part, _, anchor = href.partition("#")
        if not path_part:
            return href
        target = resolve_from(lesson_dir, path_part)
        frag = f"#{anchor}" if anchor else ""
        owner = lesson_dirs.get(target if target.is_dir() else target.parent)
        if target.name == "README.md" and owner is not None:
            return _from(lesson, owner, "index.html") + frag
        if owner is None and target.parent.parent in lesson_dirs:
            owner = lesson_dirs[target.parent.parent]
        if target.suffix == ".md" and target.parent.name == "slides" and owner is not None:
            html = f"{target.stem}.html"
            if owner != lesson or html in available:
                return _from(lesson, owner, html)
        conspect_built = owner != lesson or "conspect.pdf" in available
        if target.name == "conspect.md" and owner is not None and conspect_built:
            return _from(lesson, owner, "conspect.pdf")
        if target.name == "book" and target.parent in lesson_dirs:
            there = lesson_dirs[target.parent]
            if there != lesson or "book.html" in available:
                return _from(lesson, there, "book.html")
        if target.name in {"slides", "book"} and target.parent in lesson_dirs:
            return _from(lesson, lesson_dirs[target.parent], "index.html") + f"#{target.name}"
        if target.parent.name == "notebooks" and target.suffix in (".ipynb", ".py"):
            page = f"notebooks/{target.stem}.html"
            if page in available:
                return page + frag
            if target.suffix == ".ipynb":
                return f"notebooks/{target.name}" if target.is_file() else None
        exercises = target.name == "README.md" and target.parent == lesson_dir / "exercises"
        if exercises and "exercises.html" in available:
            return "exercises.html" + frag
        return on_site(href, target)

    return rewrite


def resolve_from(base: Path, rel: str) -> Path:
    """``(base / rel).resolve()`` for a ``base`` that is resolved already, looking only at the
    components ``rel`` adds (a page's links would otherwise look at every folder up to ``/``
    each: a fifth of a site page's time). Falls back to ``resolve()`` for an absolute ``rel``,
    a symlink on the way, or a ``..`` after a name (it would go up from a symlink's target)."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    up = 0
    while up < len(parts) and parts[up] == "..":
        up += 1
    rest = parts[up:]
    if rel.startswith("/") or ".." in rest:
        return (base / rel).resolve()
    here = base
    for _ in range(up):
        here = here.parent
    path = os.fspath(here)
    for i, name in enumerate(rest):
        path = os.path.join(path, name)
        try:
            mode = os.lstat(path).st_mode
        except OSError:  # missing: resolve() keeps the rest as written
            return Path(path, *rest[i + 1 :])
        if stat.S_ISLNK(mode):
            return (base / rel).resolve()
    return Path(path)


def _from(here: Lesson, there: Lesson, name: str) -> str:
    return name if here == there else f"../{there.dirname}/{name}"


def linked_files(
    course: Course,
    lesson: Lesson,
    links: list[Link],
    lesson_dirs: Mapping[Path, Lesson] | None = None,
) -> list[tuple[Path, Path]]:
    """Local files a README links to that the site has no page for: (source, path relative to
    the lesson folder) pairs, to be copied next to the lesson page."""
    from course_cli.builders.site.markdown import local_targets
    from course_cli.engine.plancache import plan_cache

    readme = lesson.dir(course.root) / "README.md"
    if not readme.is_file():
        return []
    lesson_dir = lesson.dir(course.root).resolve()
    rewrite = link_rewriter(course, lesson, links, lesson_dirs)
    found: list[tuple[Path, Path]] = []
    # parsed once per README version: a no-op build reads no unchanged README
    for href in plan_cache(course.root).derive(readme, "local_targets", local_targets):
        if rewrite(href) != href:
            continue  # rewritten to a page or a built output, or not on the site
        src = (lesson_dir / href.partition("#")[0]).resolve()
        if not src.is_file() or not src.is_relative_to(lesson_dir):
            continue
        if (src, src.relative_to(lesson_dir)) not in found:
            found.append((src, src.relative_to(lesson_dir)))
    return found
