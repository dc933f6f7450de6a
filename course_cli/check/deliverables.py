"""The deliverables contract: required parts present, README sections, no leftover template.

Scaffolded files mark every placeholder with ``<!-- TODO(course): … -->``. A file whose
every line still comes from the rendered template is *untouched* (D006, one finding); in a
file that has been worked on, each marker left is a placeholder (D007).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.check.findings import Finding, make
from course_cli.check.source import Doc
from course_cli.core.templating import template_dir

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson

PLACEHOLDER_RE = re.compile(r"<!--\s*TODO\(course\)")
SECTIONS = ("objectives", "outline", "reading", "homework")
_SECTION_RE = {
    "objectives": re.compile(r"^(?:learning\s+)?(?:objectives?|goals?)\b"),
    "outline": re.compile(r"^(?:outline|plan|agenda)\b"),
    "reading": re.compile(r"^(?:reading|readings|literature)\b"),
    "homework": re.compile(r"^(?:homework|assignments?)\b"),
}
PART_FILES = {
    "readme": "README.md",
    "slides": "slides/",
    "conspect": "conspect.md",
    "exercises": "exercises/",
    "notebooks": "notebooks/",
    "reading": "reading/",
}


@dataclass
class LessonParts:
    """The grid row of one lesson: deliverable name → status word."""

    status: dict[str, str] = field(default_factory=dict)


def placeholders(doc: Doc) -> list[int]:
    """Return the lines of ``<!-- TODO(course): … -->`` markers outside code."""
    return [doc.pos(m.start())[0] for m in PLACEHOLDER_RE.finditer(doc.nocode)]


def section_heading(text: str) -> str | None:
    """Return which required README section a heading's text names, or None."""
    plain = re.sub(r"[^\w\s]", " ", text.lower()).strip()
    plain = re.sub(r"^\d+\s+", "", plain)
    for name, pattern in _SECTION_RE.items():
        if pattern.match(plain):
            return name
    return None


def check_readme_sections(doc: Doc) -> tuple[list[Finding], set[int]]:
    """D002/D003 for a lesson README. Returns the findings and the lines of empty sections."""
    out: list[Finding] = []
    found: dict[str, int] = {}
    empty_lines: set[int] = set()
    lines = doc.visible.split("\n")
    headings = doc.headings
    for index, heading in enumerate(headings):
        name = section_heading(heading.text) if heading.level >= 2 else None
        if name is None or name in found:
            continue
        found[name] = heading.line
        stop = len(lines)
        for later in headings[index + 1 :]:
            if later.level <= heading.level:
                stop = later.line - 1
                break
        body = lines[heading.line : stop]
        if not any(line.strip() for line in body):
            empty_lines.update(range(heading.line, stop + 1))
            out.append(
                doc.finding_at_line(
                    "D003",
                    heading.line,
                    f"section “{heading.text.strip()}” has no content",
                    "write the section (a placeholder comment does not count)",
                )
            )
    for name in SECTIONS:
        if name not in found:
            out.append(
                doc.finding_at_line(
                    "D002",
                    None,
                    f"README has no “{name.capitalize()}” section",
                    f"add a `## {name.capitalize()}` heading with its content",
                )
            )
    return out, empty_lines


@dataclass(frozen=True)
class TemplateLines:
    """The lines of one template file: literal lines, and patterns for lines with ``{{ … }}``."""

    literal: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    def __contains__(self, line: object) -> bool:
        text = str(line)
        return (
            text in self.literal
            or bool(_WHOLE_PLACEHOLDER_RE.fullmatch(text))
            or any(p.fullmatch(text) for p in self.patterns)
        )


_WHOLE_PLACEHOLDER_RE = re.compile(r"<!--\s*TODO\(course\).*?-->")
_JINJA_EXPR_RE = re.compile(r"\{\{.*?\}\}")
_JINJA_STMT_RE = re.compile(r"\{%.*?%\}")


