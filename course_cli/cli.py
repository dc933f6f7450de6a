"""The ``course`` command line: a thin Typer layer over the library.

Each command parses its options, calls one library function and renders what it returns.
The single handler in :func:`main` turns a CourseError into its message, hint and exit code.
Heavy modules are imported inside the commands so that ``course --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from course_cli import __version__, command
from course_cli.core.errors import CourseError, ExitCode

if TYPE_CHECKING:
    from course_cli.check.result import CheckReport
    from course_cli.core.config import Course

app = typer.Typer(
    name="course",
    help="Scaffold, check, build and sync the course repository.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

RootOption = Annotated[
    Optional[Path],  # noqa: UP045 - Typer needs Optional here
    typer.Option(
        "--root",
        help="The course folder (default: nearest parent with course.yaml).",
        file_okay=False,
        show_default=False,
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="Output format: text or json.", show_default=True)
]


NoWaitOption = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="Exit 2 at once when another build, sync or edit runs in this course.",
    ),
]


def _exclusive(
    root: Path | None, what: str, no_wait: bool
) -> contextlib.AbstractContextManager[None]:
    """Hold the course's lock (build/.lock) while the block runs; tell the user when waiting."""
    return command.exclusive(_given_root(root), what, no_wait)


def _course(root: Path | None) -> Course:
    """Find and load the course (raises ConfigError, which the handler reports)."""
    return command.load(_given_root(root))


def _course_root(root: Path | None) -> Path:
    """The folder of the course the command works on, course.yaml unread (raises ConfigError
    when there is none)."""
    return command.course_root(_given_root(root))


def _check_format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    return command.check_format(fmt, allowed)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"course {__version__}")
        raise typer.Exit()


_global_root: Path | None = None
"""``course --root X COMMAND``: the course folder given before the command (set per run)."""


@app.callback()
def _root_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
    root: RootOption = None,
) -> None:
    """Scaffold, check, build and sync the course repository."""
    global _global_root
    _global_root = root


def _given_root(root: Path | None) -> Path | None:
    """The command's own --root, else the one given before the command."""
    return root if root is not None else _global_root


@app.command("new-lesson", context_settings={"ignore_unknown_options": True})
def new_lesson(
    number: Annotated[str, typer.Argument(help="Lesson number (1, 2, …).", show_default=False)],
    title: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--title", "-t", help="Lesson title (required for a new lesson)."),
    ] = None,
    summary: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--summary", "-s", help="One-paragraph description."),
    ] = None,
    with_: Annotated[
        str,
        typer.Option(
            "--with", help="Optional parts to create too, e.g. exercises,notebooks,reading."
        ),
    ] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    no_wait: NoWaitOption = False,
    root: RootOption = None,
) -> None:
    """Add a lesson to course.yaml (if new) and scaffold lessons/lesson_NN/ from templates."""
    if dry_run:  # writes nothing: needs no lock
        _new_lesson(number, title, summary, with_, dry_run, force, root)
        return
    from course_cli import scaffold

    # Validate first (bad input writes nothing, not even the lock), then plan again under the
    # lock: another new-lesson may have changed course.yaml meanwhile.
    scaffold.plan_lesson(
        _course(root), number, title=title, summary=summary, with_parts=with_, force=force
    )
    with _exclusive(root, "new-lesson", no_wait):
        _new_lesson(number, title, summary, with_, dry_run, force, root)


def _new_lesson(
    number: str,
    title: str | None,
    summary: str | None,
    with_: str,
    dry_run: bool,
    force: bool,
    root: Path | None,
) -> None:
    from course_cli import scaffold
    from course_cli.core.console import console

    course = _course(root)
    plan = scaffold.plan_lesson(
        course, number, title=title, summary=summary, with_parts=with_, force=force
    )
    out = console()
    for line in scaffold.describe(plan):
        out.print(line, markup=False)
    if dry_run:
        out.print("dry run: nothing written", style="dim")
        scaffold.raise_for_conflicts(plan)
        return
    scaffold.apply(plan)
    out.print(f"created {plan.lesson_dir.relative_to(course.root)}/", style="green")


