"""course.yaml: the typed model of a course and its loader.

Errors name the file, the line and the field path (``course.yaml:14: lessons[3].number: …``),
offer a "did you mean" for unknown keys, and are all reported at once as one ConfigError.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

from course_cli.core.courseroot import CONFIG_NAME
from course_cli.core.errors import ConfigError, UsageError
from course_cli.core.yamlpos import YamlDoc, load_yaml

#: the highest lesson number (folders are lesson_01 … lesson_999)
MAX_LESSON = 999

Deliverable = Literal["readme", "slides", "conspect", "exercises", "notebooks", "reading"]
PdfEngine = Literal["xelatex", "lualatex", "pdflatex", "typst"]
SlideFormat = Literal["html", "pdf", "pptx"]
Severity = Literal["error", "warning", "info"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BookConfig(_Model):
    source: str = "materials/book/src.tex"
    pdf: str = "materials/book/LLM_alignment_book.pdf"
    bibliography: str = "materials/book/refs.bib"


def _required_parts() -> list[Deliverable]:
    return ["readme", "slides", "conspect"]


def _optional_parts() -> list[Deliverable]:
    return ["exercises", "notebooks", "reading"]


def _slide_formats() -> list[SlideFormat]:
    return ["html", "pdf"]


class Deliverables(_Model):
    required: list[Deliverable] = Field(default_factory=_required_parts)
    optional: list[Deliverable] = Field(default_factory=_optional_parts)


class NotebooksConfig(_Model):
    timeout: int = Field(default=300, ge=1)  # seconds per notebook


class BuildConfig(_Model):
    pdf_engine: PdfEngine = "xelatex"
    slides: list[SlideFormat] = Field(default_factory=_slide_formats)
    solutions: bool = True  # False: PDFs and the site leave `::: solution` blocks out
    notebooks: NotebooksConfig = Field(default_factory=NotebooksConfig)
    jobs: int | None = Field(default=None, ge=1)
    tools: dict[str, str] = Field(default_factory=dict)
    themes: list[str] = Field(default_factory=list)  # extra Marp theme CSS files


_GITHUB_RE = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?(?:\.git)?/?$")


class RepositoryConfig(_Model):
    """Where the course repository is published: notebook pages link to Colab from it, and
    site pages get an "Edit this page" link to its editor and a "last updated" date."""

    url: str
    branch: str = "main"

    @field_validator("url")
    @classmethod
    def _github(cls, value: str) -> str:
        if not _GITHUB_RE.match(value):
            raise ValueError(
                f"{value!r} is not a GitHub repository URL like https://github.com/OWNER/REPO "
                "(Colab and the site's edit links open it on GitHub)"
            )
        return value

    @field_validator("branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        # the branch goes into Colab and "Edit this page" URLs as one path segment
        if not value or any(c.isspace() or c in "?#" for c in value) or ".." in value:
            raise ValueError(
                f"{value!r} is not a branch name (no spaces, '?', '#' or '..'), e.g. main"
            )
        return value


class CheckConfig(_Model):
    disable: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    # a PDF line more than this many points too wide (TeX's Overfull \hbox) is a finding
    overfull_pt: float = Field(default=10.0, ge=0)


class Lesson(_Model):
    number: StrictInt = Field(ge=1, le=MAX_LESSON)
    title: str = Field(min_length=1, pattern=r"^[^\n]*$")
    summary: str = ""
    book: list[str] = Field(default_factory=list)
    deliverables: Deliverables | None = None

    @property
    def dirname(self) -> str:
        """The lesson's folder name, e.g. ``lesson_05``."""
        return f"lesson_{self.number:02d}"

    def dir(self, root: Path) -> Path:
        """Return the lesson's folder under ``root/lessons``."""
        return root / "lessons" / self.dirname


class _CourseFile(_Model):
    title: str = Field(min_length=1)
    # printed on the book's title page and the conspects' title block, and in PDF metadata
    author: str | None = None
    version: str | None = None
    license: str | None = None

    @field_validator("author", "version", "license", mode="before")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # version: 1.2
        if isinstance(value, str) and ("\n" in value.strip() or not value.strip()):
            raise ValueError("must be one non-empty line of text")
        return value.strip() if isinstance(value, str) else value

    book: BookConfig = Field(default_factory=BookConfig)
    macros: str = "materials/macros.tex"
    deliverables: Deliverables = Field(default_factory=Deliverables)
    build: BuildConfig = Field(default_factory=BuildConfig)
    check: CheckConfig = Field(default_factory=CheckConfig)
    repository: RepositoryConfig | None = None
    lessons: list[Lesson] = Field(default_factory=list)

    @field_validator("repository", mode="before")
    @classmethod
    def _repository_url(cls, value: Any) -> Any:
        # `repository: https://github.com/owner/repo` is short for `repository: {url: …}`
        return {"url": value} if isinstance(value, str) else value


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
    doc = load_yaml(path)
    data = doc.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{CONFIG_NAME}:1: the top level must be a mapping of keys"])
    problems: list[tuple[int, str]] = []
    course: _CourseFile | None = None
    try:
        course = _CourseFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_describe(exc, doc))
    if course is not None:
        problems.extend(_semantic_problems(course, doc))
        problems.extend(_path_problems(course, doc, root))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise ConfigError([msg for _, msg in problems], hint=f"fix {CONFIG_NAME} and run again")
    assert course is not None
    _remember_course(root, raw, course)
    return Course(**course.model_dump(), root=root, config_path=path)


