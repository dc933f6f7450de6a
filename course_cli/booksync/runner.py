"""``sync``: bring the lessons' ``book/`` folders up to date (or, with ``check``, say which
are not), never overwriting a hand edit without ``force``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.booksync.lock import (
    LOCK_NAME,
    MD_NAME,
    TEX_NAME,
    file_sha,
    generator_id,
    read_lock,
    sha,
    stale_reasons,
    write_lock,
)
from course_cli.booksync.paths import rel
from course_cli.booksync.report import FileAction, LessonResult, SyncReport

if TYPE_CHECKING:
    from course_cli.booksync.extract import Rendered
    from course_cli.core.config import Course, Lesson
    from course_cli.latex.model import Book

# what --check says about an output that is not up to date
_CHECK_DETAILS = {
    "missing": "missing",
    "edited": "edited by hand (differs from the lock)",
    "stale": "stale: the book changed",
}


def markdown(rendered: Rendered, course: Course, cwd: Path) -> str:
    """Return the Markdown rendering of an extract: pandoc (LaTeX -> GitHub Markdown).

    Raises ToolNotFoundError / ToolFailedError from :mod:`course_cli.tools.runner`.
    """
    from course_cli.tools.runner import Toolbox

    args = ["-f", "latex", "-t", "gfm", "--wrap=none", "--top-level-division=chapter"]
    bib = course.path(course.book.bibliography)
    bibs = [bib] if bib.is_file() else list(rendered.bibliography)  # else: the book's own
    if bibs:  # citations become text and a reference list, not blanks
        args += ["--citeproc", *(f"--bibliography={b}" for b in bibs),
                 "-M", "reference-section-title=References"]  # fmt: skip
    done = Toolbox.for_course(course).run(
        "pandoc", args, cwd=cwd, timeout=120, input=rendered.md_input
    )
    return rendered.md_header + "\n" + done.stdout.lstrip()


def sync(
    course: Course, numbers: Sequence[int] = (), *, check: bool = False, force: bool = False,
    markdown_fn: Any = None,
) -> SyncReport:  # fmt: skip
    """Bring ``lessons/lesson_NN/book/`` up to date with the book for the selected lessons.

    Returns a :class:`SyncReport`. With ``check`` nothing is written and stale files are
    reported. A file edited by hand is reported and kept unless ``force``. Raises BookError
    for an unreadable book, UsageError for an unknown label, tool errors from pandoc.
    """
    root = course.root
    main = course.path(course.book.source)
    main_rel = rel(main, root)
    report = SyncReport(root, check)
    book: Book | None = None
    pending: list[Any] = []  # every lesson is rendered before any file is written
    seen: dict[str, str | None] = {}  # the sources' hashes, shared by the lessons
    # course.lesson() per number: Course.select() hashes lessons, which fails for a `book:` list
    chosen = [course.lesson(n) for n in dict.fromkeys(numbers)] if numbers else course.lessons
    for lesson in sorted(chosen, key=lambda les: les.number):
        if not lesson.book:
            continue
        folder = lesson.dir(root) / "book"
        result = LessonResult(lesson.number, folder)
        report.lessons.append(result)
        lock = read_lock(folder / LOCK_NAME)
        reasons = stale_reasons(lock, lesson, folder, root, main_rel, seen)
        if not reasons and not force:
            result.files = [
                FileAction(folder / n, "unchanged") for n in (TEX_NAME, MD_NAME, LOCK_NAME)
            ]
            continue
        if book is None:  # read only when an extract may be stale: a no-op sync parses nothing
            from course_cli.booksync.selection import load_book

            book, numbering = load_book(course, strict=True)
            report.numbers, report.warnings = numbering.note, [*book.missing, *numbering.warnings]
        pending.append(_sync_lesson(book, course, lesson, folder, lock, result, check=check,
                                    force=force, markdown_fn=markdown_fn or markdown))  # fmt: skip
    for write in pending:
        write()
    return report


def _sync_lesson(
    book: Book, course: Course, lesson: Lesson, folder: Path, lock: dict[str, Any] | None,
    result: LessonResult, *, check: bool, force: bool, markdown_fn: Any,
) -> Callable[[], None]:  # fmt: skip
    """Render one lesson's extract (pandoc included) and return what writes it: nothing is
    written until every selected lesson rendered."""
    from course_cli.booksync.extract import render
    from course_cli.booksync.selection import select_for

    idx = next(i for i, les in enumerate(course.lessons) if les.number == lesson.number)
    parts = select_for(book, course, lesson, idx)
    r = render(book, parts, folder, course.root, lesson.number)
    # pandoc's output depends on its input text, the rules (generator id) and the .bib
    bib_sha = file_sha(course.path(course.book.bibliography)) or ""
    md_in_sha = sha(f"{r.md_input}\0{generator_id()}\0{bib_sha}")
    outputs: dict[str, str] = {}  # name -> the hash the lock records
    to_write = _triage(r, lock, md_in_sha, folder, result, outputs, check=check, force=force)
    if MD_NAME in to_write:  # run pandoc before writing anything: a failure leaves no half sync
        path, _, edited = to_write[MD_NAME]
        folder.mkdir(parents=True, exist_ok=True)
        to_write[MD_NAME] = (path, markdown_fn(r, course, folder), edited)

    def write() -> None:
        _write_outputs(to_write, result, outputs)
        write_lock(book, course, lesson, folder, r, md_in_sha, outputs, result, check)

    return write


def _triage(
    r: Rendered, lock: dict[str, Any] | None, md_in_sha: str, folder: Path,
    result: LessonResult, outputs: dict[str, str], *, check: bool, force: bool,
) -> dict[str, tuple[Path, str | None, bool]]:  # fmt: skip
    """Sort book.tex and book.md into unchanged, reported (``check``, or a hand edit kept
    without ``force``) and to write; return the latter as ``name -> (path, content or None
    for Markdown not made yet, edited by hand)``."""
    recorded: dict[str, str] = (lock or {}).get("outputs", {})
    md_same_input = (lock or {}).get("inputs", {}).get(MD_NAME) == md_in_sha
    to_write: dict[str, tuple[Path, str | None, bool]] = {}
    for name in (TEX_NAME, MD_NAME, *sorted(r.support)):
        path = folder / name
        disk, rec = file_sha(path), recorded.get(name)
        content: str | None = r.tex if name == TEX_NAME else r.support.get(name)
        want = sha(content) if content is not None else (rec if md_same_input else None)
        edited = disk is not None and disk != rec
        if disk is not None and disk == want:
            result.files.append(FileAction(path, "unchanged"))
            outputs[name] = disk
        elif check:
            status = "missing" if disk is None else "edited" if edited else "stale"
            result.files.append(FileAction(path, status, _CHECK_DETAILS[status]))
        elif edited and not force:
            result.files.append(
                FileAction(path, "kept-edit", "edited by hand; not overwritten (use --force)")
            )
            if rec is not None:
                outputs[name] = rec
        else:
            to_write[name] = (path, content, edited)
    return to_write


def _write_outputs(
    to_write: dict[str, tuple[Path, str | None, bool]], result: LessonResult,
    outputs: dict[str, str],
) -> None:  # fmt: skip
    """Write the files whose bytes differ (atomically) and record their hashes."""
    from course_cli.core.fs import atomic_write

    for name, (path, content, edited) in to_write.items():
        assert content is not None
        if file_sha(path) == sha(content):
            result.files.append(FileAction(path, "unchanged"))
        else:
            atomic_write(path, content)
            result.files.append(FileAction(path, "forced" if edited else "written"))
        outputs[name] = sha(content)
