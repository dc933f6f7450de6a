"""The lock file: provenance of a lesson's ``book/`` folder and the hashes that tell, without
parsing the book, whether its extract is up to date."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.booksync.paths import rel
from course_cli.booksync.report import FileAction, LessonResult

if TYPE_CHECKING:
    from course_cli.booksync.extract import Rendered
    from course_cli.core.config import Course, Lesson
    from course_cli.latex.model import Book

GENERATOR_VERSION = 1
# Identifies what the LaTeX reader and the extractor produce; every lock records it, and a
# lock with another one is stale. Change it (any new value) with every change to
# course_cli.latex or course_cli.booksync that may change an extract; a pure refactoring
# keeps it. tests/test_booksync_generator.py fails when the fixture book's extracts change
# while this stays. (It used to be a hash of latex.py and booksync.py; this is the last one,
# so the extracts that code wrote stay fresh. "c2-…": book.md renders citations; "c4-…":
# counters of packages are set only where defined, local .sty/.cls copied beside book.tex;
# "c5-…": outside references take their number from the book's .aux through xr.)
GENERATOR_ID = "c6-md-algorithms"
LOCK_NAME = "book-sync.lock.json"
TEX_NAME = "book.tex"
MD_NAME = "book.md"


def sha(data: str | bytes) -> str:
    """The SHA-256 of ``data`` (text as UTF-8), in hex."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def file_sha(path: Path, root: Path | None = None) -> str | None:
    """The SHA-256 of a file's bytes, or None when it cannot be read or lies outside the
    course at ``root`` (default: the course it is in; a lock that names ``/dev/zero`` reads
    nothing)."""
    from course_cli.core.boundary import course_root_of, is_inside, read_bounded

    if not is_inside(path, root or course_root_of(path)) or not path.is_file():
        return None
    try:
        return sha(read_bounded(path))
    except OSError:
        return None


def generator_id() -> str:
    """Identify the rules that render extracts (recorded in every lock: see GENERATOR_ID)."""
    return GENERATOR_ID


def read_lock(path: Path) -> dict[str, Any] | None:
    """The lock file at ``path`` as a dict, or None when it is missing, not JSON (or not
    UTF-8), or not shaped like a lock (``sources``/``inputs``/``outputs`` maps of strings)."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(data, dict):
        return None
    for key in ("sources", "inputs", "outputs"):
        part = data.get(key, {})
        if not isinstance(part, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in part.items()
        ):
            return None
    return data


def stale_reasons(
    lock: dict[str, Any] | None, lesson: Lesson, folder: Path, root: Path, main_rel: str,
    seen: dict[str, str | None] | None = None,
) -> list[str]:  # fmt: skip
    """Return why the lesson's extract may be stale (empty: fresh), from hashes alone.
    ``seen`` keeps the sources' hashes from one lesson to the next (they share the book)."""
    seen = {} if seen is None else seen
    if lock is None:
        return ["no lock file (never synced)"]
    if lock.get("version") != GENERATOR_VERSION or lock.get("generator") != generator_id():
        return ["made by another version of book-sync"]
    if lock.get("book") != main_rel:
        return [f"made from another book ({lock.get('book')})"]
    if lock.get("labels") != list(lesson.book):
        return ["the lesson's `book:` list changed"]
    reasons = []
    for source, digest in sorted(lock.get("sources", {}).items()):
        if source not in seen:
            seen[source] = file_sha(root / source, root)
        if seen[source] != digest:
            reasons.append(f"source {source} changed")
    for name, digest in sorted(lock.get("outputs", {}).items()):
        now = file_sha(folder / name, root)
        if now is None:
            reasons.append(f"{name} is missing")
        elif now != digest:
            reasons.append(f"{name} was edited by hand")
    return reasons


def _sources(book: Book, course: Course) -> dict[str, str | None]:
    """Every file the extract depends on: the book's sources and the bibliography."""
    root = course.root
    files = [f.path for f in book.files]
    bib = course.path(course.book.bibliography)
    if bib.is_file():
        files.append(bib)
    return {rel(p, root): file_sha(p, root) for p in files}


def write_lock(
    book: Book, course: Course, lesson: Lesson, folder: Path, r: Rendered, md_in_sha: str,
    outputs: dict[str, str], result: LessonResult, check: bool,
) -> None:  # fmt: skip
    """Write the lesson's lock (provenance and hashes) unless it is unchanged; in ``check``
    mode only report a missing one."""
    root = course.root
    main_rel = rel(book.main, root)
    lock = {
        "_comment": "DO NOT EDIT: written by `course book-sync` (provenance of this folder).",
        "version": GENERATOR_VERSION,
        "generator": generator_id(),
        "book": main_rel,
        "lesson": lesson.number,
        "labels": list(lesson.book),
        "parts": r.ranges,
        "sources": _sources(book, course),
        "inputs": {MD_NAME: md_in_sha},
        "outputs": dict(sorted(outputs.items())),
    }
    text = json.dumps(lock, indent=2, ensure_ascii=False) + "\n"
    path = folder / LOCK_NAME
    old = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    if old == text:
        result.files.append(FileAction(path, "unchanged"))
    elif check:
        if old is None:
            result.files.append(FileAction(path, "missing", "missing (never synced)"))
    else:
        from course_cli.core.fs import atomic_write

        atomic_write(path, text)
        result.files.append(FileAction(path, "written"))
