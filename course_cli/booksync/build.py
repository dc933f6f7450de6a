"""Build steps that typeset the lessons' extracts (``book.tex`` -> ``book.pdf``).

An extract is typeset on its own rather than cut out of the book's PDF, although that costs
more TeX time than the book itself (benchmarks/booksync.py): a lesson carries its chapter and
its solutions section, which shares pages with the neighbouring solutions in the book, and the
extract's bibliography lists its own citations only (numbered from 1; the book's is global).
With ``--jobs`` > 1 the extracts run beside the book (longest unit first).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.booksync.lock import TEX_NAME

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson


def plan_build(course: Course, lessons: list[Lesson], options: Any) -> list[Any]:
    """Build steps for the lessons' extracts: ``lessons/lesson_NN/book/book.tex`` ->
    ``build/lesson_NN/book.pdf`` (latexmk + xelatex + bibtex, as the whole book is built).

    ``options`` is a :class:`course_cli.build.BuildOptions`; returns ``BuildStep``s (one per
    lesson whose extract exists). Raises ToolNotFoundError when latexmk or xelatex is missing.
    """
    steps = []
    for lesson in lessons:
        main = lesson.dir(course.root) / "book" / TEX_NAME
        if main.is_file():
            steps.append(_step(course, lesson, main, options))
    return steps


def _step(course: Course, lesson: Lesson, main: Path, options: Any) -> Any:
    """The ``BuildStep`` that typesets one lesson's ``book.tex``."""
    from course_cli.bookpdf import BookJob, book_inputs, latex_step

    inputs, _ = book_inputs(main)
    # the figures it names are inputs; whole \graphicspath folders are not (the book's
    # folder is one, and the book's own PDF is written there)
    inputs = [p for p in inputs if not p.is_dir()]
    job = BookJob(
        main=main.resolve(),
        root=course.root,
        aux_dir=options.build_dir / ".lesson-book-aux" / lesson.dirname,
        included=(),
        fresh=options.force,  # --force typesets again: latexmk would trust its kept aux files
    )
    output = options.build_dir / lesson.dirname / "book.pdf"
    return latex_step(job, options.toolbox, output, inputs, f"{lesson.dirname}/book.pdf")
