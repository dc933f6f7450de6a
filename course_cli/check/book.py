"""Book extracts of lessons with ``book:`` labels, and typst-engine conspects.

Freshness is ``course book-sync``'s business: this module asks it, and says so plainly when
that check is not available.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from course_cli.check.findings import Finding, make
from course_cli.check.source import Doc

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson


LOCK_NAME = "book-sync.lock.json"  # = booksync.lock.LOCK_NAME (kept here: no import)


def booksync_available() -> bool:
    """True when ``course book-sync`` is installed (found without importing it)."""
    import importlib.util

    return importlib.util.find_spec("course_cli.booksync") is not None


def _booksync() -> Any:
    """The book-sync runner (``sync``), or None when this installation has none."""
    if not booksync_available():
        return None
    from course_cli.booksync import runner

    return runner if callable(getattr(runner, "sync", None)) else None


GENERATOR_VERSION = 1  # course_cli.booksync.lock.GENERATOR_VERSION


def _has_lock(course: Course, lesson: Lesson) -> bool:
    return (lesson.dir(course.root) / "book" / LOCK_NAME).is_file()


def _surely_fresh(course: Course, lesson: Lesson) -> bool:
    """True when the lock file's hashes all match: nothing to ask book-sync (a fast path that
    keeps `course check` from loading the LaTeX reader). False means "ask book-sync"."""
    import hashlib
    import json

    from course_cli.core.boundary import is_inside

    folder = lesson.dir(course.root) / "book"
    try:
        lock = json.loads((folder / LOCK_NAME).read_text(encoding="utf-8"))
        if (
            lock.get("version") != GENERATOR_VERSION
            or lock.get("book") != course.book.source
            or lock.get("labels") != list(lesson.book)
        ):
            return False
        pairs = [(course.root / rel, sha) for rel, sha in lock["sources"].items()]
        if not all(is_inside(path, course.root) and path.is_file() for path, _ in pairs):
            return False  # ask book-sync, which reads only files inside the course
        pairs += [(folder / name, sha) for name, sha in lock["outputs"].items()]
        return all(hashlib.sha256(path.read_bytes()).hexdigest() == sha for path, sha in pairs)
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return False


def check_books(course: Course, lessons: Sequence[Lesson]) -> list[Finding]:
    """B001–B003 for the lessons with ``book:`` labels: each extract exists and matches the book.

    Asks ``course_cli.booksync.runner.sync(check=True)`` (hashes only, no tools run); without that
    module, a lesson with no extract yet is reported as not synced (a warning).
    """
    chosen = [x for x in lessons if x.book and x.dir(course.root).is_dir()]  # else C002 says it
    if not chosen:
        return []
    if not booksync_available():
        return [f for x in chosen for f in _not_synced(course, x)]
    out = [_never_synced(x) for x in chosen if not _has_lock(course, x)]
    chosen = [x for x in chosen if _has_lock(course, x) and not _surely_fresh(course, x)]
    module = _booksync() if chosen else None
    if module is None:
        return out
    from course_cli.core.errors import CourseError

    try:
        report = module.sync(course, [x.number for x in chosen], check=True)
    except CourseError as exc:
        return [
            make(
                "B002",
                course.book.source,
                None,
                f"book extracts cannot be checked: {exc.message}",
                exc.hint,
            )
        ]
    by_number = {x.number: x for x in chosen}
    for result in report.lessons:
        lesson = by_number.get(result.number)
        problems = list(result.problems)
        if lesson is None or not problems:
            continue
        if all(p.status == "missing" for p in problems):
            out.append(_never_synced(lesson))
            continue
        for p in problems:
            if p.status == "missing":
                continue
            out.append(
                make(
                    "B002",
                    report.rel(p.path),
                    None,
                    f"lesson {lesson.number}: book extract {p.detail or p.status}",
                    f"run `course book-sync {lesson.number}`"
                    + (" --force" if p.status in ("edited", "kept-edit") else ""),
                    lesson=lesson.number,
                )
            )
    return out


def _never_synced(lesson: Lesson) -> Finding:
    return make(
        "B001",
        f"lessons/{lesson.dirname}/book/",
        None,
        f"lesson {lesson.number}: no book extract for {', '.join(lesson.book)} (never synced)",
        f"run `course book-sync {lesson.number}`",
        lesson=lesson.number,
    )


def _not_synced(course: Course, lesson: Lesson) -> list[Finding]:
    folder = lesson.dir(course.root) / "book"
    try:
        if folder.is_dir() and any(folder.iterdir()):
            return []
    except OSError:
        pass
    return [
        make(
            "B003",
            f"lessons/{lesson.dirname}/book/",
            None,
            f"lesson {lesson.number}: book extract ({', '.join(lesson.book)}) not synced yet",
            f"run `course book-sync {lesson.number}`",
            lesson=lesson.number,
        )
    ]


def _typst_check() -> Any:
    for module in ("course_cli.builders.pdf.checks",):
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
