"""course.yaml: the typed model of a course and its loader.

Errors name the file, the line and the field path (``course.yaml:14: lessons[3].number: …``),
offer a "did you mean" for unknown keys, and are all reported at once as one ConfigError.
The models are frozen dataclasses whose fields say how their values are checked
(:mod:`course_cli.core.schema`); a course.yaml already checked is read from a JSON cache.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from course_cli.core.courseroot import CONFIG_NAME
from course_cli.core.errors import ConfigError, UsageError
from course_cli.core.schema import (
    Problem,
    after,
    before,
    boolean,
    dict_of,
    field_path,
    integer,
    list_of,
    model,
    number,
    one_of,
    optional,
    spec,
    text,
    validate_fields,
)
from course_cli.core.yamlpos import YamlDoc, load_yaml

#: the highest lesson number (folders are lesson_01 … lesson_999)
MAX_LESSON = 999

Deliverable = Literal["readme", "slides", "conspect", "exercises", "notebooks", "reading"]
PdfEngine = Literal["xelatex", "lualatex", "pdflatex", "typst"]
SlideFormat = Literal["html", "pdf", "pptx"]
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, kw_only=True)
class BookConfig:
    source: str = spec(text(), "materials/book/src.tex")
    pdf: str = spec(text(), "materials/book/LLM_alignment_book.pdf")
    bibliography: str = spec(text(), "materials/book/refs.bib")


def _required_parts() -> list[Deliverable]:
    return ["readme", "slides", "conspect"]


def _optional_parts() -> list[Deliverable]:
    return ["exercises", "notebooks", "reading"]


def _slide_formats() -> list[SlideFormat]:
    return ["html", "pdf"]


_parts = list_of(one_of(get_args(Deliverable)))


@dataclass(frozen=True, kw_only=True)
class Deliverables:
    required: list[Deliverable] = spec(_parts, factory=_required_parts)
    optional: list[Deliverable] = spec(_parts, factory=_optional_parts)


@dataclass(frozen=True, kw_only=True)
class NotebooksConfig:
    timeout: int = spec(integer(ge=1), 300)  # seconds per notebook


@dataclass(frozen=True, kw_only=True)
class BuildConfig:
    pdf_engine: PdfEngine = spec(one_of(get_args(PdfEngine)), "xelatex")
    slides: list[SlideFormat] = spec(list_of(one_of(get_args(SlideFormat))), factory=_slide_formats)
    solutions: bool = spec(boolean(), True)  # False: PDFs and the site leave solutions out
    notebooks: NotebooksConfig = spec(model(NotebooksConfig), factory=NotebooksConfig)
    jobs: int | None = spec(optional(integer(ge=1)), None)
    tools: dict[str, str] = spec(dict_of(text()), factory=dict)
    themes: list[str] = spec(list_of(text()), factory=list)  # extra Marp theme CSS files


_GITHUB_RE = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?(?:\.git)?/?$")


def _github(value: str) -> str:
    if not _GITHUB_RE.match(value):
        raise ValueError(
            f"{value!r} is not a GitHub repository URL like https://github.com/OWNER/REPO "
            "(Colab and the site's edit links open it on GitHub)"
        )
    return value


def _branch(value: str) -> str:
    # the branch goes into Colab and "Edit this page" URLs as one path segment
    if not value or any(c.isspace() or c in "?#" for c in value) or ".." in value:
        raise ValueError(f"{value!r} is not a branch name (no spaces, '?', '#' or '..'), e.g. main")
    return value


@dataclass(frozen=True, kw_only=True)
class RepositoryConfig:
    """Where the course repository is published: notebook pages link to Colab from it, and
    site pages get an "Edit this page" link to its editor and a "last updated" date."""

    url: str = spec(after(text(), _github))
    branch: str = spec(after(text(), _branch), "main")


@dataclass(frozen=True, kw_only=True)
class CheckConfig:
    disable: list[str] = spec(list_of(text()), factory=list)
    severity: dict[str, Severity] = spec(dict_of(one_of(get_args(Severity))), factory=dict)
    # a PDF line more than this many points too wide (TeX's Overfull \hbox) is a finding
    overfull_pt: float = spec(number(ge=0), 10.0)


@dataclass(frozen=True, kw_only=True)
class Lesson:
    number: int = spec(integer(ge=1, le=MAX_LESSON, strict=True))
    title: str = spec(text(min_length=1, one_line=True))
    summary: str = spec(text(), "")
    book: list[str] = spec(list_of(text()), factory=list)
    deliverables: Deliverables | None = spec(optional(model(Deliverables)), None)

    @property
    def dirname(self) -> str:
        """The lesson's folder name, e.g. ``lesson_05``."""
        return f"lesson_{self.number:02d}"

    def dir(self, root: Path) -> Path:
        """Return the lesson's folder under ``root/lessons``."""
        return root / "lessons" / self.dirname


