"""``course build`` runs without Typer for a plain command line (course_cli.launch.plain_build):
what it gives course_cli.command.build is what Typer gives it, and anything it does not read
exactly as Typer would goes to Typer, which reports it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from course_cli import cli, command
from course_cli.launch import plain_build, plain_command

REPO = Path(__file__).resolve().parents[1]

SAME = [
    ["build"],
    ["build", "site"],
    ["build", "site", "--force"],
    ["build", "slides", "3", "5", "--jobs", "2"],
    ["build", "--jobs=3", "pdf", "1"],
    ["build", "-j", "1", "--strict", "--no-wait"],
    ["build", "pdf", "--engine", "typst", "--solutions"],
    ["build", "--no-solutions", "site"],
    ["build", "--engine=lualatex", "pdf", "--format", "html,pdf"],
    ["build", "slides", "--format=pdf"],
    ["build", "--root", "ROOT", "site"],
    ["build", "site", "--root=ROOT"],
    ["--root", "ROOT", "build", "all"],
    ["--root=ROOT", "build", "--force"],
    ["--root", "ELSEWHERE", "build", "--root", "ROOT"],
    ["build", "notacommand", "x"],  # bad target: both pass it on, parse_build_args refuses it
    ["build", "-"],
]
TO_TYPER = [
    ["build", "--help"],
    ["build", "-h"],
    ["--version"],
    ["check"],
    ["build", "--force", "--force"],
    ["build", "--solutions", "--no-solutions"],
    ["build", "--jobs", "0"],
    ["build", "--jobs", "two"],
    ["build", "--jobs", "+2"],
    ["build", "-j2"],
    ["build", "-j=2"],
    ["build", "--jobs"],
    ["build", "--format"],
    ["build", "--force=yes"],
    ["build", "--frce"],
    ["build", "--", "site"],
    ["build", "--engine", "--force"],
    ["build", "--root", "FILE"],
    ["--root", "--force", "build"],
    ["build", "site", "-1"],
]


def _argv(args: list[str], root: Path) -> list[str]:
    names = {"ROOT": root, "ELSEWHERE": root.parent, "FILE": root / "course.yaml"}
    return [str(names.get(a, a)) for a in args]


def _typer_kwargs(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, body: str = "build"
) -> dict[str, Any]:
    """The keyword arguments Typer passes ``command.<body>`` for ``argv`` (the positional
    ones under their parameter's name)."""
    import inspect

    seen: dict[str, Any] = {}
    first = next(iter(inspect.signature(getattr(command, body)).parameters))

    def record(positional: Any, **kwargs: Any) -> None:
        seen.update({first: positional}, **kwargs)

    monkeypatch.setattr(command, body, record)
    monkeypatch.setattr(cli, "_global_root", None)
    cli.app(argv, standalone_mode=False)
    return seen


@pytest.mark.parametrize("args", SAME, ids=" ".join)
def test_plain_build_reads_what_typer_reads(args, two_lesson_course, monkeypatch) -> None:
    argv = _argv(args, two_lesson_course)
    plain = plain_build(argv)
    assert plain is not None
    typer = _typer_kwargs(argv, monkeypatch)
    defaults = {"force": False, "jobs": None, "formats": None, "engine": None,
                "solutions": None, "strict": False, "no_wait": False, "root": None}  # fmt: skip
    assert {**defaults, **plain} == typer


@pytest.mark.parametrize("args", TO_TYPER, ids=" ".join)
def test_anything_else_goes_to_typer(args, two_lesson_course) -> None:
    assert plain_build(_argv(args, two_lesson_course)) is None


def test_plain_build_does_what_typer_does(two_lesson_course: Path) -> None:
    """The same output, files and exit codes with and without Typer, errors included (a
    repeated option is not plain: Typer parses it, and keeps the last value)."""
    root = two_lesson_course
    (root / "node_modules").symlink_to(REPO / "node_modules")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "course_cli", *args, "--root", str(root)]
        return subprocess.run(argv, capture_output=True, text=True, env=env, check=False)

    for args in (["build", "sit"], ["build", "pdf", "--engine", "word"], ["build", "x", "1"]):
        plain, typer = run(*args, "-j", "1"), run(*args, "-j", "1", "-j", "1")
        assert plain.returncode == typer.returncode == 2, args
        assert plain.stderr == typer.stderr and plain.stderr.startswith("error: "), args
        assert plain.stdout == typer.stdout == ""
    pages = {}
    for repeat in ([], ["-j", "1"]):
        done = run("build", "site", "--force", "-j", "1", *repeat)
        assert done.returncode == 0, done.stderr
        assert re.fullmatch(r"\d+ built, 0 up to date, 0 failed in [\d.]+ s\n", done.stdout)
        assert "built build/site/lesson_01/index.html" in done.stderr
        site = root / "build" / "site"
        pages[len(repeat)] = {p: p.read_bytes() for p in sorted(site.rglob("*.html"))}
    assert pages[0] == pages[2] and len(pages[0]) >= 5