def template_lines(course: Course, lesson: Lesson) -> dict[str, TemplateLines]:
    """Return, per file of templates/lesson/ (``.j2`` dropped), what its lines may render to.

    No Jinja run: inside a line a ``{{ expression }}`` matches any text, a line that is only an
    expression matches the lesson's title or summary (or a placeholder comment), and
    ``{% statement %}`` vanishes; so a scaffolded file is recognised whatever the lesson.
    """
    values = {course.title, lesson.title, lesson.summary, str(lesson.number), lesson.dirname}
    values = {v.strip() for v in values} - {""}
    folder = template_dir(course.root, "lesson")
    out: dict[str, TemplateLines] = {}
    if not folder.is_dir():
        return out
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix().removesuffix(".j2")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        literal, patterns = set(), []
        for raw in text.splitlines():
            line = _JINJA_STMT_RE.sub("", raw).strip()
            if not line:
                continue
            if "{{" in line:
                parts = _JINJA_EXPR_RE.split(line)
                if not "".join(parts).strip():
                    literal.update(values)
                    continue
                patterns.append(re.compile(".*".join(re.escape(x) for x in parts), re.S))
            else:
                literal.add(line)
        out[rel] = TemplateLines(frozenset(literal), tuple(patterns))
    return out


def is_untouched(doc: Doc, template: TemplateLines | None) -> bool:
    """True when the file still holds a placeholder and nothing that is not template text."""
    if template is None or not PLACEHOLDER_RE.search(doc.nocode):
        return False
    own = [x.strip() for x in doc.text.splitlines() if x.strip()]
    return all(x in template for x in own)


def check_placeholders(
    doc: Doc, template_lines: TemplateLines | None, skip_lines: Collection[int] = ()
) -> tuple[list[Finding], str | None]:
    """D006/D007 for one file. Returns the findings and "template"/"todo"/None for the grid."""
    if is_untouched(doc, template_lines):
        return [
            doc.finding_at_line(
                "D006",
                1,
                "still the untouched template from `course new-lesson`",
                "write the content; every <!-- TODO(course): … --> marks what is missing",
            )
        ], "template"
    lines = placeholders(doc)
    found = [
        doc.finding_at_line(
            "D007",
            line,
            "template placeholder left: <!-- TODO(course): … -->",
            "replace the placeholder with the content it asks for",
        )
        for line in lines
        if line not in skip_lines
    ]
    return found, ("todo" if lines else None)


def conspect_is_empty(doc: Doc) -> bool:
    """True when a conspect has no text besides front matter and comments."""
    return not doc.visible.strip()


def missing_part(course: Course, lesson: Lesson, part: str) -> Finding:
    """D001 for a required part that is not there."""
    rel = f"lessons/{lesson.dirname}/{PART_FILES[part]}"
    what = {"slides": "slides/ (a folder of Marp decks)"}.get(part, PART_FILES[part])
    return make(
        "D001",
        rel,
        None,
        f"lesson {lesson.number}: required {part} is missing ({what})",
        f"run `course new-lesson {lesson.number}` to scaffold missing files",
        lesson=lesson.number,
    )


def no_deck(lesson: Lesson) -> Finding:
    """D004 for a slides/ folder with no deck in it."""
    return make(
        "D004",
        f"lessons/{lesson.dirname}/slides/",
        None,
        f"lesson {lesson.number}: slides/ holds no Markdown deck (*.md)",
        "add slides/slides.md with `marp: true` in its front matter",
        lesson=lesson.number,
    )


def empty_conspect(doc: Doc) -> Finding:
    """D005 for a conspect without content."""
    return doc.finding_at_line(
        "D005", 1, "conspect.md is empty", "write the lesson's mathematical notes"
    )


def optional_status(lesson_dir: Path, part: str) -> str:
    """Return "present" or "absent" for an optional part (a non-empty folder, or NAME.md)."""
    folder = lesson_dir / part
    try:
        if folder.is_dir() and any(folder.iterdir()):
            return "present"
    except OSError:
        pass
    return "present" if (lesson_dir / f"{part}.md").is_file() else "absent"