def _one_line(value: Any) -> Any:
    """author, version, license: one non-empty line (a number such as ``version: 1.2`` is
    taken as its text), stripped."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and ("\n" in value.strip() or not value.strip()):
        raise ValueError("must be one non-empty line of text")
    return value.strip() if isinstance(value, str) else value


def _repository_url(value: Any) -> Any:
    # `repository: https://github.com/owner/repo` is short for `repository: {url: …}`
    return {"url": value} if isinstance(value, str) else value


_meta = before(_one_line, optional(text()))


@dataclass(frozen=True, kw_only=True)
class _CourseFile:
    title: str = spec(text(min_length=1))
    # printed on the book's title page and the conspects' title block, and in PDF metadata
    author: str | None = spec(_meta, None)
    version: str | None = spec(_meta, None)
    license: str | None = spec(_meta, None)
    book: BookConfig = spec(model(BookConfig), factory=BookConfig)
    macros: str = spec(text(), "materials/macros.tex")
    deliverables: Deliverables = spec(model(Deliverables), factory=Deliverables)
    build: BuildConfig = spec(model(BuildConfig), factory=BuildConfig)
    check: CheckConfig = spec(model(CheckConfig), factory=CheckConfig)
    repository: RepositoryConfig | None = spec(
        before(_repository_url, optional(model(RepositoryConfig))), None
    )
    lessons: list[Lesson] = spec(list_of(model(Lesson)), factory=list)


@dataclass(frozen=True, kw_only=True)
class Course(_CourseFile):
    """A loaded, validated course: the contents of course.yaml plus where it lives."""

    root: Path
    config_path: Path

    def path(self, rel: str) -> Path:
        """Return ``rel`` (a path from course.yaml) resolved against the course root."""
        return self.root / rel

    def lesson(self, number: int) -> Lesson:
        """Return lesson ``number``; raises UsageError naming the known numbers."""
        for lesson in self.lessons:
            if lesson.number == number:
                return lesson
        known = ", ".join(str(x.number) for x in self.lessons) or "none"
        raise UsageError(f"no lesson {number} in {CONFIG_NAME} (lessons: {known})")

    def select(self, numbers: Sequence[int]) -> list[Lesson]:
        """Return the lessons with these numbers (all lessons when empty), in course order."""
        if not numbers:
            return list(self.lessons)
        wanted = {n: self.lesson(n) for n in numbers}
        return [wanted[n] for n in sorted(wanted)]

    def deliverables_for(self, lesson: Lesson) -> Deliverables:
        """Return the deliverables contract that applies to ``lesson``."""
        return lesson.deliverables or self.deliverables


def new_lesson(**values: Any) -> tuple[Lesson | None, list[Problem]]:
    """A Lesson from ``values`` checked as course.yaml's would be, or None and the problems."""
    problems: list[Problem] = []
    kwargs = validate_fields(Lesson, values, (), problems)
    return (None if kwargs is None else Lesson(**kwargs)), problems


def load_course(root: Path) -> Course:
    """Load and validate ``root/course.yaml``.

    Returns the Course; raises ConfigError listing every problem with file:line: field.
    """
    path = root / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            [f"{path}: no such file"], hint="pass --root pointing at a folder with course.yaml"
        )
    raw = path.read_bytes()
    cached = _cached_course(root, raw)
    if cached is not None:
        return cached
    doc = load_yaml(path, raw)  # the bytes the cache key is made of
    data = doc.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{CONFIG_NAME}:1: the top level must be a mapping of keys"])
    found: list[Problem] = []
    kwargs = validate_fields(_CourseFile, data, (), found)
    problems = []
    for loc, msg in found:
        line = doc.line_of(loc)
        problems.append((line, f"{CONFIG_NAME}:{line}: {field_path(loc)}: {msg}"))
    course = None if kwargs is None else Course(**kwargs, root=root, config_path=path)
    if course is not None:
        problems.extend(_semantic_problems(course, doc))
        problems.extend(_path_problems(course, doc, root))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise ConfigError([msg for _, msg in problems], hint=f"fix {CONFIG_NAME} and run again")
    assert course is not None
    _remember_course(root, raw, course)
    return course


#: build/.cache/course.json: the last valid course.yaml, validated, by its SHA-256 — a command
#: that finds it there skips the round-trip YAML parser (slow on a long course.yaml)
_CACHE = ("build", ".cache", "course.json")
_CACHE_VERSION = 2


def _cache_stamp(raw: bytes) -> str:
    import hashlib

    from course_cli.core.stamp import toolkit_stamp

    return hashlib.sha256(raw).hexdigest() + ":" + toolkit_stamp(("ruamel.yaml",))