#: build/.cache/course.json: the last valid course.yaml, validated, by its SHA-256 — a command
#: that finds it there skips the round-trip YAML parser (slow on a long course.yaml)
_CACHE = ("build", ".cache", "course.json")
_CACHE_VERSION = 1


def _cache_stamp(raw: bytes) -> str:
    import hashlib

    from course_cli.core.stamp import toolkit_stamp

    stamp = toolkit_stamp(("pydantic", "pydantic_core", "ruamel.yaml"))
    return hashlib.sha256(raw).hexdigest() + ":" + stamp


def _cached_course(root: Path, raw: bytes) -> Course | None:
    """The course of ``raw`` (course.yaml's bytes) from the cache, or None. The checks that
    look beyond the file (paths outside the course, the book's PDF copy) run again: when one
    fails, None, and the full load reports it with its line."""
    import json

    try:
        data = json.loads(root.joinpath(*_CACHE).read_text(encoding="utf-8"))
        if data.get("version") != _CACHE_VERSION or data.get("key") != _cache_stamp(raw):
            return None
        course = _CourseFile.model_validate(data["course"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
        return None
    if _path_problems(course, _NoLines(), root):
        return None
    return Course(**course.model_dump(), root=root, config_path=root / CONFIG_NAME)


def _remember_course(root: Path, raw: bytes, course: _CourseFile) -> None:
    import contextlib
    import json

    from course_cli.core.fs import atomic_write

    build = root / "build"
    if not build.is_dir() or build.is_symlink():
        return  # created by the first build, not by a read-only command
    data = {
        "version": _CACHE_VERSION,
        "key": _cache_stamp(raw),
        "course": course.model_dump(mode="json"),
    }
    with contextlib.suppress(OSError):
        atomic_write(root.joinpath(*_CACHE), json.dumps(data))


class _NoLines:
    """Stands in for the parsed YAML when no line numbers are needed."""

    def line_of(self, loc: Sequence[int | str]) -> int:
        return 0


def _field_path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_MODELS: dict[str, type[BaseModel]] = {
    "": _CourseFile,
    "book": BookConfig,
    "deliverables": Deliverables,
    "build": BuildConfig,
    "build.notebooks": NotebooksConfig,
    "repository": RepositoryConfig,
    "check": CheckConfig,
    "lessons[]": Lesson,
    "lessons[].deliverables": Deliverables,
}


def _model_for(loc: Sequence[int | str]) -> type[BaseModel] | None:
    key = ".".join("[]" if isinstance(p, int) else p for p in loc).replace(".[]", "[]")
    return _MODELS.get(key)


def _describe(exc: ValidationError, doc: YamlDoc) -> list[tuple[int, str]]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = doc.line_of(loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            parent, key = loc[:-1], str(loc[-1])
            model = _model_for(parent)
            fields = sorted(model.model_fields) if model else []
            matches = difflib.get_close_matches(key, fields, n=1)
            msg = f"unknown key {key!r}"
            if matches:
                msg += f" (did you mean {matches[0]!r}?)"
            elif fields:
                msg += f" (allowed: {', '.join(fields)})"
        elif kind == "missing":
            msg = "required field is missing"
        elif kind == "literal_error":
            allowed = err.get("ctx", {}).get("expected", "")
            given = err.get("input")
            close = _close_literal(given, allowed)
            msg = f"{given!r} is not one of {allowed}"
            if close:
                msg += f" (did you mean {close!r}?)"
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            msg = _plain(err["msg"], err.get("input"))
        out.append((line, f"{CONFIG_NAME}:{line}: {_field_path(loc)}: {msg}"))
    return out


def _close_literal(given: Any, allowed: str) -> str | None:
    options = [part.strip(" '\"") for part in allowed.replace(" or ", ",").split(",")]
    close = difflib.get_close_matches(str(given), [o for o in options if o], n=1)
    return close[0] if close else None


def _plain(msg: str, given: Any) -> str:
    """Turn pydantic's phrasing into the house style (lower case, the offending value shown)."""
    msg = msg[0].lower() + msg[1:] if msg else msg
    if given is not None and not isinstance(given, dict | list):
        return f"{msg} (got {given!r})"
    return msg


#: folders of sources: an output path of course.yaml may never point into them
_SOURCE_DIRS = ("lessons", "templates", ".git")


def _path_problems(
    course: _CourseFile, doc: YamlDoc | _NoLines, root: Path
) -> list[tuple[int, str]]:
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


def _semantic_problems(course: _CourseFile, doc: YamlDoc) -> list[tuple[int, str]]:
    from course_cli.tools.specs import TOOLS

    problems = []
    for name in course.build.tools:
        if name not in TOOLS:
            line = doc.line_of(("build", "tools", name))
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
