"""``course check``: rules over a course (or any Markdown/Marp files) → a report of findings.

Two entry points return a :class:`CheckReport` and never print:

* :func:`check_course` — the deliverables contract, course.yaml ↔ lessons/ ↔ README roadmap,
  Markdown, Marp, math, book and typst rules over the lessons of a course;
* :func:`check_files` — the Markdown, Marp and math rules over arbitrary files and folders.

Configuration (course.yaml ``check: disable: [...]``, ``check: severity: {CODE: level}``) and
inline ``<!-- course: ignore CODE -->`` comments (own line and the next) are applied last.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_cli.check.context import CheckContext
from course_cli.check.findings import RULES, SEVERITY_RANK, Finding, Rule, Severity, make
from course_cli.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from course_cli.config import Course, Lesson

__all__ = ["RULES", "CheckReport", "Finding", "LessonResult", "Rule", "check_course", "check_files"]

MARKDOWN_SUFFIXES = (".md", ".mdx", ".markdown")
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class LessonResult:
    """One row of the lesson × deliverable grid.

    ``parts`` maps each deliverable to ok | todo | template | empty | missing (required) or
    present | absent (optional).
    """

    number: int
    title: str
    folder: str
    parts: dict[str, str]
    required: tuple[str, ...]


@dataclass
class CheckReport:
    """Everything one check found: findings (sorted), the lesson grid, what was looked at."""

    mode: str  # "course" or "files"
    root: Path
    findings: list[Finding] = field(default_factory=list)
    lessons: list[LessonResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the files checked, relative to root

    @property
    def files_checked(self) -> int:
        """How many files the rules ran over."""
        return len(self.files)

    def counts(self) -> dict[str, int]:
        """Return the number of findings per severity (error, warning, info)."""
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def failed(self, strict: bool = False) -> bool:
        """True when there are errors (or, with ``strict``, warnings)."""
        counts = self.counts()
        return counts["error"] > 0 or (strict and counts["warning"] > 0)

    def exit_code(self, strict: bool = False) -> ExitCode:
        """Return PROBLEMS when :meth:`failed`, else OK."""
        return ExitCode.PROBLEMS if self.failed(strict) else ExitCode.OK

    def summary(self) -> str:
        """Return the one-line summary, e.g. ``2 errors, 1 warning in 40 files (12 lessons)``."""
        c = self.counts()

        def plural(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        parts = [plural(c["error"], "error"), plural(c["warning"], "warning")]
        if c["info"]:
            parts.append(plural(c["info"], "info"))
        where = plural(self.files_checked, "file")
        if self.mode == "course":
            where += f" ({plural(len(self.lessons), 'lesson')})"
        return f"{', '.join(parts)} in {where}"


# --- course mode -----------------------------------------------------------------------------


def check_course(course: Course, numbers: Sequence[int] = ()) -> CheckReport:
    """Check the lessons ``numbers`` of ``course`` (all when empty) plus, for a full check,
    course-wide consistency and the root README.

    Returns the report; raises UsageError for an unknown lesson number.
    """
    from course_cli.check.consistency import check_config_codes, check_consistency
    from course_cli.check.marp import find_css, known_themes

    wanted = {course.lesson(n).number for n in numbers}  # UsageError for an unknown number
    lessons = [x for x in course.lessons if not wanted or x.number in wanted]
    ctx = _course_context(course, known_themes(find_css(course.root / "templates" / "marp")))
    findings: list[Finding] = check_config_codes(course)
    checked: list[Path] = []
    results = []
    for lesson in lessons:
        found, result, files = _check_lesson(course, lesson, ctx)
        findings.extend(found)
        results.append(result)
        checked.extend(files)
    from course_cli.check.book import check_books

    findings.extend(check_books(course, lessons))
    if not numbers:
        findings.extend(check_consistency(course))
        readme = course.root / "README.md"
        if readme.is_file():
            missing = tuple(
                f"lessons/{x.dirname}/" for x in lessons if not x.dir(course.root).is_dir()
            )
            findings.extend(
                f
                for f in _check_markdown_file(readme, ctx, deck=False)
                if not _into_missing_lesson(f, missing)
            )
            checked.append(readme)
    findings = _finalize(findings, ctx, checked, course.check.disable, course.check.severity)
    return CheckReport("course", course.root, findings, results, [ctx.rel(p) for p in checked])


def _into_missing_lesson(finding: Finding, missing: tuple[str, ...]) -> bool:
    """A roadmap link into a lesson folder that does not exist: C002 already says so."""
    target = finding.message.rpartition(": ")[2].removeprefix("./")
    return finding.code in ("L001", "L002") and bool(missing) and target.startswith(missing)


def _course_context(course: Course, themes: frozenset[str]) -> CheckContext:
    from course_cli.check.mathcheck import MathContext, read_macro_names

    path = course.path(course.macros)
    math = MathContext(read_macro_names(path), course.macros, shared_missing=not path.is_file())
    hint = "themes: " + ", ".join(sorted(themes)) + " (course themes live in templates/marp/*.css)"
    return CheckContext(
        root=course.root,
        math=math,
        themes=themes,
        theme_hint=hint,
        generated=(course.root / "build",),
    )


def _lesson_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for here, dirs, files in os.walk(folder):
        rel = Path(here).relative_to(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (rel == Path(".") and d == "book")
        )
        found.extend(Path(here) / f for f in sorted(files) if f.endswith(MARKDOWN_SUFFIXES))
    return found


def _check_lesson(
    course: Course, lesson: Lesson, ctx: CheckContext
) -> tuple[list[Finding], LessonResult, list[Path]]:
    from course_cli.check import book
    from course_cli.check import deliverables as dl

    folder = lesson.dir(course.root)
    contract = course.deliverables_for(lesson)
    parts: dict[str, str] = {}
    title = lesson.title
    if not folder.is_dir():
        for part in contract.required:
            parts[part] = "missing"
        for part in contract.optional:
            parts[part] = "absent"
        found = [
            make(
                "C002",
                f"lessons/{lesson.dirname}/",
                None,
                f"lesson {lesson.number} has no folder lessons/{lesson.dirname}",
                f"run `course new-lesson {lesson.number}` to scaffold it",
                lesson=lesson.number,
            )
        ]
        return (
            found,
            LessonResult(
                lesson.number, title, f"lessons/{lesson.dirname}", parts, tuple(contract.required)
            ),
            [],
        )
    files = _lesson_files(folder)
    template: dict[str, dl.TemplateLines] | None = None
    findings: list[Finding] = []
    states: dict[str, str | None] = {}
    for path in files:
        rel_in_lesson = path.relative_to(folder).as_posix()
        deck = rel_in_lesson.startswith("slides/") and rel_in_lesson.count("/") == 1
        doc, problems = ctx.doc(path, lesson.number)
        findings.extend(problems)
        if doc is None:
            states[rel_in_lesson] = "unreadable"
            continue
        findings.extend(_rules_for(doc, ctx, deck=deck, must_be_marp=deck))
        if template is None and dl.PLACEHOLDER_RE.search(doc.nocode):
            template = dl.template_lines(course, lesson)
        template_lines = (template or {}).get(rel_in_lesson)
        untouched = dl.is_untouched(doc, template_lines)
        skip: set[int] = set()
        if rel_in_lesson == "README.md" and not untouched:
            found, skip = dl.check_readme_sections(doc)
            findings.extend(found)
        if rel_in_lesson == "conspect.md":
            if dl.conspect_is_empty(doc) and not untouched:
                findings.append(dl.empty_conspect(doc))
                states["conspect.md#empty"] = "empty"
            if book.uses_typst(doc, course.build.pdf_engine):
                findings.extend(book.check_typst(doc))
        found, state = dl.check_placeholders(doc, template_lines, skip)
        findings.extend(found)
        states[rel_in_lesson] = state
    for part in contract.required:
        status, finding = _required_status(course, lesson, folder, part, states)
        parts[part] = status
        if finding is not None:
            findings.append(finding)
    for part in contract.optional:
        parts[part] = dl.optional_status(folder, part)
        inside = [state for name, state in states.items() if name.startswith(f"{part}/")]
        for state in ("template", "todo"):
            if parts[part] == "present" and state in inside:
                parts[part] = state
                break
    return (
        findings,
        LessonResult(
            lesson.number, title, f"lessons/{lesson.dirname}", parts, tuple(contract.required)
        ),
        files,
    )


def _required_status(
    course: Course, lesson: Lesson, folder: Path, part: str, states: dict[str, str | None]
) -> tuple[str, Finding | None]:
    from course_cli.check import deliverables as dl
    from course_cli.inventory import decks

    if part == "slides":
        if not (folder / "slides").is_dir():
            return "missing", dl.missing_part(course, lesson, part)
        names = [f"slides/{p.name}" for p in decks(folder)]
        if not names:
            return "empty", dl.no_deck(lesson)
        worst = [states.get(n) for n in names]
    elif part in ("readme", "conspect"):
        name = dl.PART_FILES[part]
        if not (folder / name).is_file():
            return "missing", dl.missing_part(course, lesson, part)
        worst = [states.get(name), states.get(f"{name}#empty")]
    else:
        if dl.optional_status(folder, part) == "absent":
            return "missing", dl.missing_part(course, lesson, part)
        return "ok", None
    for state in ("unreadable", "template", "empty", "todo"):
        if state in worst:
            return state, None
    return "ok", None


def _rules_for(doc: Any, ctx: CheckContext, *, deck: bool, must_be_marp: bool) -> list[Finding]:
    from course_cli.check.markdown import check_markdown
    from course_cli.check.marp import check_deck, is_deck
    from course_cli.check.mathcheck import check_math

    deck = deck or is_deck(doc)
    out = check_markdown(doc, ctx, deck=deck)
    out.extend(check_math(doc, ctx.math, deck=deck))
    if deck:
        out.extend(check_deck(doc, ctx, must_be_marp=must_be_marp))
    return out


def _check_markdown_file(path: Path, ctx: CheckContext, *, deck: bool) -> list[Finding]:
    doc, problems = ctx.doc(path)
    if doc is None:
        return problems
    return problems + _rules_for(doc, ctx, deck=deck, must_be_marp=False)


# --- files mode ------------------------------------------------------------------------------

_ROOT_MARKERS = (
    ".git",
    "course.yaml",
    "package.json",
    ".marprc.yml",
    ".marprc.yaml",
    ".marprc",
    "DROPPED.txt",
)


def project_root(path: Path) -> Path:
    """Return the folder that absolute links and theme lookup start from for ``path``:
    the path itself for a folder, else the nearest parent with a project marker
    (.git, course.yaml, package.json, .marprc*, DROPPED.txt), else the file's folder."""
    path = path.absolute()
    if path.is_dir():
        return path
    for folder in path.parents:
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return path.parent


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the Markdown files under them (hidden folders, node_modules skipped).

    Raises UsageError for a path that does not exist.
    """
    out: list[Path] = []
    for given in paths:
        path = Path(given).absolute()
        if path.is_dir():
            for here, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
                out.extend(Path(here) / f for f in sorted(files) if f.endswith(MARKDOWN_SUFFIXES))
        elif path.exists() or path.is_symlink():
            out.append(path)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return list(dict.fromkeys(out))


def check_files(
    paths: Sequence[Path],
    *,
    macros: Iterable[str] = (),
    macros_label: str = "the shared macros",
    root: Path | None = None,
    disable: Sequence[str] = (),
    severity: dict[str, Severity] | None = None,
) -> CheckReport:
    """Run the Markdown, Marp and math rules over files and folders that need not be a course.

    ``macros``: names (no backslash) defined elsewhere, e.g. read from a macros.tex.
    ``root``: where absolute links and CSS themes are looked up (default: see project_root).
    A deck is a file whose front matter says ``marp: true``. Returns the report.
    """
    from course_cli.check.marp import find_css, known_themes
    from course_cli.check.mathcheck import MathContext, mathjax_config_macros

    files = collect_files(paths)
    if root is None:
        roots = [project_root(Path(p)) for p in paths] or [Path.cwd()]
        root = Path(os.path.commonpath([str(r) for r in roots]))
    themes = known_themes(find_css(root))
    macros = set(macros) | mathjax_config_macros(root)
    ctx = CheckContext(
        root=root,
        math=MathContext(macros, macros_label),
        themes=themes,
        theme_hint="themes: " + ", ".join(sorted(themes)),
    )
    findings: list[Finding] = []
    for path in files:
        findings.extend(_check_markdown_file(path, ctx, deck=False))
    findings = _finalize(findings, ctx, files, disable, severity or {})
    return CheckReport("files", root, findings, [], [ctx.rel(p) for p in files])


# --- configuration ---------------------------------------------------------------------------


def _finalize(
    findings: list[Finding],
    ctx: CheckContext,
    checked: Iterable[Path],
    disable: Sequence[str],
    severity: dict[str, Severity],
) -> list[Finding]:
    ignores: dict[str, dict[int, set[str]]] = {}
    for path in checked:
        doc, _ = ctx.docs.get(Path(path), (None, []))
        if doc is None:
            continue
        ignores[doc.rel] = doc.ignores
        for line, codes in doc.ignore_comments:
            hint = "write <!-- course: ignore CODE --> with codes such as L001"
            if not codes:
                findings.append(
                    doc.finding_at_line("C006", line, "ignore comment names no rule code", hint)
                )
            for code in codes:
                if code not in RULES:
                    message = f"ignore comment names unknown rule code {code}"
                    findings.append(doc.finding_at_line("C006", line, message, hint))
    off = set(disable)
    out = []
    for f in findings:
        if f.code in off:
            continue
        if f.line is not None and f.code in ignores.get(f.path, {}).get(f.line, ()):
            continue
        if f.code in severity:
            f = f.with_severity(severity[f.code])
        out.append(f)
    out = list(dict.fromkeys(out))
    out.sort(key=lambda f: (*f.sort_key(), SEVERITY_RANK[f.severity]))
    return out


# --- helpers for the command line ------------------------------------------------------------


def parse_lesson_numbers(targets: Sequence[str]) -> list[int]:
    """Return the lesson numbers given on the command line; UsageError for anything else."""
    numbers = []
    for raw in targets:
        try:
            number = int(raw)
        except ValueError:
            raise UsageError(
                f"{raw!r} is not a lesson number",
                hint="give lesson numbers, or use --files PATH… to check files",
            ) from None
        if number < 1:
            raise UsageError(f"lesson numbers start at 1 (got {number})")
        numbers.append(number)
    return numbers


def check_paths(targets: Sequence[str], macros_file: Path | None = None) -> CheckReport:
    """``course check --files``: check these files/folders, with the names a macros file defines.

    Raises UsageError when no path is given or a path does not exist.
    """
    from course_cli.check.mathcheck import read_macro_names

    if not targets:
        raise UsageError("--files needs at least one file or folder")
    macros: frozenset[str] = frozenset()
    label = "the shared macros"
    if macros_file is not None:
        if not macros_file.is_file():
            raise UsageError(f"--macros: {macros_file}: no such file")
        macros, label = read_macro_names(macros_file), str(macros_file)
    return check_files([Path(t) for t in targets], macros=macros, macros_label=label)
