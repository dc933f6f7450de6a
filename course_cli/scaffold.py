"""``course new-lesson``: plan, then apply, the scaffolding of one lesson folder.

The plan is a frozen value (files to create, conflicts, the course.yaml edit) so that
``--dry-run`` prints exactly what ``apply`` would do. Nothing is written while any planned file
conflicts with an existing one, unless ``force`` is set.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from course_cli.core.boundary import is_inside
from course_cli.core.config import MAX_LESSON, Course, Lesson, new_lesson
from course_cli.core.courseroot import CONFIG_NAME
from course_cli.core.errors import DiskError, ProblemsFound, UsageError
from course_cli.core.fs import atomic_write, write_keeping_style

PLACEHOLDER = "TODO(course)"
"""Marker of every placeholder a template leaves; `course check` flags files that keep it."""

OPTIONAL_PARTS = ("exercises", "notebooks", "reading")


@dataclass(frozen=True)
class PlannedFile:
    """One file of the plan: where it goes, what it holds, and whether it exists already."""

    path: Path
    content: str
    exists: bool


@dataclass(frozen=True)
class LessonPlan:
    """Everything ``apply`` will do for one lesson."""

    root: Path
    lesson: Lesson
    lesson_dir: Path
    files: tuple[PlannedFile, ...]
    config_text: str | None  # new course.yaml text when the lesson is new, else None
    force: bool

    @property
    def conflicts(self) -> tuple[PlannedFile, ...]:
        """The planned files that already exist."""
        return tuple(f for f in self.files if f.exists)


def parse_number(raw: str) -> int:
    """Return the lesson number in ``raw``; raises UsageError unless it is a whole number ≥ 1."""
    text = raw.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):  # ASCII digits only: "٣" is no lesson number
        raise UsageError(f"lesson number must be a whole number, got {raw!r}")
    if len(text.lstrip("+-")) > 6:
        raise UsageError(f"lesson number must be at most {MAX_LESSON}, got {text[:12]}…")
    number = int(text)
    if number < 1:
        raise UsageError(f"lesson number must be 1 or more, got {number}")
    if number > MAX_LESSON:
        raise UsageError(f"lesson number must be at most {MAX_LESSON}, got {number}")
    return number


def parse_parts(raw: str) -> tuple[str, ...]:
    """Return the optional parts named in ``--with`` (comma separated); UsageError on unknowns."""
    parts = tuple(p.strip() for p in raw.split(",") if p.strip())
    for part in parts:
        if part not in OPTIONAL_PARTS:
            raise UsageError(
                f"--with: unknown part {part!r} (choose from {', '.join(OPTIONAL_PARTS)})"
            )
    return parts


def plan_lesson(
    course: Course,
    raw_number: str,
    *,
    title: str | None,
    summary: str | None,
    with_parts: str = "",
    force: bool = False,
) -> LessonPlan:
    """Plan the scaffolding of lesson ``raw_number``.

    Returns the plan; raises UsageError for a bad number, a missing or clashing title, or an
    unknown optional part, and ConfigError/CourseError for a broken template.
    """
    number = parse_number(raw_number)
    parts = parse_parts(with_parts)
    existing = {x.number: x for x in course.lessons}
    config_text: str | None = None
    if number in existing:
        lesson = existing[number]
        if title is not None and title.strip() != lesson.title:
            raise UsageError(
                f"lesson {number} already exists in {CONFIG_NAME} as {lesson.title!r}",
                hint="omit --title to scaffold it from course.yaml, or edit course.yaml",
            )
        if summary is not None and summary.strip() != lesson.summary:
            raise UsageError(
                f"lesson {number} already exists in {CONFIG_NAME}; change its summary there"
            )
    else:
        if not title or not title.strip():
            raise UsageError(
                f"--title is required for a new lesson ({number} is not in {CONFIG_NAME})"
            )
        title = title.strip()
        for other in course.lessons:
            if other.title.casefold() == title.casefold():
                raise UsageError(
                    f"lesson {other.number} already has the title {title!r}",
                    hint="lesson titles must be unique",
                )
        lesson = _new_lesson(number, title, (summary or "").strip())
        from course_cli.core.yamledit import add_lesson

        config_text = add_lesson(course.config_path, lesson)
    files = tuple(
        PlannedFile(path=path, content=text, exists=path.exists())
        for path, text in render_lesson(course, lesson, parts)
    )
    return LessonPlan(
        root=course.root,
        lesson=lesson,
        lesson_dir=lesson.dir(course.root),
        files=files,
        config_text=config_text,
        force=force,
    )


def render_lesson(course: Course, lesson: Lesson, parts: tuple[str, ...]) -> list[tuple[Path, str]]:
    """Render the course's lesson templates for ``lesson``: ``(absolute path, text)`` pairs.

    Optional parts not named in ``parts`` are left out. Raises CourseError naming the template
    and line when a template is broken.
    """
    from course_cli.core.templating import render_tree, template_dir

    template_root = template_dir(course.root, "lesson")
    context = {
        "course_title": course.title,
        "number": lesson.number,
        "number_padded": f"{lesson.number:02d}",
        "title": lesson.title,
        "summary": lesson.summary,
        "book": list(lesson.book),
        "dirname": lesson.dirname,
    }
    skip = {p for p in OPTIONAL_PARTS if p not in parts}
    rendered = render_tree(template_root, context, skip_dirs=skip)
    target = lesson.dir(course.root)
    return [(target / rel, text) for rel, text in rendered]


def describe(plan: LessonPlan) -> list[str]:
    """Return the plan as lines a person reads: one line per action, paths from the root."""
    lines = []
    if plan.config_text is not None:
        lines.append(
            f"update   {CONFIG_NAME} (add lesson {plan.lesson.number}: {plan.lesson.title})"
        )
    for f in plan.files:
        rel = f.path.relative_to(plan.root).as_posix()
        verb = ("overwrite" if plan.force else "conflict") if f.exists else "create"
        lines.append(f"{verb:<8} {rel}")
    return lines


def raise_for_conflicts(plan: LessonPlan) -> None:
    """Raise ProblemsFound naming the existing files the plan would overwrite without --force."""
    if plan.conflicts and not plan.force:
        names = ", ".join(f.path.relative_to(plan.root).as_posix() for f in plan.conflicts)
        raise ProblemsFound(
            f"refusing to overwrite existing files: {names}",
            hint="nothing was written; pass --force to overwrite them",
        )


def _new_lesson(number: int, title: str, summary: str) -> Lesson:
    """The Lesson for the options; UsageError naming the option that course.yaml would refuse."""
    lesson, problems = new_lesson(number=number, title=title, summary=summary)
    if lesson is None:
        loc, why = problems[0]
        raise UsageError(f"--{loc[0] if loc else 'title'}: {why}")
    return lesson


def check_target(plan: LessonPlan) -> None:
    """Raise a CourseError when the lesson folder cannot be written: a file or a symlink
    out of the course in its place, a file among its parents, a read-only folder."""
    root = plan.root
    if plan.config_text is not None and not is_inside(root / CONFIG_NAME, root):
        raise ProblemsFound(
            f"{CONFIG_NAME} links to a file outside the course folder; nothing was written"
        )
    folder = plan.lesson_dir
    rel = folder.relative_to(root).as_posix()
    if not is_inside(folder, root):
        raise ProblemsFound(
            f"{rel} leads outside the course folder (a symlink?); nothing was written",
            hint=f"remove the link {rel}",
        )
    for path in (folder, *folder.parents):
        if path == root:
            break
        if path.exists() and not path.is_dir():
            shown_path = path.relative_to(root).as_posix()
            raise ProblemsFound(
                f"{shown_path} is a file, not a folder; nothing was written",
                hint=f"move or delete {shown_path}",
            )
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), root)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ProblemsFound(
            f"{existing.relative_to(root).as_posix() or '.'} is not writable; nothing was written"
        )


def apply(plan: LessonPlan) -> None:
    """Carry out the plan: the lesson's files first, course.yaml last, so a failure leaves
    course.yaml as it was (and removes the files this run created).

    Raises ProblemsFound (nothing written) when files conflict or the folder cannot be
    written, DiskError when a write fails (the created files are removed again).
    """
    raise_for_conflicts(plan)
    check_target(plan)
    created: list[Path] = []
    try:
        for f in plan.files:
            existed = f.path.exists()
            atomic_write(f.path, f.content)
            if not existed:
                created.append(f.path)
        if plan.config_text is not None:
            write_keeping_style(plan.root / CONFIG_NAME, plan.config_text)
    except OSError as exc:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.unlink()
        raise DiskError(
            f"cannot write {exc.filename or plan.lesson_dir}: {exc.strerror or exc}",
            hint="course.yaml was not changed",
        ) from None
