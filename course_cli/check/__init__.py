"""``course check``: rules over a course (or any Markdown/Marp files) → a report of findings.

Two entry points return a :class:`CheckReport` and never print:

* :func:`check_course` — the deliverables contract, course.yaml ↔ lessons/ ↔ README roadmap,
  Markdown, Marp, math, book and typst rules over the lessons of a course;
* :func:`check_files` — the Markdown, Marp and math rules over arbitrary files and folders.

Configuration (course.yaml ``check: disable: [...]``, ``check: severity: {CODE: level}``) and
inline ``<!-- course: ignore CODE -->`` comments (own line and the next) are applied last.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.core.errors import UsageError

if TYPE_CHECKING:  # the rules are imported when a check runs: a replayed one loads none
    from course_cli.check.context import CheckContext
    from course_cli.check.findings import Finding
    from course_cli.check.result import CheckReport
    from course_cli.core.config import Course

__all__ = [
    "check_course",
    "parse_lesson_numbers",
]


def check_course(
    course: Course,
    numbers: Sequence[int] = (),
    outside: set[Path] | None = None,
    *,
    rendered: bool = False,
) -> CheckReport:
    """Check the lessons ``numbers`` of ``course`` (all when empty) plus, for a full check,
    course-wide consistency and the root README. ``rendered``: also the layout of the built
    outputs (:func:`course_cli.check.rendered.check_rendered`).

    Returns the report; raises UsageError for an unknown lesson number. ``outside`` (when
    given) receives the paths beyond the course's sources (outside the folder, or in build/)
    that the rules looked at: what a cached report also depends on.
    """
    from course_cli.builders.slides.builder import theme_files
    from course_cli.check.consistency import check_config_codes, check_consistency
    from course_cli.check.marp import known_themes
    from course_cli.check.result import CheckReport
    from course_cli.check.run import check_markdown_file, finalize

    wanted = {course.lesson(n).number for n in numbers}  # UsageError for an unknown number
    lessons = [x for x in course.lessons if not wanted or x.number in wanted]
    themes = theme_files(course)
    ctx = _course_context(course, known_themes(themes))
    for path in themes:
        ctx.note(path)
    findings: list[Finding] = check_config_codes(course)
    checked: list[Path] = []
    results = []
    from course_cli.check.lesson import check_lesson

    for lesson in lessons:
        found, result, files = check_lesson(course, lesson, ctx)
        findings.extend(found)
        results.append(result)
        checked.extend(files)
    from course_cli.check.book import check_books

    findings.extend(check_books(course, lessons))
    if not numbers:
        findings.extend(check_consistency(course))
        readme = course.root / "README.md"
        if readme.is_file():
            missing = tuple(
                f"lessons/{x.dirname}/" for x in lessons if not x.dir(course.root).is_dir()
            )
            findings.extend(
                f for f in check_markdown_file(readme, ctx) if not _into_missing_lesson(f, missing)
            )
            checked.append(readme)
    if rendered:
        from course_cli.check.rendered import check_rendered

        findings.extend(check_rendered(course, lessons))
    findings = finalize(findings, ctx, checked, course.check.disable, course.check.severity)
    if outside is not None:
        outside.update(ctx.outside)
    return CheckReport("course", course.root, findings, results, [ctx.rel(p) for p in checked])


def _into_missing_lesson(finding: Finding, missing: tuple[str, ...]) -> bool:
    """A roadmap link into a lesson folder that does not exist: C002 already says so."""
    target = finding.message.rpartition(": ")[2].removeprefix("./")
    return finding.code in ("L001", "L002") and bool(missing) and target.startswith(missing)


def _course_context(course: Course, themes: frozenset[str]) -> CheckContext:
    from course_cli.check.context import CheckContext
    from course_cli.check.markdown import read_bib_keys
    from course_cli.check.mathdefs import MathContext, read_macro_names

    path = course.path(course.macros)
    math = MathContext(read_macro_names(path), course.macros, shared_missing=not path.is_file())
    hint = "themes: " + ", ".join(sorted(themes)) + " (course themes live in templates/marp/*.css)"
    ctx = CheckContext(
        root=course.root,
        math=math,
        themes=themes,
        theme_hint=hint,
        generated=(course.root / "build",),
        bib_keys=read_bib_keys(course.path(course.book.bibliography)),
        bib_path=course.book.bibliography,
    )
    ctx.note(path)
    ctx.note(course.path(course.book.bibliography))
    return ctx


def parse_lesson_numbers(targets: Sequence[str]) -> list[int]:
    """Return the lesson numbers given on the command line; UsageError for anything else."""
    numbers = []
    for raw in targets:
        try:
            number = int(raw)
        except ValueError:
            raise UsageError(
                f"{raw!r} is not a lesson number",
                hint="give lesson numbers, or use --files PATH… to check files",
            ) from None
        if number < 1:
            raise UsageError(f"lesson numbers start at 1 (got {number})")
        numbers.append(number)
    return numbers
