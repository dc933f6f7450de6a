"""The book on the site: the titles of its labelled parts ("Chapter 2: Bandits"), the page of
each lesson's extract and the book's own page with its PDF."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from course_cli.builders.site.assets import copy_step
from course_cli.builders.site.markdown import render_markdown
from course_cli.builders.site.meta import SourceInfo
from course_cli.builders.site.render import render_page
from course_cli.core.config import Course, Lesson
from course_cli.core.errors import CourseError
from course_cli.engine.steps import BuildStep, Task, key_of

_REF_RE = re.compile(r"\\(?:ref|autoref|cref|Cref)\s*\{([^{}]*)\}")


def book_parts(
    course: Course,
) -> tuple[dict[str, str], tuple[Path, ...], dict[str, Path]]:
    """Map each heading label of the book to "Chapter 2: Title"; also return the book's files
    and the file each labelled heading is in.

    Kept in the plan cache while no file of the book changes (reading the book costs
    60–90 ms). An unreadable or missing book gives ({}, (), {}): the site then shows the
    labels themselves.
    """
    from course_cli.engine.plancache import plan_cache

    source = course.path(course.book.source)
    if not source.is_file():
        return {}, (), {}
    titles, files, label_files = plan_cache(course.root).derive_tree(
        source, f"book_parts:{course.root}", lambda: _read_book_parts(source)
    )
    return titles, tuple(Path(f) for f in files), {k: Path(v) for k, v in label_files.items()}


def _read_book_parts(
    source: Path,
) -> tuple[tuple[dict[str, str], list[str], dict[str, str]], list[Path]]:
    """:func:`book_parts` as JSON values (paths as text), and the book's files."""
    from course_cli.latex.reader import read_book
    from course_cli.latex.text import plain_title

    try:
        book = read_book(source, strict=False)
    except CourseError:
        return ({}, [], {}), []
    names = {"part": "Part", "chapter": "Chapter", "section": "Section"}
    numbers = {name: h.number for h in book.headings if h.number for name in h.labels}

    def number_of(m: re.Match[str]) -> str:  # "Chapter~\\ref{ch:x}" reads "Chapter 2"
        return " " + numbers.get(m.group(1), "")

    titles = {}
    files = {}
    for h in book.headings:
        text = plain_title(_REF_RE.sub(number_of, h.title))
        kind = names.get(h.command.removeprefix("add"), "")
        label = f"{kind} {h.number}: {text}" if h.number and kind else text
        for name in h.labels:
            titles[name] = label
            files[name] = str(book.files[h.file].path)
    paths = [f.path for f in book.files]
    # what the reading depended on: also the files looked up and not found (kept only while
    # they stay absent); a book that names a file the reader cannot find is read every time
    depends = [] if book.missing else list(dict.fromkeys([*paths, *book.probed]))
    return (titles, [str(p) for p in paths], files), depends


def book_extract_page(
    lesson: Lesson,
    out: Path,
    source: Path,
    template_files: tuple[Path, ...],
    course: Course,
    shared: dict[str, Any],
    parts: list[str],
) -> BuildStep:
    info: SourceInfo | None = shared["info"]
    meta = None
    if info is not None:  # the extract is generated: its text is edited in the book
        files = [shared["label_files"][x] for x in lesson.book if x in shared["label_files"]]
        edit = files[0] if files else course.path(course.book.source)
        meta = info.page(files or [edit], edit)
    title = parts[0] if parts else "Book extract"
    return BuildStep(
        kind="site-page",
        output=out / lesson.dirname / "book.html",
        inputs=(source, *template_files),
        action=_render_book_extract,
        key=key_of(
            lessons=shared["lessons_key"],
            title=title,
            meta=json.dumps([meta.edit_url, meta.updated] if meta else None),
        ),
        label=f"site: {lesson.dirname}/book.html",
        payload={
            "course": course,
            "lesson": lesson,
            "source": source,
            "title": title,
            "meta": meta,
        },
    )


def _render_book_extract(tasks: Sequence[Task]) -> None:
    from course_cli.builders.site.markdown import gfm_math_to_dollars

    for task in tasks:
        p = task.step.payload
        lesson = p["lesson"]
        text = gfm_math_to_dollars(p["source"].read_text(encoding="utf-8", errors="replace"))
        html = render_page(
            p["course"],
            "page.html.j2",
            prefix="../",
            page_title=p["title"],
            nav_current=lesson.dirname,
            crumb=f"Lesson {lesson.number}",
            crumb_href="index.html",
            body=render_markdown(text, lambda href: href if href.startswith("#") else None),
            page_meta=p["meta"],
        )
        task.out().write_text(html, encoding="utf-8")


def book_steps(
    course: Course,
    build_dir: Path,
    out: Path,
    template_files: tuple[Path, ...],
    titles: dict[str, str],
    book_files: tuple[Path, ...],
    shared: dict[str, Any],
) -> list[BuildStep]:
    steps = []
    pdf = build_dir / "book" / Path(course.book.pdf).name
    has_pdf = pdf.is_file()
    if has_pdf:
        steps.append(copy_step(pdf, out / "book" / pdf.name, course.root))
    chapters = [(x, [titles.get(b, b) for b in x.book]) for x in course.lessons if x.book]
    info: SourceInfo | None = shared["info"]
    source = course.path(course.book.source)
    meta = info.page(book_files or [source], source) if info is not None else None
    steps.append(
        BuildStep(
            kind="site-page",
            output=out / "book" / "index.html",
            inputs=(course.config_path, *template_files, *book_files),
            action=_render_book,
            key=key_of(
                pdf=pdf.name if has_pdf else "",
                lessons=shared["lessons_key"],
                meta=json.dumps([meta.edit_url, meta.updated] if meta else None),
            ),
            label="site: book/index.html",
            payload={
                "course": course,
                "pdf": pdf.name if has_pdf else None,
                "chapters": chapters,
                "title": book_title(course.path(course.book.source)),
                "meta": meta,
            },
        )
    )
    return steps


_TITLE_RE = re.compile(r"^[^%\n]*\\title\s*(?:\[[^\]]*\])?\s*\{", re.M)


def book_title(main: Path) -> str:
    """The book's ``\\title{…}`` as plain text, or "The book" when it has none."""
    from course_cli.latex.text import plain_title, read_group

    try:
        text = main.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "The book"
    m = _TITLE_RE.search(text)
    if m is None:
        return "The book"
    end = read_group(text, m.end() - 1)
    raw = text[m.end() : end - 1] if end > 0 else ""
    title = plain_title(re.split(r"\\\\", raw, maxsplit=1)[0])  # the first line: no subtitle
    return " ".join(title.split()) or "The book"


def _render_book(tasks: Sequence[Task]) -> None:
    for task in tasks:
        p = task.step.payload
        html = render_page(
            p["course"],
            "book.html.j2",
            prefix="../",
            page_title="The book",
            nav_current="book",
            pdf=p["pdf"],
            chapters=p["chapters"],
            book_title=p["title"],
            page_meta=p["meta"],
        )
        task.out().write_text(html, encoding="utf-8")
