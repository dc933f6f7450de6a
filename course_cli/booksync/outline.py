"""``course book-sync --outline``: the book's numbered tree, as text or JSON, kept in the plan
cache while the book's files are unchanged (the book is read only when one changed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.booksync.paths import aux_file, rel

if TYPE_CHECKING:
    from course_cli.core.config import Course
    from course_cli.latex.auxfile import Numbering
    from course_cli.latex.model import Book


def _notes(numbering: Numbering, book: Book | None = None) -> str:
    """The numbers' source and the warnings, as lines for stderr."""
    lines = [*(f"warning: {w}" for w in (book.missing if book else [])),
             *(f"warning: {w}" for w in numbering.warnings), f"note: {numbering.note}"]  # fmt: skip
    return "".join(f"{line}\n" for line in lines)


def outline(course: Course, fmt: str = "text") -> tuple[str, str]:
    """Return what ``course book-sync --outline`` prints on stdout and on stderr: the book's
    outline as text (see :func:`~course_cli.latex.outline.format_outline`) or, for ``fmt ==
    "json"``, as JSON: headings (level, number, title, labels, file, line) and every label with
    its environment and number; on stderr the numbers' source and the warnings (text only).
    Kept in the plan cache (``build/.cache/plan.json``) while every file the reading depended
    on keeps its size and mtime, or stays absent: the book's files, each candidate file an
    ``\\input`` or a local package was looked up as, and the compiled book's ``.aux`` files;
    keyed by the course's folder too (a file outside the book's folder is shown by its
    absolute path). Raises BookError for an unreadable book."""
    from course_cli.engine.plancache import plan_cache

    main = course.path(course.book.source)
    if not main.is_file():
        return _outline(course, fmt)[0]  # read_book says what is wrong
    cache = plan_cache(course.root)
    kind = f"outline-{fmt}:{course.root}"
    texts = cache.derive_tree(main, kind, lambda: _outline(course, fmt))
    cache.save()
    return texts[0], texts[1]


def _outline(course: Course, fmt: str) -> tuple[tuple[str, str], list[Path]]:
    """The outline's stdout and stderr, and the files it depends on (none when the book names
    a file the reader could not find: such an outline is not kept)."""
    from course_cli.booksync.selection import load_book
    from course_cli.latex.outline import format_outline

    book, numbering = load_book(course)
    found = [f.path for f in book.files]
    files = list(dict.fromkeys([*found, *book.probed, aux_file(course), *numbering.inputs]))
    if book.missing:
        files = []
    if fmt != "json":
        return (format_outline(book), _notes(numbering, book)), files
    data = {
        "book": rel(book.main, course.root),
        "numbers": numbering.source,
        "numbers_note": numbering.note,
        "warnings": [*book.missing, *numbering.warnings],
        "headings": [
            {"command": h.command, "level": h.level, "number": h.number, "title": h.title,
             "labels": h.labels, "file": book.files[h.file].name, "line": h.line}
            for h in book.headings
        ],
        "labels": {
            name: {"env": lab.env, "number": lab.number, "file": book.files[lab.file].name,
                   "line": lab.line}
            for name, lab in book.labels.items()
        },
    }  # fmt: skip
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n", ""), files
