"""Conspect PDFs: ``lessons/lesson_NN/conspect.md`` -> ``build/lesson_NN/conspect.pdf`` via pandoc.

Engines: xelatex (default, ``course.yaml`` ``build.pdf_engine``), lualatex, pdflatex and typst
(the fast path). A conspect may choose its engine in its front matter (``engine: typst``); the
command line's ``--engine`` overrides both. The course look lives in ``course_cli/data/pdf``
(a course may override any of those files in ``templates/pdf/``): the Lua filter ``course.lua``
(theorem blocks, numbered equations, typst math fixes) and the headers ``course-header.tex`` /
``course-header.typ``. The shared macros reach LaTeX through the header and typst through
``\\newcommand`` lines prepended to the Markdown, which pandoc expands itself.

pandoc exits 0 on several broken outputs; :mod:`~.checks` turns them into errors
that name the conspect, the line and the offending text.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from course_cli.builders.citations import cited_entries
from course_cli.builders.layout import (
    conspect_layout,
    conspect_record,
    split_pandoc_verbose,
    write_record,
)
from course_cli.builders.pdf.checks import latex_failure, pandoc_problems, typst_failure
from course_cli.builders.pdf.options import ENGINES, PdfOptions
from course_cli.builders.targets import read_source
from course_cli.core.boundary import tex_escapes
from course_cli.core.errors import (
    CourseError,
    ProblemsFound,
    ToolFailedError,
    ToolNotFoundError,
    UsageError,
)
from course_cli.core.macros import tex_text
from course_cli.engine.steps import BuildOptions, BuildStep, FailingAction, Task, key_of

if TYPE_CHECKING:
    from course_cli.core.config import Course, Lesson
    from course_cli.tools.runner import Toolbox

DATA_DIR = Path(__file__).parents[2] / "data" / "pdf"
TEMPLATE_FILES = ("course.lua", "course-header.tex", "course-header.typ")
PANDOC_TIMEOUT = 300.0
COURSE_NAME_FILE = "course-name.tex"  # \coursename, for the title block of course-header.tex
FONTS = {"mainfont": "DejaVu Serif", "sansfont": "DejaVu Sans", "monofont": "DejaVu Sans Mono"}

_FRONT_RE = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG_RE = re.compile(r"<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.I)


@dataclass(frozen=True)
class ConspectJob:
    """Everything one pandoc run needs (all paths absolute)."""

    source: Path
    name: str  # the conspect as the user knows it: lessons/lesson_05/conspect.md
    engine: str
    title: str | None  # from course.yaml when the front matter has none
    subtitle: str | None  # "Lesson N: title" unless the title already says so
    course_title: str
    has_author: bool
    bibliography: Path | None
    macros: Path
    templates: dict[str, Path]
    work_dir: Path
    root: Path  # the course root: file names in messages are relative to it
    solutions: bool = True  # False: `::: solution` blocks are left out (student handouts)
    course_author: str | None = None  # course.yaml author: the conspect's when it names none
    course_version: str | None = None  # course.yaml version: the date line when it has none
    has_date: bool = False


def read_front_matter(text: str) -> dict[str, object]:
    """Return the YAML front matter of a Markdown text as a dict ({} when there is none)."""
    m = _FRONT_RE.match(text)
    if not m:
        return {}
    import yaml

    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def local_images(text: str, base: Path) -> list[Path]:
    """The local image files a Markdown text refers to, resolved against ``base``."""
    found: list[Path] = []
    for m in [*_IMAGE_RE.finditer(text), *_HTML_IMG_RE.finditer(text)]:
        ref = m.group(1).split("#", 1)[0]
        if not ref or re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I):
            continue  # a URL or data: URI
        path = (base / ref).resolve()
        if path not in found:
            found.append(path)
    return found


def template_files(root: Path) -> dict[str, Path]:
    """The course's PDF template files: ``templates/pdf/<name>`` if present, else the bundled."""
    out = {}
    for name in TEMPLATE_FILES:
        own = root / "templates" / "pdf" / name
        out[name] = own if own.is_file() else DATA_DIR / name
    return out


def choose_engine(front: dict[str, object], default: str, override: str | None, where: Path) -> str:
    """The engine for one conspect: ``--engine`` > front matter ``engine:`` > course.yaml.

    Raises UsageError naming the file when the front matter names an unknown engine.
    """
    if override:
        if override not in ENGINES:
            raise UsageError(
                f"unknown PDF engine {override!r}", hint="use one of: " + ", ".join(ENGINES)
            )
        return override
    engine = front.get("engine")
    if engine is None:
        return default
    if engine not in ENGINES:
        raise UsageError(
            f"{where}: front matter engine: {engine!r} is not a PDF engine",
            hint="use one of: " + ", ".join(ENGINES),
        )
    return str(engine)


