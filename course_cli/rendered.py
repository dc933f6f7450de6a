"""Rendered-layout checks: slides whose content runs off the slide, overfull lines in PDFs.

The builds record what they measured in ``build/.layout/`` (one JSON file per output, written
by the same step as the output, so it is exactly as fresh):

* ``lesson_NN/<deck>.slides.json`` — the slides HTML step measures every slide of the decks it
  built in one headless Chromium (:mod:`course_cli.slidelayout`);
* ``lesson_NN/conspect.json`` — the conspect step keeps TeX's "Overfull \\hbox" reports of the
  final LaTeX run with the lines of pandoc's generated .tex they name (pandoc ``--verbose``
  prints both);
* ``book/<name>.json`` — the book step parses the LaTeX log (the .tex file and lines of each).

:func:`layout_findings` turns these records into :class:`~course_cli.check.findings.Finding`
objects (R001–R003) for ``course build`` (warnings; errors with ``--strict``) and for
``course check --rendered``, which re-measures the built slides HTML and reads the records of
the built PDFs without building anything.

Conspect lines: pandoc keeps no source map, so a .tex line is traced back to the Markdown by
its text: display math keeps its TeX as written, so a line of it is found verbatim (whitespace
ignored); a paragraph (which pandoc re-wraps) goes to the Markdown line sharing most of its
words and control sequences. Limits: text that appears several times goes to the best (first)
match; material that is not in the Markdown (the title block, made from course.yaml) is
reported at line 1 with "title block".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.check.findings import Finding, make

if TYPE_CHECKING:
    from course_cli.build import BuildReport
    from course_cli.config import Course, Lesson

LAYOUT_DIR = ".layout"
VERSION = 1

_OVERFULL_RE = re.compile(
    r"^Overfull \\hbox \((?P<pt>[\d.]+)pt too wide\) "
    r"(?:in paragraph at lines (?P<a>\d+)--(?P<b>\d+)|detected at line (?P<at>\d+)"
    r"|in alignment at lines (?P<c>\d+)--(?P<d>\d+))",
    re.M,
)
_CS_RE = re.compile(r"\\[A-Za-z]{2,}")
_WORD_RE = re.compile(r"[A-Za-z]{4,}")
_DISPLAY_OPEN = re.compile(
    r"\\\[|\\begin\{(?:equation|align|gather|multline|displaymath)\*?\}|\$\$"
)
# What the LaTeX writer adds around Markdown text: not evidence of a Markdown line.
_NOISE = frozenset(
    "\\" + name
    for name in [
        "begin",
        "end",
        "label",
        "textbf",
        "emph",
        "textit",
        "texttt",
        "section",
        "subsection",
        "subsubsection",
        "hypertarget",
        "protect",
        "phantomsection",
        "tightlist",
        "item",
        "citet",
        "citep",
        "cite",
        "href",
        "url",
        "ref",
        "eqref",
        "mathrm",
        "text",
        "left",
        "right",
        "quad",
        "qquad",
        "tag",
        "nonumber",
    ]
)


def layout_dir(build_dir: Path) -> Path:
    """``build/.layout``: where the builds record what they measured."""
    return build_dir / LAYOUT_DIR


def slides_record(build_dir: Path, lesson_dir: str, stem: str) -> Path:
    """The layout record of the HTML deck ``build/<lesson_dir>/<stem>.html``."""
    return layout_dir(build_dir) / lesson_dir / f"{stem}.slides.json"


def conspect_record(build_dir: Path, lesson_dir: str) -> Path:
    """The layout record of ``build/<lesson_dir>/conspect.pdf``."""
    return layout_dir(build_dir) / lesson_dir / "conspect.json"


def book_record(build_dir: Path, pdf_name: str) -> Path:
    """The layout record of ``build/book/<pdf_name>``."""
    return layout_dir(build_dir) / "book" / f"{Path(pdf_name).stem}.json"


def write_record(path: Path, data: dict[str, Any]) -> None:
    """Write one layout record (JSON)."""
    path.write_text(json.dumps({"version": VERSION, **data}, indent=1), encoding="utf-8")


def read_record(path: Path) -> dict[str, Any] | None:
    """A layout record, or None when it is missing or unreadable (an older build)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


# --------------------------------------------------------------------------- TeX logs


@dataclass(frozen=True)
class Overfull:
    """One overfull line: how many points too wide, and the .tex lines TeX names."""

    pt: float
    first: int
    last: int
    display: bool  # "detected at line N": a display (math) box, N is where it ends

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"pt": self.pt, "first": self.first, "last": self.last, "display": self.display}


def parse_overfull(log: str) -> list[Overfull]:
    """Every "Overfull \\hbox" report of a TeX log or terminal output, in order."""
    found = []
    for m in _OVERFULL_RE.finditer(log):
        if m.group("at"):
            first = last = int(m.group("at"))
            display = True
        else:
            first = int(m.group("a") or m.group("c"))
            last = int(m.group("b") or m.group("d"))
            display = False
        found.append(Overfull(float(m.group("pt")), first, last, display))
    return found