# -- course book-sync ----------------------------------------------------------------------

SYNC_SAME = [
    ["book-sync"],
    ["book-sync", "2", "1"],
    ["book-sync", "--check", "1"],
    ["book-sync", "--outline", "--format", "json"],
    ["book-sync", "--format=text", "--force", "--no-wait"],
    ["book-sync", "--root", "ROOT", "2"],
    ["--root", "ROOT", "book-sync", "--check"],
    ["book-sync", "07"],
]
SYNC_TO_TYPER = [
    ["book-sync", "--help"],
    ["book-sync", "x"],
    ["book-sync", "+1"],
    ["book-sync", "-1"],
    ["book-sync", "1.5"],
    ["book-sync", "٣"],  # an Arabic-Indic digit: int() takes it, the plain path does not
    ["book-sync", "--check", "--check"],
    ["book-sync", "--outline=yes"],
    ["book-sync", "--format"],
    ["book-sync", "--jobs", "2"],
    ["book-sync", "--root", "FILE"],
    ["book-sync", "--", "1"],
    ["--root", "FILE", "book-sync", "--root", "ROOT"],  # Typer checks the unused one too
    ["--root", "FILE", "build", "--root", "ROOT"],
]


@pytest.mark.parametrize("args", SYNC_SAME, ids=" ".join)
def test_plain_book_sync_reads_what_typer_reads(args, two_lesson_course, monkeypatch) -> None:
    argv = _argv(args, two_lesson_course)
    plain = plain_command(argv)
    assert plain is not None and plain[0] == "book-sync"
    defaults = {"check_only": False, "force": False, "show_outline": False, "fmt": "text",
                "no_wait": False, "root": None}  # fmt: skip
    assert {**defaults, **plain[1]} == _typer_kwargs(argv, monkeypatch, "book_sync")


@pytest.mark.parametrize("args", SYNC_TO_TYPER, ids=" ".join)
def test_anything_else_of_book_sync_goes_to_typer(args, two_lesson_course) -> None:
    assert plain_command(_argv(args, two_lesson_course)) is None


def test_plain_book_sync_does_what_typer_does(tmp_path: Path) -> None:
    """Output, files and exit codes of ``course book-sync`` with and without Typer (a repeated
    option sends a command line to Typer, which keeps the last value)."""
    import shutil

    root = tmp_path / "course"
    shutil.copytree(Path(__file__).parent / "fixtures" / "books" / "course", root)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "course_cli", "book-sync", *args, "--root", str(root)]
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)

    def both(*args: str, code: int) -> str:
        plain, typer = run(*args), run(*args, "--no-wait", "--no-wait")
        assert plain.returncode == typer.returncode == code, (args, plain.stderr, typer.stderr)
        assert (plain.stdout, plain.stderr) == (typer.stdout, typer.stderr), args
        return plain.stdout + plain.stderr

    said = both("--check", code=1)  # nothing synced yet: both say so
    assert "missing  lessons/lesson_01/book/book.tex" in said
    assert "0 of 2 lesson extract(s) up to date" in said
    assert "error: " in said
    first = run("--no-wait")
    assert first.returncode == 0 and "written  lessons/lesson_01/book/book.tex" in first.stdout
    assert both(code=0) == "0 file(s) written for 2 lesson(s)\n"
    assert "2 of 2 lesson extract(s) up to date" in both("--check", code=0)
    assert "2 Bandits <ch:bandits>  [chapters/bandits.tex:2]" in both("--outline", code=0)
    assert '"title": "Bandits"' in both("--outline", "--format", "json", code=0)
    assert both("--format", "yaml", code=2) == (
        "error: --format: 'yaml' is not one of text, json\n"
    )
    assert both("9", code=2).startswith("error: ")


@pytest.mark.parametrize(
    "args",
    [["book-sync", "--outline"], ["book-sync", "--outline", "--no-wait", "--no-wait"]],
    ids=["plain", "typer"],
)
def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    """`course book-sync --outline | head`: when the pipe closes, both paths exit 1 without a
    traceback (as click does)."""
    import shutil

    root = tmp_path / "course"
    shutil.copytree(Path(__file__).parent / "fixtures" / "books" / "course", root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "course_cli", *args, "--root", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes a line
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_an_unreadable_root_goes_to_typer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typer refuses a --root folder that cannot be read; the plain path leaves it to Typer."""
    folder = tmp_path / "course"
    folder.mkdir()
    assert plain_command(["book-sync", "--root", str(folder)]) is not None
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as for another user's folder
    assert plain_command(["book-sync", "--root", str(folder)]) is None
    assert plain_command(["--root", str(folder), "build"]) is None