def plan_build(course: Course, lessons: list[Lesson], options: BuildOptions) -> list[BuildStep]:
    """One step per lesson that has a conspect.md; lessons without one are skipped.

    ``options.of(PdfOptions).engine`` (``--engine``) overrides every conspect's engine. Raises
    UsageError on an unknown engine and ToolNotFoundError when pandoc or the engine is missing
    or pandoc is older than 3.0.
    """
    root = course.root
    pdf = options.of(PdfOptions)
    override = pdf.engine
    solutions = course.build.solutions if pdf.solutions is None else pdf.solutions
    templates = template_files(root)
    bib = course.path(course.book.bibliography)
    macros = course.path(course.macros)
    tb = options.toolbox
    steps = []
    for lesson in lessons:
        src = lesson.dir(root) / "conspect.md"
        if not src.is_file():
            continue
        output = options.build_dir / lesson.dirname / "conspect.pdf"
        try:
            text = read_source(src, root)
            refuse_outside_files(text, src, root)
        except CourseError as exc:  # an unreadable conspect fails its own step only
            steps.append(
                BuildStep(
                    kind="pdf",
                    output=output,
                    inputs=(src,),
                    action=FailingAction(exc),
                    label=f"{lesson.dirname}/conspect.pdf",
                )
            )
            continue
        front = read_front_matter(text)
        engine = choose_engine(front, course.build.pdf_engine, override, src.relative_to(root))
        job = ConspectJob(
            source=src,
            name=src.relative_to(root).as_posix(),
            engine=engine,
            title=None if front.get("title") else f"Lesson {lesson.number}: {lesson.title}",
            subtitle=_subtitle(str(front["title"]), lesson) if front.get("title") else None,
            course_title=course.title,
            has_author=bool(front.get("author")),
            course_author=course.author,
            course_version=course.version,
            has_date=bool(front.get("date")),
            bibliography=bib if bib.is_file() else None,
            macros=macros,
            templates=templates,
            work_dir=tex_work_dir(options.build_dir),
            root=root,
            solutions=solutions,
        )
        inputs = [src, *local_images(text, src.parent), macros, *templates.values()]
        if job.bibliography:
            inputs.append(job.bibliography)
        steps.append(
            BuildStep(
                kind="pdf",
                output=output,
                # TeX's overfull lines, for the layout warnings (course_cli.check.rendered)
                extra_outputs=(conspect_record(options.build_dir, lesson.dirname),),
                inputs=tuple(inputs),
                action=ConspectAction(job, tb),
                key=key_of(
                    engine=engine,
                    pandoc=tb.identity("pandoc", usable=True),
                    engine_version=engine_version(tb, engine),
                    title=job.title,
                    subtitle=job.subtitle,
                    course=job.course_title,
                    args=" ".join(pandoc_args(job, Path("in.md"), Path("out.pdf"), "ENGINE")),
                ),
                label=f"{lesson.dirname}/conspect.pdf ({engine})",
            )
        )
    return steps


def tex_work_dir(build_dir: Path) -> Path:
    """Where pandoc runs TeX: ``build/tmp``. kpathsea's paranoid mode refuses every path
    with a dot folder in it (``.tmp``, a course under ``~/.local``), so such a course uses
    the system's temporary folder instead."""
    work = build_dir.resolve() / "tmp"
    if any(part.startswith(".") for part in work.parts[1:]):
        return Path(tempfile.gettempdir()) / "course-tex"
    return work


def refuse_outside_files(text: str, src: Path, root: Path) -> None:
    """Raise ProblemsFound (exit 1) naming the line when the conspect's raw TeX opens a file
    outside the course (``\\input{/etc/hostname}``, ``\\openin…=/etc/hostname``)."""
    found = tex_escapes(text, src.parent, root, comments=False)
    if found:
        line, command, name = found[0]
        raise ProblemsFound(
            f"{src.relative_to(root).as_posix()}:{line}: \\{command}{{{name}}} opens a file "
            "outside the course folder; refused",
            hint="keep every file the conspect reads inside the course",
        )


def engine_version(toolbox: Toolbox, engine: str) -> str:
    """The version of ``engine``: the ``typst`` module's, or the TeX engine's (cached).

    Raises ToolNotFoundError when the engine is not installed.
    """
    if engine != "typst":
        return toolbox.identity(engine)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("typst")
    except PackageNotFoundError as exc:
        raise ToolNotFoundError(
            "typst (the Python package) is not installed (needed for --engine typst)",
            hint="pip install typst",
        ) from exc


def _subtitle(title: str, lesson: Lesson) -> str | None:
    """The title block's second line, unless the conspect's own title already carries it."""
    lowered = title.casefold()
    if lesson.title.casefold() in lowered or lowered.startswith(f"lesson {lesson.number}"):
        return None
    return f"Lesson {lesson.number}: {lesson.title}"