def split_pandoc_verbose(stderr: str) -> tuple[str, str, str]:
    """pandoc ``--verbose`` stderr -> (what pandoc says without --verbose, the generated .tex,
    the terminal output of the last LaTeX run)."""
    plain: list[str] = []
    source: list[str] = []
    runs: list[list[str]] = []
    block: list[str] | None = None
    for line in stderr.splitlines():
        if line.startswith("[INFO]"):
            if "[makePDF] Source:" in line:
                source = []
                block = source
            elif "[makePDF] LaTeX output" in line:
                runs.append([])
                block = runs[-1]
            else:
                block = []  # other information (temp dir, environment): dropped
            continue
        if block is not None and (line.startswith("  ") or not line):
            block.append(line[2:])
            continue
        block = None
        plain.append(line)
    # the source block keeps blank lines as empty lines: strip the trailing ones only
    tex = "\n".join(source).rstrip("\n")
    return "\n".join(plain), tex, "\n".join(runs[-1]) if runs else ""


def tex_fragment(tex_lines: Sequence[str], item: Overfull) -> str:
    """The .tex text an overfull report names; for a display, from where the display opens."""
    first = item.first
    if item.display:
        for i in range(item.last - 1, max(item.last - 60, 0) - 1, -1):
            if i < len(tex_lines) and _DISPLAY_OPEN.search(tex_lines[i]):
                first = i + 1
                break
    return "\n".join(tex_lines[first - 1 : item.last])


def markdown_line(markdown: str, fragment: str) -> int | None:
    """The Markdown line a fragment of pandoc's .tex comes from (see the module docstring)."""
    lines = markdown.splitlines()
    squeezed = ["".join(line.split()) for line in lines]
    # 1. a line of the fragment found verbatim (display math), longest first
    for probe in sorted((p.strip() for p in fragment.splitlines()), key=len, reverse=True):
        key = "".join(probe.split())
        if len(key) < 12 or (key.startswith("\\") and key.rstrip("{}[]*").count("\\") == 1):
            continue  # too short, or only \[ / \begin{equation} scaffolding
        for i, line in enumerate(squeezed, 1):
            if key in line:
                return i
    # 2. the line sharing most words and control sequences
    tokens = {t for t in _CS_RE.findall(fragment) if t not in _NOISE}
    tokens |= set(_WORD_RE.findall(_CS_RE.sub(" ", fragment)))
    if not tokens:
        return None
    best, best_score = None, 1
    for i, line in enumerate(lines, 1):
        score = sum(1 for t in tokens if t in line)
        if score > best_score:
            best, best_score = i, score
    return best


def conspect_layout(stderr_tex: str, last_run: str) -> dict[str, Any]:
    """The layout record of one conspect from pandoc's .tex and the last LaTeX run's output."""
    tex_lines = stderr_tex.splitlines()
    items = []
    for item in parse_overfull(last_run):
        items.append({**item.to_json(), "tex": tex_fragment(tex_lines, item)[:4000]})
    return {"overfull": items}


def book_layout(log: str, main: Path, root: Path) -> dict[str, Any]:
    """The layout record of the book from its LaTeX log: each overfull line with its file.

    The file is the innermost ``(file.tex`` TeX had open (the log is written with
    ``max_print_line`` large, so file names are not broken across lines).
    """
    items = []
    stack: list[str | None] = []
    pos = 0
    token = re.compile(r"\((?P<file>[^\s()]+\.tex)|\(|\)|^Overfull \\hbox", re.M)
    for m in token.finditer(log):
        if m.start() < pos:
            continue
        text = m.group(0)
        if text.startswith("Overfull"):
            found = _OVERFULL_RE.match(log, m.start())
            if found:
                item = parse_overfull(found.group(0))[0]
                current = next((f for f in reversed(stack) if f), None)
                path = (main.parent / current).resolve() if current else main
                try:
                    shown = path.relative_to(root.resolve()).as_posix()
                except ValueError:
                    shown = str(path)
                items.append({**item.to_json(), "file": shown})
                pos = found.end()  # its "(…pt too wide)" is no file
            continue
        if m.group("file"):
            stack.append(m.group("file"))
        elif text == "(":
            stack.append(None)
        elif stack:
            stack.pop()
    return {"overfull": items}


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
    from course_cli.slidelayout import SlideBox, iter_overflows

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
    findings: list[Finding] = []
    notes: list[str] = []
    build_dir = course.root / "build"
    by_dir = {lesson.dirname: lesson for lesson in course.lessons}
    for result in report.results:
        if result.status not in ("built", "fresh"):
            continue
        step = result.step
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
    from course_cli.check.context import CheckContext
    from course_cli.check.run import finalize

    found = list(findings)
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
    from course_cli.decks import find_decks
    from course_cli.slidelayout import measure_decks
    from course_cli.tools import Toolbox

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
    return make(
        "R004",
        _shown(source, course.root),
        None,
        f"{_shown(out, course.root)} is not built (or was built before layout records), so "
        "its layout was not checked",
        f"run `course build {target} {lesson.number}` first",
        lesson=lesson.number,
    )
