"""``course readme``: the roadmap table in README.md, generated from course.yaml.

Only the text between the two marker comments is replaced; the rest of README.md is the
maintainers' and is never touched. Running it twice changes no byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course_cli.core.boundary import is_inside
from course_cli.core.config import Course
from course_cli.core.errors import CourseError, ProblemsFound
from course_cli.core.fs import write_keeping_style

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


def _marker_lines(text: str) -> tuple[list[int], list[int]]:
    """Offsets of the lines that hold only the start / end marker, outside fenced code.

    A marker quoted in prose, in inline code or in a fenced example is not a marker.
    """
    starts: list[int] = []
    ends: list[int] = []
    fence: str | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        bare = line.strip()
        m = _FENCE_RE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark) :]:
                fence = None
        elif fence is None and not line.startswith("    "):
            if bare == START:
                starts.append(offset)
            elif bare == END:
                ends.append(offset)
        offset += len(line)
    return starts, ends


_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def marker_region(text: str) -> tuple[int, int]:
    """(offset after the start marker's line, offset of the end marker's line).

    Raises CourseError (exit 2) when there are no markers, ProblemsFound (exit 1) when they
    are ambiguous: more than one pair, or the end before the start.
    """
    starts, ends = _marker_lines(text)
    if not starts or not ends:
        raise CourseError(
            f"{README}: no roadmap markers",
            hint=f"put the lines {START} and {END} where the table belongs",
        )
    if len(starts) > 1 or len(ends) > 1 or ends[0] < starts[0]:
        lines = [text.count("\n", 0, o) + 1 for o in sorted([*starts, *ends])]
        raise ProblemsFound(
            f"{README}: the roadmap markers are ambiguous (marker lines "
            f"{', '.join(map(str, lines))}); nothing was changed",
            hint="keep exactly one start line and one end line after it",
        )
    after_start = text.index("\n", starts[0]) + 1 if "\n" in text[starts[0] :] else len(text)
    return after_start, ends[0]


def splice(text: str, table: str) -> str:
    """Return ``text`` with the lines between the marker lines replaced by ``table``.

    Raises CourseError when the markers are missing, ProblemsFound when they are ambiguous.
    """
    begin, end = marker_region(text)
    return f"{text[:begin]}{table}{text[end:]}"


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProblemsFound(
            f"{README}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); nothing was changed",
            hint="save the file as UTF-8",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def current_table(course: Course) -> str | None:
    """Return the table now between the markers in README.md, or None without markers."""
    path = course.root / README
    if not path.is_file():
        return None
    try:
        begin, end = marker_region(_read(path))
    except CourseError:
        return None
    return _read(path)[begin:end]


def update_readme(course: Course, *, write: bool = True) -> ReadmeResult:
    """Bring README.md's roadmap up to date (when ``write``); return whether it changed.

    The file keeps its line endings, byte-order mark and, when it is a symlink, the link.
    """
    path = course.root / README
    if not path.is_file():
        raise CourseError(f"{README}: no such file in {course.root}")
    if not is_inside(path, course.root):
        raise ProblemsFound(f"{README} leads outside the course folder; it is not changed")
    text = _read(path)
    new = splice(text, render_roadmap(course))
    if new == text:
        return ReadmeResult(False, f"{README}: roadmap already up to date")
    if write:
        write_keeping_style(path, new)
        return ReadmeResult(True, f"{README}: roadmap updated ({len(course.lessons)} lessons)")
    return ReadmeResult(True, f"{README}: roadmap is out of date")
