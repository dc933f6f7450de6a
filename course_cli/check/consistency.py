"""course.yaml ↔ lessons/ ↔ README roadmap, and the check configuration itself."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from course_cli.check.findings import RULES, Finding, make
from course_cli.core.errors import CourseError

if TYPE_CHECKING:
    from course_cli.core.config import Course

_LESSON_DIR_RE = re.compile(r"lesson_(\d+)")
CONFIG = "course.yaml"


class _ConfigLines:
    """Line numbers in course.yaml, parsed only when a finding needs one."""

    def __init__(self, course: Course):
        self.course = course

    @cached_property
    def _doc(self) -> object | None:
        try:
            from course_cli.core.yamlpos import load_yaml

            return load_yaml(self.course.config_path)
        except Exception:
            return None

    def line(self, loc: Sequence[int | str]) -> int | None:
        doc = self._doc
        return doc.line_of(loc) if doc is not None else None  # type: ignore[attr-defined]


def check_consistency(course: Course) -> list[Finding]:
    """C001, C003–C005: orphan lesson folders, number gaps, roadmap drift (C002 is per lesson)."""
    lines = _ConfigLines(course)
    out = _folders(course, lines)
    numbers = sorted(x.number for x in course.lessons)
    if numbers:
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        if missing:
            shown = ", ".join(str(n) for n in missing)
            out.append(
                make(
                    "C003",
                    CONFIG,
                    lines.line(("lessons",)),
                    f"lesson numbers skip {shown}",
                    "number lessons 1, 2, 3, … without gaps",
                )
            )
    out.extend(_roadmap(course))
    return out


def _folders(course: Course, lines: _ConfigLines) -> list[Finding]:
    out: list[Finding] = []
    expected = {x.dirname: x for x in course.lessons}
    by_number = {x.number: x for x in course.lessons}
    lessons_dir = course.root / "lessons"
    try:
        entries = sorted(e.name for e in os.scandir(lessons_dir) if e.is_dir())
    except OSError:
        entries = []
    for name in entries:
        if name in expected or name.startswith((".", "_")):
            continue
        m = _LESSON_DIR_RE.fullmatch(name)
        if m and int(m.group(1)) in by_number:
            want = by_number[int(m.group(1))].dirname
            message = f"lessons/{name} is not named like its lesson (expected lessons/{want})"
            hint = f"rename it to lessons/{want}"
        else:
            message = f"lessons/{name} is not a lesson listed in {CONFIG}"
            hint = (
                "add the lesson with `course new-lesson N --title …`, "
                "or move the folder out of lessons/"
            )
        out.append(make("C001", f"lessons/{name}/", None, message, hint))
    return out


def _roadmap(course: Course) -> list[Finding]:
    try:
        from course_cli import readme
    except ImportError:
        return []
    path = course.root / readme.README
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    text = text.replace("\r\n", "\n")
    try:
        start, end = readme.marker_region(text)
    except CourseError:
        start = end = -1
    if start < 0:
        return [
            make(
                "C004",
                readme.README,
                None,
                "README.md has no roadmap table markers",
                f"put {readme.START} and {readme.END} where the table belongs, "
                "then run `course readme`",
            )
        ]
    current = text[start:end].strip()
    wanted = readme.render_roadmap(course).strip()
    if current == wanted:
        return []
    line = text.count("\n", 0, start)  # the start marker's line
    return [
        make(
            "C005",
            readme.README,
            line,
            "the roadmap table is out of date with course.yaml",
            "run `course readme`",
        )
    ]


def check_config_codes(course: Course) -> list[Finding]:
    """C006 for unknown rule codes in course.yaml ``check: disable:`` and ``check: severity:``."""
    lines = _ConfigLines(course)
    out = []
    for index, code in enumerate(course.check.disable):
        if code not in RULES:
            out.append(
                make(
                    "C006",
                    CONFIG,
                    lines.line(("check", "disable", index)),
                    f"check.disable: unknown rule code {code}",
                    _code_hint(code),
                )
            )
    for code in course.check.severity:
        if code not in RULES:
            out.append(
                make(
                    "C006",
                    CONFIG,
                    lines.line(("check", "severity", code)),
                    f"check.severity: unknown rule code {code}",
                    _code_hint(code),
                )
            )
    return out


def _code_hint(code: str) -> str:
    import difflib

    close = difflib.get_close_matches(code.upper(), list(RULES), n=1, cutoff=0.5)
    if close and close[0] != code:
        return f"did you mean {close[0]}? (`course check --rules` lists them)"
    return "`course check --rules` lists the rule codes"
