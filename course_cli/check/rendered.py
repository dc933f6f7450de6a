"""Rendered-layout findings: slides whose content runs off the slide (R001), overfull lines
in the conspect (R002) and book (R003) PDFs, outputs not built yet (R004).

:func:`layout_findings` reads the layout records the builds wrote (:mod:`course_cli.builders.
layout`) for ``course build`` (warnings; errors with ``--strict``); :func:`check_rendered` is
``course check --rendered``: it measures the built slides HTML again and reads the records of
the built PDFs, without building anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from course_cli.check.findings import Finding
    from course_cli.core.config import Course, Lesson
    from course_cli.engine.steps import BuildReport


# --------------------------------------------------------------------------- findings


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def slide_findings(
    course: Course, lesson: Lesson, deck: Path, record: dict[str, Any]
) -> list[Finding]:
    """R001 for each slide of ``deck`` whose content leaves the slide (from its record)."""
    from course_cli.builders.slides.layout import SlideBox, iter_overflows
    from course_cli.check.findings import make

    boxes = [SlideBox.from_json(b) for b in record.get("slides", [])]
    try:
        text = deck.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    out = []
    for slide, line, what in iter_overflows(boxes, text):
        out.append(
            make(
                "R001",
                _shown(deck, course.root),
                line,
                f"slide {slide}: content runs {what}; it is cut off",
                "shorten the slide, split it (---), or give it a denser class",
                lesson=lesson.number,
            )
        )
    return out


def conspect_findings(
    course: Course, lesson: Lesson, source: Path, record: dict[str, Any]
) -> list[Finding]:
    """R002 for each conspect line more than ``check.overfull_pt`` too wide."""
    from course_cli.builders.layout import markdown_line
    from course_cli.check.findings import make

    limit = course.check.overfull_pt
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    out = []
    for item in record.get("overfull", []):
        pt = float(item.get("pt", 0))
        if pt <= limit:
            continue
        fragment = str(item.get("tex", ""))
        line = markdown_line(text, fragment)
        what = "display" if item.get("display") else "line"
        where = ""
        if line is None:
            where = (
                " (in the title block)"
                if re.search(r"\\(?:title|subtitle|author|date|maketitle)\b", fragment)
                else " (in text the build adds; no Markdown line matches it)"
            )
        out.append(
            make(
                "R002",
                _shown(source, course.root),
                line or 1,
                f"a {what} runs {pt:.1f} pt into the right margin of the PDF (limit "
                f"{limit:g} pt){where}",
                "break the formula (aligned, multline) or reword the line"
                if item.get("display")
                else "reword the line or break the long formula/word in it",
                lesson=lesson.number,
            )
        )
    return out


def book_findings(course: Course, record: dict[str, Any]) -> list[Finding]:
    """R003 for each book line more than ``check.overfull_pt`` too wide."""
    from course_cli.check.findings import make

    limit = course.check.overfull_pt
    out = []
    for item in record.get("overfull", []):
        pt = float(item.get("pt", 0))
        if pt <= limit:
            continue
        first, last = item["first"], item["last"]
        lines = f"the paragraph at lines {first}–{last}" if first != last else "the line"
        out.append(
            make(
                "R003",
                str(item.get("file", course.book.source)),
                int(item["first"]),
                f"overfull \\hbox: {lines} runs {pt:.1f} pt into the right margin (limit "
                f"{limit:g} pt)",
                "break the formula or reword the paragraph",
            )
        )
    return out


def layout_findings(course: Course, report: BuildReport) -> tuple[list[Finding], list[str]]:
    """The R001–R003 findings of every output a build made or found up to date, and notes
    (one line each) about outputs whose layout was not measured."""
    measured = [
        r.step
        for r in report.results
        if r.status in ("built", "fresh") and r.step.kind in ("slides-html", "pdf", "book")
    ]
    if not measured:  # e.g. the site alone: nothing to read, nothing to import
        return [], []
    from course_cli.builders.layout import book_record, conspect_record, read_record, slides_record

    findings: list[Finding] = []
    notes: list[str] = []
    build_dir = course.root / "build"
    by_dir = {lesson.dirname: lesson for lesson in course.lessons}
    for step in measured:
        if step.kind == "slides-html":
            lesson = by_dir.get(step.output.parent.name)
            if lesson is None:
                continue
            deck = lesson.dir(course.root) / "slides" / f"{step.output.stem}.md"
            record = read_record(slides_record(build_dir, lesson.dirname, step.output.stem))
            findings.extend(_from_slides_record(course, lesson, deck, record, notes))
        elif step.kind == "pdf" and step.output.name == "conspect.pdf":
            lesson = by_dir.get(step.output.parent.name)
            if lesson is None:
                continue
            record = read_record(conspect_record(build_dir, lesson.dirname))
            if record is not None and "overfull" in record:
                source = lesson.dir(course.root) / "conspect.md"
                findings.extend(conspect_findings(course, lesson, source, record))
        elif step.kind == "book" and step.output.parent.name == "book":
            record = read_record(book_record(build_dir, step.output.name))
            if record is not None:
                findings.extend(book_findings(course, record))
    return finish(course, findings), notes


def _from_slides_record(
    course: Course,
    lesson: Lesson,
    deck: Path,
    record: dict[str, Any] | None,
    notes: list[str],
) -> list[Finding]:
    if record is None:
        return []
    if "skipped" in record:
        note = f"slide layout not measured: {record['skipped']}"
        if note not in notes:
            notes.append(note)
        return []
    return slide_findings(course, lesson, deck, record)


def finish(course: Course, findings: Iterable[Finding]) -> list[Finding]:
    """Apply ``<!-- course: ignore CODE -->`` comments and course.yaml ``check:`` (disable,
    severity) to layout findings, as ``course check`` does; sorted."""
    found = list(findings)
    if not found:
        return []
    from course_cli.check.context import CheckContext
    from course_cli.check.run import finalize

    ctx = CheckContext(root=course.root)
    checked = []
    for path in {f.path for f in found}:
        full = course.root / path
        if full.suffix == ".md" and full.is_file():
            ctx.doc(full)
            checked.append(full)
    return finalize(found, ctx, checked, course.check.disable, course.check.severity)


def check_rendered(course: Course, lessons: Sequence[Lesson]) -> list[Finding]:
    """``course check --rendered``: the layout findings of the built outputs, without building.

    Slides: the built HTML decks are measured again (one browser); conspects and the book: the
    records their builds wrote. An output that is not built is one R004 finding naming the
    command that builds it. Raises ToolNotFoundError when decks are built but no browser is
    installed.
    """
    from course_cli.builders.layout import book_record, conspect_record, read_record
    from course_cli.builders.slides.decks import find_decks
    from course_cli.builders.slides.layout import measure_decks
    from course_cli.check.findings import make
    from course_cli.tools.runner import Toolbox

    build_dir = course.root / "build"
    if not build_dir.is_dir():
        return [
            make(
                "R004",
                "build",
                None,
                "nothing is built yet (no build/ folder), so no layout was checked",
                "run `course build all` first",
            )
        ]
    findings: list[Finding] = []
    html: dict[Path, tuple[Lesson, Path]] = {}
    for lesson, deck in find_decks(course, list(lessons)):
        out = build_dir / lesson.dirname / f"{deck.stem}.html"
        if out.is_file():
            html[out] = (lesson, deck)
        else:
            findings.append(_not_built(course, lesson, deck, out, "slides"))
    if html:
        browser = Toolbox.for_course(course).find("chromium").path
        measured = measure_decks(list(html), browser)
        for out, boxes in measured.items():
            lesson, deck = html[out]
            measured_record: dict[str, Any] = {"slides": [b.to_json() for b in boxes]}
            findings.extend(slide_findings(course, lesson, deck, measured_record))
    for lesson in lessons:
        source = lesson.dir(course.root) / "conspect.md"
        if not source.is_file():
            continue
        record = read_record(conspect_record(build_dir, lesson.dirname))
        pdf = build_dir / lesson.dirname / "conspect.pdf"
        if record is None or not pdf.is_file():
            findings.append(_not_built(course, lesson, source, pdf, "pdf"))
        elif "overfull" in record:
            findings.extend(conspect_findings(course, lesson, source, record))
    if len(lessons) == len(course.lessons) and course.path(course.book.source).is_file():
        name = Path(course.book.pdf).name
        record = read_record(book_record(build_dir, name))
        if record is None or not (build_dir / "book" / name).is_file():
            findings.append(
                make(
                    "R004",
                    course.book.source,
                    None,
                    f"build/book/{name} is not built (or was built before layout records), "
                    "so its layout was not checked",
                    "run `course build book` first",
                )
            )
        else:
            findings.extend(book_findings(course, record))
    return findings


def _not_built(course: Course, lesson: Lesson, source: Path, out: Path, target: str) -> Finding:
    from course_cli.check.findings import make

    return make(
        "R004",
        _shown(source, course.root),
        None,
        f"{_shown(out, course.root)} is not built (or was built before layout records), so "
        "its layout was not checked",
        f"run `course build {target} {lesson.number}` first",
        lesson=lesson.number,
    )
