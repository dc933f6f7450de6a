"""Front matter values of a lesson's files: the conspect's ``engine:`` and a file's ``lesson:``.

``course build pdf`` refuses a conspect whose ``engine:`` is not a PDF engine; a ``lesson:``
that names another lesson than the folder's is a copied file nobody updated.
"""

from __future__ import annotations

import re
from typing import get_args

from course_cli.check.findings import Finding
from course_cli.check.source import Doc


def engines() -> tuple[str, ...]:
    """The PDF engines a conspect may name (course.yaml ``build.pdf_engine`` accepts the same)."""
    from course_cli.core.config import PdfEngine

    return tuple(get_args(PdfEngine))


def key_offset(doc: Doc, key: str) -> int | None:
    """Offset of the value of top-level front matter ``key`` (its line start when it has no
    value on that line), or None when the front matter has no such line."""
    pattern = re.compile(rf"^{re.escape(key)}[ \t]*:[ \t]*", re.M)
    for index in range(1, max(doc.front_lines - 1, 1)):
        start = doc.line_starts[index]
        end = doc.text.find("\n", start)
        m = pattern.match(doc.text, start, end if end >= 0 else len(doc.text))
        if m:
            return m.end()
    return None


def _finding(doc: Doc, code: str, key: str, message: str, hint: str) -> Finding:
    at = key_offset(doc, key)
    if at is None:
        return doc.finding_at_line(code, 1, message, hint)
    return doc.finding(code, at, message, hint)


def check_engine(doc: Doc) -> list[Finding]:
    """F005: a conspect's ``engine:`` that ``course build pdf`` does not know (it exits 2)."""
    front = doc.front or {}
    engine = front.get("engine")
    if engine is None or engine in engines():
        return []
    return [
        _finding(
            doc,
            "F005",
            "engine",
            f"front matter engine: {engine!r} is not a PDF engine (`course build pdf` stops here)",
            "use one of: " + ", ".join(engines()) + " (or drop the line for course.yaml's default)",
        )
    ]


def check_lesson_number(doc: Doc, number: int, folder: str) -> list[Finding]:
    """C007: a front matter ``lesson:`` that is not the number of the lesson folder."""
    front = doc.front or {}
    if "lesson" not in front or front["lesson"] is None:
        return []
    value = front["lesson"]
    given: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        given = value
    elif isinstance(value, str) and value.strip().isdigit():
        given = int(value)
    if given == number:
        return []
    if given is None:
        message = f"front matter lesson: {value!r} is not a lesson number"
    else:
        message = f"front matter lesson: {given} disagrees with the folder {folder}"
    return [_finding(doc, "C007", "lesson", message, f"write `lesson: {number}`")]