def pandoc_args(job: ConspectJob, source: Path, output: Path, engine_path: str) -> list[str]:
    """The pandoc command line (without the program) that turns ``source`` into ``output``.

    For typst ``output`` is the ``.typ`` file (compiled in-process, see :func:`compile_typst`)
    and ``engine_path`` is unused; for the LaTeX engines ``output`` is the PDF.
    """
    tpl = job.templates
    typst = job.engine == "typst"
    args = [
        str(source),
        "--from=markdown",
        f"--to={'typst' if typst else 'latex'}",
        f"--output={output}",
        "--standalone",
        f"--lua-filter={tpl['course.lua']}",
        f"--resource-path={job.source.parent}",
        "--variable=papersize:a4",
    ]
    if job.title:
        args.append(f"--metadata=title:{job.title}")
    if job.subtitle:
        args.append(f"--metadata=subtitle:{job.subtitle}")
    if typst:
        if not job.has_author:
            args.append(f"--metadata=author:{job.course_author or job.course_title}")
    elif not job.has_author and job.course_author:  # (LaTeX: the course's name is \coursename)
        args.append(f"--metadata=author:{job.course_author}")
    if not job.has_date and job.course_version:
        args.append(f"--metadata=date:Version {job.course_version}")
    if not job.solutions:
        args.append("--metadata=course-solutions:false")
    if job.bibliography:
        args += [
            "--citeproc",
            f"--bibliography={job.bibliography}",
            "--metadata=reference-section-title:References",
            "--metadata=link-citations:true",
        ]
    if typst:
        args += [
            f"--include-in-header={tpl['course-header.typ']}",
            # Images are copied next to the .typ file (pandoc runs there) and referred to by
            # relative path: typst compiles with that folder as its root and reads nothing else.
            "--extract-media=media",
            f"--variable=mainfont:{FONTS['mainfont']}",
            f"--variable=codefont:{FONTS['monofont']}",
            "--variable=margin.x:2.5cm",
            "--variable=margin.y:2.5cm",
        ]
    else:
        args += [
            f"--pdf-engine={engine_path}",
            f"--include-in-header={tpl['course-header.tex']}",
            f"--include-in-header={job.macros}",
            f"--include-in-header={COURSE_NAME_FILE}",  # written into pandoc's folder
            "--verbose",  # the .tex and TeX's output, for the overfull lines (layout record)
            "--variable=geometry:margin=2.5cm",
            "--variable=colorlinks:true",
            # The Computer Modern faces of course-header.tex are narrower than DejaVu: 11pt keeps
            # the line length and the weight of the page close to the book's.
            "--variable=fontsize:11pt",
        ]
        if job.engine in ("xelatex", "lualatex"):
            args += [f"--variable={k}:{v}" for k, v in FONTS.items()]
    return args


def typst_source(text: str, macros_file: Path) -> str:
    """The Markdown pandoc reads for typst: the macros as ``\\newcommand`` lines, then ``text``.

    pandoc expands macros defined in the document itself; the front matter stays valid YAML
    because a metadata block may follow other text when a blank line precedes it.
    """
    from course_cli.core.macros import as_newcommands, read_macros

    return as_newcommands(read_macros(macros_file)) + "\n" + text


def write_course_name(folder: Path, title: str) -> None:
    """Write ``folder``/course-name.tex, the ``\\coursename`` that course-header.tex puts at the
    head of the title block (pandoc runs in ``folder``)."""
    (folder / COURSE_NAME_FILE).write_text(
        f"\\newcommand{{\\coursename}}{{{tex_text(title)}}}\n", encoding="utf-8"
    )


def cited_bibliography(text: str, bib: Path, work: Path, root: Path) -> Path | None:
    """A .bib in ``work`` with only the entries ``text`` cites (None when it cites nothing).

    citeproc parses the whole bibliography on every run, and the course's grows with every
    lesson. ``@string`` and ``@preamble`` entries are always kept. Raises ProblemsFound naming
    the .bib (relative to ``root``) when it is not valid UTF-8.
    """
    cited = cited_entries(text, bib, root)
    if cited is None:
        return None
    out = work / "cited.bib"
    out.write_text(cited, encoding="utf-8")
    return out


@dataclass(frozen=True, eq=False)
class ConspectAction:
    """The build action of one conspect (an engine Action)."""

    job: ConspectJob
    toolbox: Toolbox

    def __call__(self, tasks: Sequence[Task], /) -> None:
        """Run pandoc for each task; raises ToolFailedError naming the conspect on failure."""
        for task in tasks:
            layout = build_conspect(self.job, task.out(), self.toolbox)
            for final in task.step.extra_outputs:
                write_record(task.out(final), layout)


