"""Book extracts of lessons with ``book:`` labels, and typst-engine conspects.

Freshness is ``course book-sync``'s business: this module asks it, and says so plainly when
that check is not available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from course_cli.check.findings import Finding, make
from course_cli.check.source import Doc

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson


def _booksync_check() -> Any:
    try:
        from course_cli import booksync  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    for name in ("check_lesson", "check_extracts", "check"):
        fn = getattr(booksync, name, None)
        if callable(fn):
            return fn
    return None


def check_book(course: Course, lesson: Lesson) -> list[Finding]:
    """B001–B003 for one lesson: its book extract exists and matches the book source."""
    if not lesson.book:
        return []
    folder = lesson.dir(course.root) / "book"
    rel = f"lessons/{lesson.dirname}/book/"
    labels = ", ".join(lesson.book)
    fn = _booksync_check()
    if fn is None:
        try:
            synced = folder.is_dir() and any(folder.iterdir())
        except OSError:
            synced = False
        if synced:
            return []
        return [
            make(
                "B003",
                rel,
                None,
                f"lesson {lesson.number}: book extract ({labels}) not synced yet",
                f"run `course book-sync {lesson.number}`",
                lesson=lesson.number,
            )
        ]
    return _from_booksync(fn, course, lesson, rel, labels)


def _from_booksync(fn: Any, course: Course, lesson: Lesson, rel: str, labels: str) -> list[Finding]:
    from course_cli.errors import CourseError

    try:
        result = fn(course, lesson)
    except CourseError as exc:
        return [
            make(
                "B002",
                rel,
                None,
                f"lesson {lesson.number}: book extract cannot be checked: {exc.message}",
                exc.hint,
                lesson=lesson.number,
            )
        ]
    status = str(getattr(result, "status", result) or "ok").lower()
    if status in ("ok", "fresh", "up-to-date", "true"):
        return []
    if "missing" in status or "absent" in status:
        return [
            make(
                "B001",
                rel,
                None,
                f"lesson {lesson.number}: no book extract for {labels}",
                f"run `course book-sync {lesson.number}`",
                lesson=lesson.number,
            )
        ]
    detail = getattr(result, "message", "") or status
    return [
        make(
            "B002",
            rel,
            None,
            f"lesson {lesson.number}: book extract is out of date ({detail})",
            f"run `course book-sync {lesson.number}`",
            lesson=lesson.number,
        )
    ]


def _typst_check() -> Any:
    for module in ("course_cli.pdf", "course_cli.pdfcheck"):
        try:
            mod = __import__(module, fromlist=["typst_incompatibilities"])
        except ImportError:
            continue
        fn = getattr(mod, "typst_incompatibilities", None)
        if callable(fn):
            return fn
    return None


def uses_typst(doc: Doc, default_engine: str) -> bool:
    """True when a conspect is built with typst (front matter ``engine:`` or course.yaml)."""
    engine = (doc.front or {}).get("engine") or default_engine
    return str(engine).strip().lower() == "typst"


def check_typst(doc: Doc) -> list[Finding]:
    """T001: constructs a typst-built conspect cannot render (each needs a LaTeX engine)."""
    fn = _typst_check()
    if fn is None:
        return []
    out = []
    for line, message in fn(doc.text):
        out.append(
            doc.finding_at_line(
                "T001",
                int(line),
                f"{message}",
                "set `engine: xelatex` in the front matter, or rewrite the construct",
            )
        )
    return out
