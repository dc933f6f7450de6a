"""What the commands share, without Typer: finding and loading the course, holding its lock,
reporting errors with their exit codes, and the body of ``course build``.

:mod:`course_cli.cli` (Typer) calls these for every command; :mod:`course_cli.launch` runs a
plain ``course build`` command line straight through :func:`build` and :func:`guarded`,
without importing Typer (its option validation costs 0.1–0.2 s a run).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from course_cli.core.errors import CourseError

if TYPE_CHECKING:
    from course_cli.check.findings import Finding
    from course_cli.core.config import Course


@contextlib.contextmanager
def exclusive(root: Path | None, what: str, no_wait: bool) -> Iterator[None]:
    """Hold the course's lock (build/.lock) while the block runs; tell the user when waiting."""
    from course_cli.core.courseroot import find_root
    from course_cli.core.locking import course_lock

    if root is not None and not (root / "course.yaml").is_file():
        load(root)  # raises the usual "no course.yaml" error
    base = root.resolve() if root is not None else find_root()

    def told(message: str) -> None:
        from course_cli.core.console import err_console

        err_console().print(message, markup=False)

    with course_lock(base, what, wait=not no_wait, on_wait=told):
        yield


def load(root: Path | None) -> Course:
    """Find and load the course (raises ConfigError, which the handler reports)."""
    from course_cli.core.config import load_course

    return load_course(course_root(root))


def course_root(root: Path | None) -> Path:
    """The folder of the course the command works on, course.yaml unread (raises ConfigError
    when there is none)."""
    from course_cli.core.courseroot import find_root

    if root is not None and not (root / "course.yaml").is_file():
        from course_cli.core.errors import ConfigError

        raise ConfigError([f"no course.yaml in {root}"], hint="pass --root pointing at a course")
    return root.resolve() if root else find_root()


def build(
    what: list[str],
    *,
    force: bool = False,
    jobs: int | None = None,
    formats: str | None = None,
    engine: str | None = None,
    solutions: bool | None = None,
    strict: bool = False,
    no_wait: bool = False,
    root: Path | None = None,
) -> None:
    """``course build``: build what is stale, print the summary and the layout findings; raise
    the build's failures (see the command's help for the options)."""
    from course_cli.builders import targets as build_mod
    from course_cli.builders.pdf.options import PdfOptions
    from course_cli.builders.site.options import SiteOptions
    from course_cli.builders.slides.options import SlidesOptions
    from course_cli.engine.progress import make_progress

    target, numbers = build_mod.parse_build_args(what)
    builder_options = (
        SlidesOptions.parse(formats),
        PdfOptions(engine=engine or None, solutions=solutions),
        SiteOptions(solutions=solutions),
    )
    from course_cli.engine import noop

    pending = None if force else noop.begin(course_root(root))  # before course.yaml is read
    course = load(root)
    with exclusive(course.root, "build", no_wait):
        report = build_mod.build(
            course, target, numbers, force=force, jobs=jobs,
            progress=make_progress(course.root),
            builder_options=builder_options,
        )  # fmt: skip
        if pending is not None:
            noop.finish(pending, report)  # a no-op build's output may be replayed
    sys.stdout.write(report.summary() + "\n")
    from course_cli.check.rendered import layout_findings

    findings, notes = layout_findings(course, report)
    print_layout(findings, notes, strict)
    report.raise_for_failures()
    if strict and any(f.severity in ("error", "warning") for f in findings):
        from course_cli.core.errors import ProblemsFound

        raise ProblemsFound(
            f"course build --strict: {len(findings)} layout problem(s) in the built outputs"
        )


def book_sync(
    lessons: list[int],
    *,
    check_only: bool = False,
    force: bool = False,
    show_outline: bool = False,
    fmt: str = "text",
    no_wait: bool = False,
    root: Path | None = None,
) -> None:
    """``course book-sync``: print the outline, or check or write the lessons' extracts and
    print what changed; raise the problems (see the command's help for the options)."""
    check_format(fmt)
    course = load(root)
    if show_outline:
        from course_cli.booksync.outline import outline

        out, err = outline(course, fmt)
        _write(sys.stderr, err)
        _write(sys.stdout, out)
        return
    from course_cli.booksync.runner import sync

    if check_only:
        report = sync(course, lessons, check=True, force=force)
    else:
        with exclusive(course.root, "book-sync", no_wait):
            report = sync(course, lessons, check=False, force=force)
    from course_cli.booksync.report import describe, to_json

    if fmt == "json":
        _write(sys.stdout, json.dumps(to_json(report), indent=2) + "\n")
    else:
        _write(sys.stdout, "".join(f"{line}\n" for line in describe(report)))
    report.raise_for_problems()


def check_format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    """``fmt``, or a UsageError when it is not one of ``allowed``."""
    if fmt not in allowed:
        from course_cli.core.errors import UsageError

        raise UsageError(f"--format: {fmt!r} is not one of {', '.join(allowed)}")
    return fmt


def _write(stream: TextIO, text: str) -> None:
    """Write plain text (no markup, no styles) and flush, so that what goes to stdout and to
    stderr keeps its order in a shared pipe."""
    if text:
        stream.write(text)
        stream.flush()


def print_layout(findings: list[Finding], notes: list[str], strict: bool) -> None:
    """Print layout findings (as warnings, or errors with ``--strict``) and notes to stderr."""
    if not findings and not notes:
        return
    from course_cli.core.console import err_console

    err = err_console()
    for f in findings:
        level = "error" if strict or f.severity == "error" else f.severity
        style = {"error": "bold red", "warning": "yellow"}.get(level, "cyan")
        err.print(f"[{style}]{level}:[/] {escape(f.location())}: {escape(f.message)} [{f.code}]")
        if f.hint:
            err.print(f"[dim]  hint:[/] {escape(f.hint)}")
    for note in notes:
        err.print(f"[dim]note:[/] {escape(note)}")


# -- errors ---------------------------------------------------------------------------------

#: errors of a full or read-only disk: the user's to fix, no bug
DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}


def guarded(run: Callable[[], None]) -> None:
    """Run ``run`` with the Ctrl+C handler installed; exit with the code of its CourseError
    (message and hint on stderr), of an interrupt, or of a full or read-only disk."""
    from course_cli.core.errors import ExitCode
    from course_cli.tools import interrupts

    previous = interrupts.install()
    try:
        run()
    except CourseError as exc:
        report(exc)
        sys.exit(int(exc.exit_code))
    except interrupts.Interrupted as exc:
        print(exc.message, file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`course … | head`): stop quietly, as click
        with contextlib.suppress(OSError):  # Python's own flush at exit must not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        if exc.errno in DISK_ERRNOS:
            report(disk_error(exc))
            sys.exit(int(ExitCode.PROBLEMS))
        raise
    finally:
        interrupts.restore(previous)


def disk_error(exc: OSError) -> CourseError:
    """A one-line error for a file that could not be written: what, where, why."""
    where = exc.filename or "a file"
    from course_cli.core.errors import DiskError

    return DiskError(
        f"cannot write {where}: {exc.strerror or exc}",
        hint="free some space or make the folder writable, then run the command again",
    )


def report(exc: CourseError) -> None:
    """Print ``exc`` (each of its messages) and its hint to stderr."""
    from course_cli.core.console import err_console

    err = err_console()
    lines = getattr(exc, "messages", None) or [exc.message]
    for line in lines:
        err.print(f"[bold red]error:[/] {escape(line)}")
    if exc.hint:
        err.print(f"[dim]hint:[/] {escape(exc.hint)}")


def escape(text: str) -> str:
    """``text`` with rich markup escaped."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
