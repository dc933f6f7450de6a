"""The book PDF: latexmk + xelatex on ``materials/book/src.tex`` with its bibliography.

Output: ``build/book/<name>.pdf`` and the path ``course.yaml`` ``book.pdf`` names (both written
atomically by the build engine). TeX runs with its working directory in the book's folder (so
``\\input{../macros.tex}`` and ``\\graphicspath`` work as when the author runs it) but writes
every auxiliary file to ``build/.book-aux/``, which stays between builds so that latexmk only
reruns what changed. The step's inputs are every file TeX reads that the book names:
``\\input``/``\\include`` files (recursively), ``.bib`` files, figures, local classes/styles and
the macros file. Undefined references and citations fail the build, naming file and line.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.booksync.lock import TEX_NAME
from course_cli.builders.layout import book_layout, book_record, write_record
from course_cli.core.boundary import is_inside, tex_escapes
from course_cli.core.errors import ProblemsFound, ToolFailedError
from course_cli.core.macros import strip_comment, tex_text
from course_cli.engine.steps import BuildOptions, BuildStep, FailingAction, Task, key_of

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson
    from course_cli.tools.runner import Toolbox

LATEXMK_TIMEOUT = 900.0
GRAPHIC_EXTS = ("", ".pdf", ".png", ".jpg", ".jpeg", ".eps")

_INPUT_RE = re.compile(r"\\(input|include|subfile)\s*\{([^}]+)\}")
_BIB_RE = re.compile(r"\\(?:bibliography|addbibresource(?:\[[^\]]*\])?)\s*\{([^}]+)\}")
_GRAPHIC_RE = re.compile(r"\\includegraphics\s*(?:\[[^\]]*\])?\s*\{([^}]+)\}")
_GRAPHICSPATH_RE = re.compile(r"\\graphicspath\s*\{((?:\s*\{[^}]*\})+)\s*\}")
_PACKAGE_RE = re.compile(
    r"\\(usepackage|documentclass|bibliographystyle)\s*(?:\[[^\]]*\])?\s*\{([^}]+)\}"
)
_LOG_ERROR_RE = re.compile(
    r"^(?P<file>[^\s:][^:\n]*\.(?:tex|sty|cls|bbl|aux)):(?P<line>\d+): (?P<msg>.+)$", re.M
)
_UNDEFINED_RE = re.compile(
    r"(?P<kind>Reference|Citation) [`'](?P<name>[^']+)' on page \S+ undefined"
)


@dataclass(frozen=True)
class BookJob:
    """What one book build needs (absolute paths)."""

    main: Path
    root: Path
    aux_dir: Path
    included: tuple[Path, ...]  # the \\include'd files (their .aux go into subfolders)
    fresh: bool = False  # --force: start from an empty aux folder
    # course.yaml author, version, license -> course-meta.tex in the aux folder, which the
    # book may \InputIfFileExists (\courseauthor, \courseversion, \courselicense)
    meta: tuple[tuple[str, str], ...] = ()


def book_inputs(main: Path, root: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Every file the book at ``main`` reads: (all inputs, the ``\\include``d .tex files).

    Paths are resolved as TeX does from the main file's folder; files that do not exist (yet)
    are listed too, so that creating them makes the book stale. Folders named by
    ``\\graphicspath`` are listed as folders (their whole content is an input). With the course
    ``root``, what each file names is kept in the plan cache (an unchanged file is not read).
    """
    from course_cli.engine.plancache import plan_cache

    base = main.parent
    inputs: list[Path] = []
    seen_inputs: set[Path] = set()
    included: list[Path] = []
    graphic_dirs: list[Path] = [base]
    todo = [main]
    seen: set[Path] = set()
    cache = plan_cache(root) if root is not None else None

    def add(path: Path) -> None:
        path = path.resolve()
        if path not in seen_inputs:
            seen_inputs.add(path)
            inputs.append(path)

    while todo:
        tex = todo.pop(0).resolve()
        if tex in seen:
            continue
        seen.add(tex)
        add(tex)
        try:
            if cache is not None:
                refs = cache.derive(tex, "tex_refs", _tex_refs)
            else:
                refs = _tex_refs(tex.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue  # missing: listed, and TeX will say so
        for d in refs["graphicspath"]:
            folder = (base / d).resolve()
            graphic_dirs.append(folder)
            add(folder)
        for command, name in refs["inputs"]:
            target = base / name.strip()
            if target.suffix != ".tex":
                target = target.with_name(target.name + ".tex")
            todo.append(target)
            if command == "include":
                included.append(target.resolve())
        for name in refs["bibs"]:
            bib = base / name.strip()
            add(bib if bib.suffix == ".bib" else bib.with_name(bib.name + ".bib"))
        for name in refs["graphics"]:
            add(_find_graphic(name.strip(), graphic_dirs))
        for command, names in refs["packages"]:
            ext = {"usepackage": ".sty", "documentclass": ".cls", "bibliographystyle": ".bst"}
            for name in names.split(","):
                local = base / (name.strip() + ext[command])
                if local.is_file():
                    add(local)
    return inputs, included


def _tex_refs(raw: str) -> dict[str, list[Any]]:
    """What one TeX file names (comments ignored): graphics folders, \\input/\\include targets,
    bibliographies, graphics, packages — in the order :func:`book_inputs` resolves them."""
    text = "\n".join(strip_comment(line) for line in raw.splitlines())
    return {
        "graphicspath": [
            d
            for m in _GRAPHICSPATH_RE.finditer(text)
            for d in re.findall(r"\{([^}]*)\}", m.group(1))
        ],
        "inputs": [[m.group(1), m.group(2)] for m in _INPUT_RE.finditer(text)],
        "bibs": [name for m in _BIB_RE.finditer(text) for name in m.group(1).split(",")],
        "graphics": [m.group(1) for m in _GRAPHIC_RE.finditer(text)],
        "packages": [[m.group(1), m.group(2)] for m in _PACKAGE_RE.finditer(text)],
    }


def _find_graphic(name: str, dirs: Sequence[Path]) -> Path:
    for folder in dirs:
        for ext in GRAPHIC_EXTS:
            candidate = folder / (name + ext)
            if candidate.is_file():
                return candidate
    return dirs[-1] / name


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """One step: the book PDF into build/book/ and to ``book.pdf`` of course.yaml.

    Lesson numbers do not matter (the book is one document). Returns [] when the course has
    no book source. Raises ToolNotFoundError when latexmk or xelatex is missing.
    """
    main = course.path(course.book.source)
    if not main.is_file():
        return []
    inputs, included = book_inputs(main, course.root)
    macros = course.path(course.macros)
    if macros.resolve() not in inputs:
        inputs.append(macros.resolve())
    pdf_name = Path(course.book.pdf).name
    primary = options.build_dir / "book" / pdf_name
    copy = course.path(course.book.pdf)
    tb = options.toolbox
    job = BookJob(
        main=main.resolve(),
        root=course.root,
        aux_dir=options.build_dir / ".book-aux",
        included=tuple(included),
        fresh=options.force,
        meta=course_fields(course),
    )
    extra = (copy,) if copy.resolve() != primary.resolve() else ()
    escape = outside_files(inputs, course.root)
    if escape is not None:  # refused before TeX runs; the old PDF stays
        inputs = [p for p in inputs if is_inside(p, course.root)]
        return [
            BuildStep(
                kind="book",
                output=primary,
                extra_outputs=extra,
                inputs=tuple(inputs),
                action=FailingAction(escape),
                label=f"book/{pdf_name}",
            )
        ]
    record = book_record(options.build_dir, pdf_name)  # overfull lines, for layout warnings
    return [
        latex_step(job, tb, primary, inputs, f"book/{pdf_name}", (*extra, record)),
        *_lesson_books(course, lessons, options),  # build/lesson_NN/book.pdf (book-sync extracts)
    ]


def latex_step(
    job: BookJob,
    tb: Toolbox,
    output: Path,
    inputs: Sequence[Path],
    label: str,
    extra_outputs: tuple[Path, ...] = (),
) -> BuildStep:
    """The step that typesets ``job`` (latexmk + xelatex + bibtex) into ``output``; its key
    holds the TeX tool versions and the latexmk arguments."""
    return BuildStep(
        kind="book",
        output=output,
        extra_outputs=extra_outputs,
        inputs=tuple(inputs),
        action=BookAction(job, tb),
        key=key_of(
            latexmk=tb.identity("latexmk"),
            xelatex=tb.identity("xelatex"),
            args=" ".join(latexmk_args(job)),
            meta=course_meta(job),
        ),
        label=label,
    )


def _lesson_books(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """Build steps for the lessons' extracts: ``lessons/lesson_NN/book/book.tex`` ->
    ``build/lesson_NN/book.pdf`` (latexmk + xelatex + bibtex, as the whole book is built), one
    per lesson whose extract exists. Raises ToolNotFoundError when latexmk or xelatex is missing.

    An extract is typeset on its own rather than cut out of the book's PDF, although that costs
    more TeX time than the book itself (benchmarks/booksync.py): a lesson carries its chapter
    and its solutions section, which shares pages with the neighbouring solutions in the book,
    and the extract's bibliography lists its own citations only (numbered from 1; the book's is
    global). With ``--jobs`` > 1 the extracts run beside the book (longest unit first).
    """
    steps = []
    for lesson in lessons:
        main = lesson.dir(course.root) / "book" / TEX_NAME
        if main.is_file():
            steps.append(_lesson_book(course, lesson, main, options))
    return steps


def _lesson_book(course: Course, lesson: Lesson, main: Path, options: BuildOptions) -> BuildStep:
    """The step that typesets one lesson's ``book.tex``."""
    inputs, _ = book_inputs(main, course.root)
    # the figures it names are inputs; whole \graphicspath folders are not (the book's
    # folder is one, and the book's own PDF is written there)
    inputs = [p for p in inputs if not p.is_dir()]
    job = BookJob(
        main=main.resolve(),
        root=course.root,
        aux_dir=options.build_dir / ".lesson-book-aux" / lesson.dirname,
        included=(),
        fresh=options.force,  # --force typesets again: latexmk would trust its kept aux files
        meta=course_fields(course),  # the extract's preamble reads course-meta.tex too
    )
    output = options.build_dir / lesson.dirname / "book.pdf"
    return latex_step(job, options.toolbox, output, inputs, f"{lesson.dirname}/book.pdf")


def course_fields(course: Course) -> tuple[tuple[str, str], ...]:
    """course.yaml ``author``, ``version`` and ``license`` (those set) as TeX macro names."""
    fields = (
        ("courseauthor", course.author),
        ("courseversion", course.version),
        ("courselicense", course.license),
    )
    return tuple((name, value) for name, value in fields if value)


def course_meta(job: BookJob) -> str:
    """The text of ``course-meta.tex``: one ``\\def`` per course.yaml field that is set."""
    return "".join(f"\\def\\{name}{{{tex_text(value)}}}\n" for name, value in job.meta)


def latexmk_args(job: BookJob) -> list[str]:
    """latexmk's arguments (without the program) for the book."""
    return [
        "-xelatex",
        "-bibtex",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-file-line-error",
        f"-outdir={job.aux_dir}",
        job.main.name,
    ]


@dataclass(frozen=True, eq=False)
class BookAction:
    """The build action of the book (an engine Action)."""

    job: BookJob
    toolbox: Toolbox

    def __call__(self, tasks: Sequence[Task], /) -> None:
        """Build once, copy the PDF to every staged PDF output and write the layout record
        (a ``.json`` output: the overfull lines of the log). Raises ToolFailedError on failure."""
        pdf = build_book(self.job, self.toolbox)
        for task in tasks:
            for final, staged in task.staged.items():
                if final.suffix == ".json":
                    log = pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
                    write_record(staged, book_layout(log, self.job.main, self.job.root))
                else:
                    shutil.copyfile(pdf, staged)


def outside_files(files: Sequence[Path], root: Path) -> ProblemsFound | None:
    """The error for the first file name in the TeX ``files`` that leads outside the course
    (``\\input{/etc/hostname}``, ``\\openin…=/proc/self/environ``), or None."""
    for path in files:
        shown = _rel(path, root)
        if not is_inside(path, root):
            return ProblemsFound(
                f"{shown}: the book reads this file, which is outside the course folder; refused"
            )
        if path.suffix != ".tex" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for line, command, name in tex_escapes(text, path.parent, root):
            return ProblemsFound(
                f"{shown}:{line}: \\{command}{{{name}}} opens a file outside the course "
                "folder; refused",
                hint="keep every file the book reads inside the course",
            )
    return None


_AUX_SUFFIXES = {".aux", ".bbl", ".bcf", ".blg", ".fdb_latexmk", ".fls", ".out", ".toc", ".xdv"}


def reset_aux(aux_dir: Path, *, everything: bool = False) -> None:
    """Drop the aux files a full disk or a kill left empty (latexmk would trust them and
    report every reference undefined for ever); with ``everything`` the whole folder."""
    if not aux_dir.is_dir():
        return
    if everything:
        shutil.rmtree(aux_dir, ignore_errors=True)
        return
    for path in aux_dir.rglob("*"):
        if path.suffix in _AUX_SUFFIXES and path.is_file() and path.stat().st_size == 0:
            path.unlink(missing_ok=True)


def build_book(job: BookJob, toolbox: Toolbox) -> Path:
    """Run latexmk; return the PDF in the aux folder.

    Raises ToolFailedError naming the source file and line and TeX's message, or listing
    every undefined reference and citation with where it is used.
    """
    base = job.main.parent
    reset_aux(job.aux_dir, everything=job.fresh)
    job.aux_dir.mkdir(parents=True, exist_ok=True)
    (job.aux_dir / "course-meta.tex").write_text(course_meta(job), encoding="utf-8")
    for inc in job.included:  # TeX writes chapters/x.aux below -outdir but does not mkdir
        with contextlib.suppress(ValueError):
            (job.aux_dir / inc.parent.relative_to(base)).mkdir(parents=True, exist_ok=True)
    # The book climbs to ../macros.tex, which kpathsea's paranoid reading mode refuses; its
    # file names were checked against the course boundary when it was planned (tex_escapes),
    # so TeX reads in "restricted" mode (no dot files) and writes in paranoid mode.
    done = toolbox.run(
        "latexmk",
        latexmk_args(job),
        cwd=base,
        timeout=LATEXMK_TIMEOUT,
        check=False,
        # max_print_line: log lines unbroken, so that file names in it stay whole (layout)
        env={
            "openin_any": "r",
            "max_print_line": "100000",
            # course-meta.tex is in the aux folder; the empty entry keeps TeX's own path
            "TEXINPUTS": f".{os.pathsep}{job.aux_dir}{os.pathsep}",
        },
    )
    log_path = job.aux_dir / (job.main.stem + ".log")
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file() else ""
    pdf = job.aux_dir / (job.main.stem + ".pdf")
    if done.returncode != 0 or not pdf.is_file():
        raise _tex_error(job, log, done.stdout + done.stderr)
    problems = undefined_problems(job, log)
    if problems:
        raise ToolFailedError(
            f"{_rel(job.main, job.root)}: {len(problems)} undefined reference(s)/citation(s):\n"
            + "\n".join(problems),
            hint="add the \\label or the refs.bib entry, or fix the key's spelling",
        )
    return pdf


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _tex_error(job: BookJob, log: str, output: str) -> ToolFailedError:
    m = _LOG_ERROR_RE.search(log)
    if m:
        src = (job.main.parent / m.group("file")).resolve()
        context = ""
        after = log[m.end() :].splitlines()
        ctx = next((ln for ln in after[:12] if re.match(r"^l\.\d+ ", ln)), "")
        if ctx:
            context = f" near: {ctx.split(' ', 1)[1].strip()}"
        return ToolFailedError(
            f"{_rel(src, job.root)}:{m.group('line')}: xelatex: {m.group('msg').strip()}{context}",
            hint=f"full log: {_rel(job.aux_dir, job.root)}/{job.main.stem}.log",
        )
    lines = [f"{_rel(job.main, job.root)}: latexmk failed"]
    for name in dict.fromkeys(re.findall(r"^No file (\S+\.tex)\.$", log, re.M)):
        lines.append(f"{_rel(job.main, job.root)}: missing input file {name}")
    if "needed too many passes" in output:
        lines.append(
            f"{_rel(job.main, job.root)}: cross-references did not settle after latexmk's "
            "maximum number of xelatex runs (a source changed during the build?); build again"
        )
    lines += undefined_problems(job, log)
    if len(lines) > 1:
        return ToolFailedError(
            "\n".join(lines), hint=f"full log: {_rel(job.aux_dir, job.root)}/{job.main.stem}.log"
        )
    tail = "\n".join(ln for ln in output.splitlines() if ln.strip())[-1500:]
    return ToolFailedError(lines[0], hint=tail or None)


def undefined_problems(job: BookJob, log: str) -> list[str]:
    """``file:line: undefined reference `x'`` for each undefined name in the final log."""
    names: dict[tuple[str, str], None] = {}
    for m in _UNDEFINED_RE.finditer(log):
        names[(m.group("kind").lower(), m.group("name"))] = None
    blg = job.aux_dir / (job.main.stem + ".blg")
    if blg.is_file():
        text = blg.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r'I didn\'t find a database entry for "([^"]+)"', text):
            names[("citation", m.group(1))] = None
    out = []
    sources, _ = book_inputs(job.main)
    for kind, name in names:
        out.append(f"{_where_used(kind, name, sources, job.root)}: undefined {kind} {name}")
    return out


def _where_used(kind: str, name: str, sources: Sequence[Path], root: Path) -> str:
    cmd = r"\\\w*cite\w*\*?(?:\[[^\]]*\])*\{[^}]*" if kind == "citation" else r"\\\w*ref\*?\{"
    rx = re.compile(cmd + re.escape(name) + r"(?=[},\s])")
    for src in sources:
        if src.suffix != ".tex" or not src.is_file():
            continue
        for i, line in enumerate(src.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if rx.search(strip_comment(line)):
                return f"{_rel(src, root)}:{i}"
    return _rel(sources[0], root) if sources else "book"