def _cached_course(root: Path, raw: bytes) -> Course | None:
    """The course of ``raw`` (course.yaml's bytes) from the cache, or None. The checks that
    look beyond the file (paths outside the course, the book's PDF copy) run again: when one
    fails, None, and the full load reports it with its line."""
    import json

    try:
        data = json.loads(root.joinpath(*_CACHE).read_text(encoding="utf-8"))
        if data.get("version") != _CACHE_VERSION or data.get("key") != _cache_stamp(raw):
            return None
        kwargs = validate_fields(_CourseFile, data["course"], (), [])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if kwargs is None:
        return None
    course = Course(**kwargs, root=root, config_path=root / CONFIG_NAME)
    if _path_problems(course, _NoLines(), root):
        return None
    return course


def _remember_course(root: Path, raw: bytes, course: Course) -> None:
    import contextlib
    import dataclasses
    import json

    from course_cli.core.fs import atomic_write

    build = root / "build"
    if not build.is_dir() or build.is_symlink():
        return  # created by the first build, not by a read-only command
    fields = dataclasses.asdict(course)
    del fields["root"], fields["config_path"]
    data = {"version": _CACHE_VERSION, "key": _cache_stamp(raw), "course": fields}
    with contextlib.suppress(OSError):
        atomic_write(root.joinpath(*_CACHE), json.dumps(data))


class _NoLines:
    """Stands in for the parsed YAML when no line numbers are needed."""

    def line_of(self, loc: Sequence[int | str]) -> int:
        return 0


#: folders of sources: an output path of course.yaml may never point into them
_SOURCE_DIRS = ("lessons", "templates", ".git")


def _path_problems(course: Course, doc: YamlDoc | _NoLines, root: Path) -> list[tuple[int, str]]:
    """Paths of course.yaml that would read or write outside the course, or overwrite a
    source: every path must stay inside the course (symlinks followed); ``book.pdf`` is the
    one output outside build/ and must be a ``.pdf`` that is no source and no other file."""
    from course_cli.core.boundary import is_inside

    problems: list[tuple[int, str]] = []
    fields = {
        ("book", "source"): course.book.source,
        ("book", "pdf"): course.book.pdf,
        ("book", "bibliography"): course.book.bibliography,
        ("macros",): course.macros,
    }
    for loc, value in fields.items():
        line = doc.line_of(loc)
        where = f"{CONFIG_NAME}:{line}: {'.'.join(loc)}"
        if Path(value).is_absolute() or not is_inside(root / value, root):
            problems.append((line, f"{where}: {value!r} is outside the course folder"))
    pdf = course.book.pdf
    line = doc.line_of(("book", "pdf"))
    where = f"{CONFIG_NAME}:{line}: book.pdf"
    target = root / pdf
    inputs = {course.book.source, course.book.bibliography, course.macros, CONFIG_NAME}
    if not Path(pdf).is_absolute() and is_inside(target, root):
        parts = Path(pdf).parts
        if Path(pdf).suffix.lower() != ".pdf":
            problems.append((line, f"{where}: {pdf!r} must be a .pdf file (the book's copy)"))
        elif Path(pdf).as_posix() in inputs or (parts and parts[0] in _SOURCE_DIRS):
            problems.append(
                (line, f"{where}: {pdf!r} is a source of the course; the book is not copied there")
            )
        elif target.is_dir():
            problems.append((line, f"{where}: {pdf!r} is a folder"))
        elif target.is_file() and not _is_pdf(target):
            problems.append(
                (line, f"{where}: {pdf!r} exists and is not a PDF; it would be overwritten")
            )
    return problems


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(1024).find(b"%PDF-") >= 0
    except OSError:
        return False


def _semantic_problems(course: Course, doc: YamlDoc) -> list[tuple[int, str]]:
    from course_cli.tools.specs import TOOLS

    problems = []
    for name in course.build.tools:
        if name not in TOOLS:
            line = doc.line_of(("build", "tools", name))
            import difflib

            close = difflib.get_close_matches(name, list(TOOLS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(TOOLS)
            problems.append(
                (line, f"{CONFIG_NAME}:{line}: build.tools.{name}: unknown tool ({hint})")
            )
    seen: dict[int, int] = {}
    titles: dict[str, int] = {}
    for i, lesson in enumerate(course.lessons):
        if lesson.number in seen:
            line = doc.line_of(("lessons", i, "number"))
            first = doc.line_of(("lessons", seen[lesson.number], "number"))
            problems.append(
                (
                    line,
                    f"{CONFIG_NAME}:{line}: lessons[{i}].number: duplicate lesson number "
                    f"{lesson.number} (first used at line {first})",
                )
            )
        else:
            seen[lesson.number] = i
        key = lesson.title.strip().casefold()
        if key in titles:
            line = doc.line_of(("lessons", i, "title"))
            first = doc.line_of(("lessons", titles[key], "title"))
            problems.append(
                (
                    line,
                    f"{CONFIG_NAME}:{line}: lessons[{i}].title: duplicate lesson title "
                    f"{lesson.title!r} (first used at line {first})",
                )
            )
        else:
            titles[key] = i
    return problems
