"""One lesson of a course: its files through the rules, and its row of the deliverables grid."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.check import deliverables as dl
from course_cli.check import front
from course_cli.check.context import CheckContext
from course_cli.check.findings import Finding, make
from course_cli.check.result import LessonResult
from course_cli.check.run import MARKDOWN_SUFFIXES, rules_for
from course_cli.check.source import Doc

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson


def lesson_files(folder: Path) -> list[Path]:
    """The Markdown files of a lesson folder (book/ is generated: skipped; links not followed)."""
    found: list[Path] = []
    for here, dirs, files in os.walk(folder):
        rel = Path(here).relative_to(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (rel == Path(".") and d == "book")
        )
        found.extend(Path(here) / f for f in sorted(files) if f.endswith(MARKDOWN_SUFFIXES))
    return found


def _result(lesson: Lesson, parts: dict[str, str], required: Sequence[str]) -> LessonResult:
    return LessonResult(
        lesson.number, lesson.title, f"lessons/{lesson.dirname}", parts, tuple(required)
    )


def check_lesson(
    course: Course, lesson: Lesson, ctx: CheckContext
) -> tuple[list[Finding], LessonResult, list[Path]]:
    """Check one lesson. Returns its findings, its grid row and the files checked."""
    folder = lesson.dir(course.root)
    contract = course.deliverables_for(lesson)
    if not folder.is_dir():
        absent: dict[str, str] = {p: "missing" for p in contract.required}
        absent.update({p: "absent" for p in contract.optional})
        missing = make(
            "C002",
            f"lessons/{lesson.dirname}/",
            None,
            f"lesson {lesson.number} has no folder lessons/{lesson.dirname}",
            f"run `course new-lesson {lesson.number}` to scaffold it",
            lesson=lesson.number,
        )
        return [missing], _result(lesson, absent, contract.required), []
    files = lesson_files(folder)
    checker = _LessonFiles(course, lesson, ctx)
    for path in files:
        checker.check(path, path.relative_to(folder).as_posix())
    findings, states = checker.findings, checker.states
    from course_cli.check.notebooks import check_notebooks

    findings.extend(check_notebooks(folder, course.root, lesson.number))
    findings.extend(outside_links(course, lesson, folder))
    parts: dict[str, str] = {}
    for part in contract.required:
        status, finding = _required_status(course, lesson, folder, part, states)
        parts[part] = status
        if finding is not None:
            findings.append(finding)
    for part in contract.optional:
        parts[part] = _optional_status(folder, part, states)
    return findings, _result(lesson, parts, contract.required), files


def outside_links(course: Course, lesson: Lesson, folder: Path) -> list[Finding]:
    """F006: files of the lesson that are symlinks out of the course (never published), and
    raw TeX in the conspect that opens a file outside it (refused by the build)."""
    from course_cli.core.boundary import is_inside, tex_escapes

    out = []
    base = f"lessons/{lesson.dirname}/"
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not is_inside(path, course.root):
            rel = base + path.relative_to(folder).as_posix()
            out.append(
                make(
                    "F006",
                    rel,
                    None,
                    f"{rel} links to {os.path.realpath(path)}, outside the course folder; "
                    "it is not built or published",
                    "copy the file into the course instead of linking to it",
                    lesson=lesson.number,
                )
            )
    conspect = folder / "conspect.md"
    if conspect.is_file() and is_inside(conspect, course.root):
        text = conspect.read_text(encoding="utf-8", errors="replace")
        for line, command, name in tex_escapes(text, folder, course.root, comments=False):
            out.append(
                make(
                    "F006",
                    base + "conspect.md",
                    line,
                    f"\\{command}{{{name}}} opens a file outside the course folder",
                    "keep every file the conspect reads inside the course",
                    lesson=lesson.number,
                )
            )
    return out


class _LessonFiles:
    """Runs the rules over a lesson's files and remembers each file's state for the grid."""

    def __init__(self, course: Course, lesson: Lesson, ctx: CheckContext):
        self.course, self.lesson, self.ctx = course, lesson, ctx
        self.findings: list[Finding] = []
        self.states: dict[str, str | None] = {}
        self._template: dict[str, dl.TemplateLines] | None = None

    def check(self, path: Path, rel: str) -> None:
        deck = rel.startswith("slides/") and rel.count("/") == 1
        doc, problems = self.ctx.doc(path, self.lesson.number)
        self.findings.extend(problems)
        if doc is None:
            self.states[rel] = "unreadable"
            return
        self.findings.extend(rules_for(doc, self.ctx, deck=deck, must_be_marp=deck))
        folder = f"lessons/{self.lesson.dirname}"
        self.findings.extend(front.check_lesson_number(doc, self.lesson.number, folder))
        template = self._template_for(doc, rel)
        untouched = dl.is_untouched(doc, template)
        skip: set[int] = set()
        if rel == "README.md" and not untouched:
            found, skip = dl.check_readme_sections(doc)
            self.findings.extend(found)
        if rel == "conspect.md":
            self._conspect(doc, untouched)
        found, self.states[rel] = dl.check_placeholders(doc, template, skip)
        self.findings.extend(found)

    def _template_for(self, doc: Doc, rel: str) -> dl.TemplateLines | None:
        if self._template is None and dl.PLACEHOLDER_RE.search(doc.nocode):
            self._template = dl.template_lines(self.course, self.lesson)
        return (self._template or {}).get(rel)

    def _conspect(self, doc: Doc, untouched: bool) -> None:
        from course_cli.check import book

        if dl.conspect_is_empty(doc) and not untouched:
            self.findings.append(dl.empty_conspect(doc))
            self.states["conspect.md#empty"] = "empty"
        self.findings.extend(front.check_engine(doc))
        if book.uses_typst(doc, self.course.build.pdf_engine):
            self.findings.extend(book.check_typst(doc))


def _required_status(
    course: Course, lesson: Lesson, folder: Path, part: str, states: dict[str, str | None]
) -> tuple[str, Finding | None]:
    from course_cli.core.inventory import decks

    if part == "slides":
        if not (folder / "slides").is_dir():
            return "missing", dl.missing_part(course, lesson, part)
        names = [f"slides/{p.name}" for p in decks(folder)]
        if not names:
            return "empty", dl.no_deck(lesson)
        worst = [states.get(n) for n in names]
    elif part in ("readme", "conspect"):
        name = dl.PART_FILES[part]
        if not (folder / name).is_file():
            return "missing", dl.missing_part(course, lesson, part)
        worst = [states.get(name), states.get(f"{name}#empty")]
    else:
        if dl.optional_status(folder, part) == "absent":
            return "missing", dl.missing_part(course, lesson, part)
        return "ok", None
    for state in ("unreadable", "template", "empty", "todo"):
        if state in worst:
            return state, None
    return "ok", None


def _optional_status(folder: Path, part: str, states: dict[str, str | None]) -> str:
    status = dl.optional_status(folder, part)
    inside = {state for name, state in states.items() if name.startswith(f"{part}/")}
    for state in ("template", "todo"):
        if status == "present" and state in inside:
            return state
    return status
