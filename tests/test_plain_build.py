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
from course_cli.launch import plain_build

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


def _typer_kwargs(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def record(what: list[str], **kwargs: Any) -> None:
        seen.update(what=what, **kwargs)

    monkeypatch.setattr(command, "build", record)
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