def build_conspect(job: ConspectJob, output: Path, toolbox: Toolbox) -> dict[str, object]:
    """Make ``output`` (a PDF) from ``job.source`` with pandoc and ``job.engine``; return its
    layout record (TeX's overfull lines, see :func:`course_cli.builders.layout.conspect_layout`).

    typst: pandoc writes a .typ file that the ``typst`` Python module compiles in this process
    (no interpreter start per conspect); LaTeX engines: pandoc runs the engine itself.
    Raises ToolFailedError (exit 4) naming the conspect, the source line and the offending
    text when pandoc or the engine fails or warns about a broken output; ToolNotFoundError (3)
    when a tool is missing.
    """
    text = read_source(job.source, job.root)
    typst = job.engine == "typst"
    engine_path = "" if typst else str(toolbox.find(job.engine).path)
    job.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=job.work_dir, prefix="conspect-") as tmp:
        work = Path(tmp)
        source = job.source
        if job.bibliography is not None:
            bib = cited_bibliography(text, job.bibliography, work, job.root)
            job = replace(job, bibliography=bib)
        if typst:
            source = work / "conspect.md"
            source.write_text(typst_source(text, job.macros), encoding="utf-8")
        else:  # the course's name heads the title block (course-header.tex)
            write_course_name(work, job.course_title)
        target = work / "conspect.typ" if typst else output.resolve()
        # pandoc runs TeX in $TMPDIR: keep that under build/.
        done = toolbox.run(
            "pandoc",
            pandoc_args(job, source, target, engine_path),
            cwd=work,
            timeout=PANDOC_TIMEOUT,
            check=False,
            # TeX may read and write only there (kpathsea's paranoid mode + TEXMFOUTPUT).
            env={"TMPDIR": str(work), "TEXMFOUTPUT": str(work)},
        )
        # --verbose (LaTeX engines) adds the .tex and TeX's output: kept apart for the layout
        stderr, tex, last_run = split_pandoc_verbose(done.stderr)
        layout: dict[str, object] = {"skipped": "typst reports no overfull lines"}
        if not typst:
            layout = conspect_layout(tex, last_run)
        # pandoc's warnings come first: they are usually the cause of an engine error too.
        problem = pandoc_problems(job.name, text, stderr)
        failure = None
        if done.returncode != 0:
            failure = latex_failure(job.name, text, stderr, job.engine)
        elif typst:
            failure = verify_typst(job.name, text) or compile_typst(target, output, job.name, text)
    if failure is not None:
        if problem is None:
            raise failure
        problem.message += "\n" + failure.message
    if problem is not None:
        raise problem
    return layout


def verify_typst(name: str, text: str) -> ToolFailedError | None:
    """What typst would render wrong without saying so: raw LaTeX its writer drops, math it
    cannot convert (see :func:`~.checks.typst_incompatibilities`), and characters
    no font typst can use has (drawn as empty boxes, "tofu"). The error names the conspect's
    line and suggests a LaTeX engine; None when the conspect is safe for typst."""
    from course_cli.builders.pdf.checks import missing_glyphs, typst_incompatibilities

    problems = [f"{name}:{line}: typst: {msg}" for line, msg in typst_incompatibilities(text)]
    problems += [
        f"{name}:{line}: typst: no font has {char!r} (U+{ord(char):04X}); it would print as an "
        "empty box"
        for line, char in missing_glyphs(text, typst_font_files())
    ]
    if not problems:
        return None
    return ToolFailedError(
        "\n".join(problems),
        hint="build it with a LaTeX engine: course build pdf --engine xelatex "
        "(or `engine: xelatex` in its front matter)",
    )


def typst_font_files() -> list[Path]:
    """The font files typst can use besides its own (system fonts), for the glyph check."""
    try:
        import typst
    except ImportError:
        return []
    paths = (getattr(f, "path", None) for f in typst.Fonts().fonts())
    return sorted({Path(p) for p in paths if p})


def compile_typst(source: Path, output: Path, name: str, text: str) -> ToolFailedError | None:
    """Compile a .typ file to ``output`` with the ``typst`` module; the error, or None.

    Raises ToolNotFoundError when the module is not installed.
    """
    try:
        import typst
    except ImportError as exc:
        raise ToolNotFoundError(
            "typst (the Python package) is not installed (needed for --engine typst)",
            hint="pip install typst",
        ) from exc
    try:
        # The .typ file's folder is typst's root: #read("/etc/hostname") finds nothing.
        typst.compile(str(source), output=str(output), root=str(source.parent))
    except typst.TypstError as exc:
        return typst_failure(name, text, str(getattr(exc, "diagnostic", "") or f"error: {exc}"))
    return None
