"""Choosing the book's parts for a lesson: labels or title paths, as in course.yaml (the
outline that lists them: :mod:`course_cli.booksync.outline`)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from course_cli.booksync.paths import aux_file, rel
from course_cli.core.errors import UsageError
from course_cli.latex.auxfile import Numbering, apply_latex_numbers
from course_cli.latex.model import Book, Heading
from course_cli.latex.outline import title_path
from course_cli.latex.reader import read_book

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson


def select(book: Book, names: Sequence[str], where: str = "book") -> list[Heading]:
    """Return the headings that ``names`` select, in book order.

    A name is a ``\\label`` attached to a heading, or a title path ``"Chapter/Section"``.
    Raises UsageError for an unknown name, with the closest labels (difflib) as a hint.
    """
    by_label = {lab: h for h in book.headings for lab in h.labels}
    chosen: list[Heading] = []
    for name in names:
        h = by_label.get(name) or _by_title_path(book, name, where)
        if h is None:
            close = difflib.get_close_matches(name, list(by_label), n=3, cutoff=0.5)
            other = book.labels.get(name)
            why = f" (it labels a {other.env}, not a heading)" if other is not None else ""
            raise UsageError(
                f"{where}: unknown label {name!r}{why}",
                hint=("did you mean " + ", ".join(repr(c) for c in close) + "?")
                if close
                else "run `course book-sync --outline` to see the book's labels",
            )
        if h not in chosen:
            chosen.append(h)
    chosen.sort(key=lambda h: h.gpos)
    # a part inside another selected part comes with it already
    return [h for h in chosen if not any(o is not h and o.gpos <= h.gpos < o.gend for o in chosen)]


def _by_title_path(book: Book, name: str, where: str) -> Heading | None:
    want = [" ".join(p.split()).casefold() for p in name.split("/") if p.strip()]
    if len(want) < 2 and "/" not in name:
        want = [" ".join(name.split()).casefold()]
    hits = [h for h in book.headings
            if [t.casefold() for t in title_path(h)][-len(want):] == want]  # fmt: skip
    if len(hits) > 1:
        places = ", ".join(book.where(h.file, h.line) for h in hits)
        raise UsageError(f"{where}: title path {name!r} is ambiguous ({places})",
                         hint="give a longer path or add a \\label to the heading")  # fmt: skip
    return hits[0] if hits else None


def select_for(book: Book, course: Course, lesson: Lesson, idx: int) -> list[Heading]:
    """``select`` for a lesson; an unknown label is reported at its line of course.yaml."""
    for j, name in enumerate(lesson.book):
        try:
            select(book, [name], where="")
        except UsageError as exc:
            from course_cli.core.yamlpos import load_yaml

            line = load_yaml(course.config_path).line_of(["lessons", idx, "book", j])
            where = f"{course.config_path.name}:{line}: lessons[{idx}].book[{j}]"
            raise UsageError(f"{where}{exc.message}", hint=exc.hint) from exc
    return select(book, lesson.book)


def load_book(course: Course, strict: bool = False) -> tuple[Book, Numbering]:
    """Read the course's book; its numbers come from LaTeX's ``.aux`` when the book has been
    compiled (``build/.book-aux/``, see :func:`course_cli.latex.auxfile.apply_latex_numbers`), from
    the reader otherwise. Unresolved inputs are errors with ``strict`` (extracts), else they
    stay in ``book.missing`` (warnings: the outline)."""
    book = read_book(course.path(course.book.source), strict=strict)
    aux = aux_file(course)
    return book, apply_latex_numbers(book, aux, rel(aux, course.root))