@app.command("init")
def init(
    folder: Annotated[
        Path,
        typer.Argument(help="Folder of the new course (created if missing).", show_default=False),
    ],
    title: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--title", "-t", help="Course title (default: from the folder name)."),
    ] = None,
    lessons: Annotated[
        int, typer.Option("--lessons", "-n", help="How many lessons to scaffold.")
    ] = 1,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Start a new course: course.yaml, README, templates, book skeleton, setup scripts, lessons."""
    from course_cli import initcourse
    from course_cli.core.console import console

    plan = initcourse.plan_init(folder, title=title, lessons=lessons, force=force)
    out = console()
    for line in initcourse.describe(plan):
        out.print(line, markup=False)
    if dry_run:
        out.print("dry run: nothing written", style="dim")
        return
    initcourse.apply(plan)
    out.print(f"created the course in {plan.root}", style="green", markup=False)
    out.print(
        f"next: cd {folder} && ./scripts/setup.sh (or: course check; course build all)",
        markup=False,
    )


@app.command("check")
def check(
    targets: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="Lesson numbers (default: all); with --files, files or folders.",
            show_default=False,
        ),
    ] = None,
    files: Annotated[
        bool, typer.Option("--files", help="Check Markdown/Marp files or folders, not a course.")
    ] = False,
    fmt: Annotated[
        str, typer.Option("--format", help="Output format: text, json or github.")
    ] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    junit: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--junit", metavar="FILE", help="Also write a JUnit XML report to FILE."),
    ] = None,
    macros: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--macros", help="With --files: a macros.tex whose commands are known."),
    ] = None,
    site_root: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--site-root",
            metavar="DIR",
            help="With --files: where links starting with / point (a site's root).",
        ),
    ] = None,
    refs: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--refs",
            metavar="FILE",
            help="With --files: labels other files define (\\label{x}, {#x} or one name a line).",
        ),
    ] = None,
    rules: Annotated[bool, typer.Option("--rules", help="List the rules and exit.")] = False,
    rendered: Annotated[
        bool,
        typer.Option(
            "--rendered",
            help="Also check the layout of the built outputs "
            "in build/ (overflowing slides, overfull PDF lines).",
        ),
    ] = False,
    root: RootOption = None,
) -> None:
    """Validate the course: deliverables, roadmap, links, slides, math, book extracts."""
    from course_cli import check as checker
    from course_cli.check import report
    from course_cli.core.console import console

    _check_format(fmt, ("text", "json", "github"))
    if rules:
        console().print(report.rules_table())
        return
    if files:
        from course_cli.check.files import check_paths

        result = check_paths(targets or [], macros, site_root, refs)
    else:
        numbers = checker.parse_lesson_numbers(targets or [])
        if rendered:  # the built outputs are measured each time: never a cached report
            result = checker.check_course(_course(root), numbers, rendered=True)
        else:
            result = _check_course(root, numbers, replayable=junit is None)
    if junit is not None:
        report.write_junit(result, junit, strict)
    if fmt == "json":
        typer.echo(report.render_json(result, strict))
    elif fmt == "github":
        typer.echo(report.render_github(result), nl=False)
    else:
        console().print(report.render_text(result, strict))
    if result.failed(strict):
        from course_cli.core.errors import ProblemsFound

        raise ProblemsFound(f"course check: {result.summary()}")


def _check_course(root: Path | None, numbers: list[int], replayable: bool) -> CheckReport:
    """The course's check report: replayed from build/.cache/check.json while nothing the last
    check read has changed (course.yaml is then not even loaded), else the rules run.
    ``replayable``: the command only prints, so ``course_cli.launch`` may keep its output."""
    from course_cli.check import check_course
    from course_cli.check.cache import cached_check

    base = _course_root(root)

    def run(outside: set[Path]) -> CheckReport:
        return check_course(_course(base), numbers, outside)

    # Any option that changes the findings (not just their rendering) belongs in ``options``.
    return cached_check(base, numbers, run, replayable=replayable)


@app.command("list")
def list_lessons(fmt: FormatOption = "text", root: RootOption = None) -> None:
    """Show the lessons: number, title, deliverables present, book parts."""
    from course_cli.core import inventory

    _check_format(fmt)
    course = _course(root)
    rows = inventory.inventory(course)
    if fmt == "json":
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2))
        return
    from course_cli.core.console import console

    console().print(inventory.render_table(course, rows))


@app.command("readme")
def readme(
    check_only: Annotated[
        bool, typer.Option("--check", help="Exit 1 if README.md's roadmap is out of date.")
    ] = False,
    no_wait: NoWaitOption = False,
    root: RootOption = None,
) -> None:
    """Regenerate the roadmap table in README.md from course.yaml."""
    from course_cli import readme as readme_mod
    from course_cli.core.console import console

    if check_only:
        result = readme_mod.update_readme(_course(root), write=False)
    else:
        with _exclusive(root, "readme", no_wait):
            result = readme_mod.update_readme(_course(root), write=True)
    if check_only and result.changed:
        from course_cli.core.errors import ProblemsFound

        raise ProblemsFound(
            "README.md: the roadmap table is out of date", hint="run `course readme`"
        )
    console().print(result.message, markup=False)


@app.command("build")
def build(
    what: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            help="[slides|pdf|book|notebooks|site|all] [N…]: target, lesson numbers.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild what is up to date.")] = False,
    jobs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--jobs", "-j", min=1, help="Parallel build units (default: CPUs)."),
    ] = None,
    formats: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--format", help="Slide formats, e.g. html,pdf,pptx (default: course.yaml)."),
    ] = None,
    engine: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--engine",
            help="Conspect PDF engine: xelatex|lualatex|pdflatex|typst "
            "(default: front matter `engine:`, then course.yaml build.pdf_engine).",
        ),
    ] = None,
    solutions: Annotated[
        Optional[bool],  # noqa: UP045
        typer.Option(
            "--solutions/--no-solutions",
            help="Keep or leave out `::: solution` blocks in PDFs and the site "
            "(default: course.yaml build.solutions, true).",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 1) on layout warnings too.")
    ] = False,
    no_wait: NoWaitOption = False,
    root: RootOption = None,
) -> None:
    """Build slides, conspect PDFs, the book, notebooks and the site into build/ (only what is
    stale)."""
    command.build(
        what or [], force=force, jobs=jobs, formats=formats, engine=engine, solutions=solutions,
        strict=strict, no_wait=no_wait, root=_given_root(root),
    )  # fmt: skip


@app.command("book-sync")
def book_sync(
    lessons: Annotated[
        Optional[list[int]],  # noqa: UP045
        typer.Argument(
            help="Lesson numbers (default: every lesson with `book:` labels).", show_default=False
        ),
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if an extract is stale.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite extracts that were edited by hand.")
    ] = False,
    show_outline: Annotated[
        bool, typer.Option("--outline", help="Print the book's numbered tree and exit.")
    ] = False,
    fmt: FormatOption = "text",
    no_wait: NoWaitOption = False,
    root: RootOption = None,
) -> None:
    """Write lessons/lesson_NN/book/ (LaTeX + Markdown extracts) from the book source."""
    command.book_sync(
        lessons or [], check_only=check_only, force=force, show_outline=show_outline, fmt=fmt,
        no_wait=no_wait, root=_given_root(root),
    )  # fmt: skip


@app.command("doctor")
def doctor(fmt: FormatOption = "text", root: RootOption = None) -> None:
    """Find every tool the course needs: version and path, or the exact install command."""
    from course_cli.core.errors import ConfigError, ToolNotFoundError
    from course_cli.tools import doctor as doctor_mod

    _check_format(fmt)
    try:
        course: Course | None = _course(root)
    except ConfigError:
        course = None  # doctor also helps before a course exists
    report = doctor_mod.diagnose(
        course, course.root if course else (_given_root(root) or Path.cwd())
    )
    if fmt == "json":
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        from course_cli.core.console import console

        out = console()
        for line in doctor_mod.render_lines(report):
            out.print(line)
    missing = report.missing_required
    if missing:
        raise ToolNotFoundError(
            f"{len(missing)} required tool(s) missing: " + ", ".join(i.name for i in missing),
            hint=doctor_mod.missing_hint(report),
        )


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", "-p", help="Port (0 picks a free one).")] = 8000,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    no_build: Annotated[
        bool, typer.Option("--no-build", help="Serve what is built; rebuild only on changes.")
    ] = False,
    root: RootOption = None,
) -> None:
    """Serve the course site, rebuild what changes, and reload open pages."""
    from course_cli import serve as serve_mod
    from course_cli.core.console import console

    course = _course(root)
    out = console()

    def log(line: str) -> None:
        out.print(line, markup=False)

    from course_cli.tools.interrupts import Interrupted

    try:
        serve_mod.serve(course, host, port, log, initial_build=not no_build)
    except (KeyboardInterrupt, Interrupted):
        log("stopped")


def main() -> None:
    """Entry point of the ``course`` console script: run the app, map errors to exit codes."""
    from course_cli.tools import interrupts

    previous = interrupts.install()
    try:
        _run()
    finally:
        interrupts.restore(previous)


def _run() -> None:
    """Run the app; exit with the code of its error, interrupt or typer.Exit."""
    from course_cli.tools import interrupts

    try:
        code = app(standalone_mode=False)
    except CourseError as exc:
        command.report(exc)
        sys.exit(int(exc.exit_code))
    except interrupts.Interrupted as exc:
        typer.echo(exc.message, err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except OSError as exc:
        if exc.errno in command.DISK_ERRNOS:  # a full or read-only disk: the user's to fix
            command.report(command.disk_error(exc))
            sys.exit(int(ExitCode.PROBLEMS))
        raise
    except Exception as exc:  # click's usage errors arrive here in non-standalone mode
        if isinstance(exc, _click_exception()):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(int(ExitCode.USAGE))
        raise
    # In non-standalone mode Typer *returns* the code of a typer.Exit or of Ctrl+C (130).
    if isinstance(code, int) and code:
        if code == 130:
            typer.echo("Interrupted.", err=True)
        sys.exit(code)


def _click_exception() -> type[Exception]:
    """Return click's ClickException (Typer may vendor click as ``typer._click``)."""
    try:
        from typer._click import exceptions
    except ImportError:  # Typer releases that depend on click itself
        from click import exceptions  # type: ignore[no-redef,import-not-found,unused-ignore]
    return exceptions.ClickException
