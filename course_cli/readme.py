"""``course readme``: the roadmap table in README.md, generated from course.yaml.

Only the text between the two marker comments is replaced; the rest of README.md is the
maintainers' and is never touched. Running it twice changes no byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_cli.config import Course
from course_cli.errors import CourseError
from course_cli.fsutil import atomic_write

START = "<!-- course:roadmap:start -->"
END = "<!-- course:roadmap:end -->"
README = "README.md"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _link_text(text: str) -> str:
    return _cell(text).replace("[", "\\[").replace("]", "\\]")


def render_roadmap(course: Course) -> str:
    """Return the roadmap table (Markdown, ending with a newline) for ``course``."""
    lines = [
        "| # | Lesson | Description | Slides | Conspect |",
        "|---:|---|---|---|---|",
    ]
    for lesson in course.lessons:
        base = f"lessons/{lesson.dirname}"
        lines.append(
            f"| {lesson.number} | [{_link_text(lesson.title)}]({base}/README.md) "
            f"| {_cell(lesson.summary)} | [Slides]({base}/slides/) "
            f"| [Conspect]({base}/conspect.md) |"
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ReadmeResult:
    """What ``update_readme`` found: whether the table changed and a line for the user."""

    changed: bool
    message: str


def splice(text: str, table: str) -> str:
    """Return ``text`` with the block between the markers replaced by ``table``.

    Raises CourseError when the markers are missing or out of order.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise CourseError(
            f"{README}: no roadmap markers",
            hint=f"put the lines {START} and {END} where the table belongs",
        )
    head = text[: start + len(START)]
    return f"{head}\n{table}{text[end:]}"


def current_table(course: Course) -> str | None:
    """Return the table now between the markers in README.md, or None without markers."""
    path = course.root / README
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(START) : end].lstrip("\n")


def update_readme(course: Course, *, write: bool = True) -> ReadmeResult:
    """Bring README.md's roadmap up to date (when ``write``); return whether it changed."""
    path = course.root / README
    if not path.is_file():
        raise CourseError(f"{README}: no such file in {course.root}")
    text = path.read_text(encoding="utf-8")
    new = splice(text, render_roadmap(course))
    if new == text:
        return ReadmeResult(False, f"{README}: roadmap already up to date")
    if write:
        atomic_write(path, new)
        return ReadmeResult(True, f"{README}: roadmap updated ({len(course.lessons)} lessons)")
    return ReadmeResult(True, f"{README}: roadmap is out of date")
