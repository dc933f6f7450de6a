"""Replayed results: the check cache (build/.cache/check.json) never hides a finding, and the
``course`` entry point replays help screens and unchanged checks byte for byte."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, Result

BROKEN = "See [the notes](missing.md).\n"


@pytest.fixture
def course(two_lesson_course: Path) -> Path:
    """A clean two-lesson course (the good lesson fixture, roadmap in sync)."""
    return two_lesson_course


def _rules_must_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the rules ran although nothing changed")

    monkeypatch.setattr("course_cli.check.check_course", fail)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_unchanged_course_replays_the_report_without_running_the_rules(
    course: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(course / "lessons/lesson_01/conspect.md", BROKEN)
    first = run_cli("check", cwd=course)
    assert "lessons/lesson_01/conspect.md" in first.stdout
    assert "link target does not exist: missing.md" in first.stdout
    assert (course / "build/.cache/check.json").is_file()
    _rules_must_not_run(monkeypatch)
    again = run_cli("check", cwd=course)
    assert (again.exit_code, again.stdout, again.stderr) == (
        first.exit_code,
        first.stdout,
        first.stderr,
    )
    assert first.exit_code == 1


def test_editing_a_file_makes_its_finding_disappear_and_reappear(
    course: Path, run_cli: Callable[..., Result]
) -> None:
    conspect = course / "lessons/lesson_01/conspect.md"
    clean = conspect.read_text(encoding="utf-8")
    assert run_cli("check", cwd=course).exit_code == 0
    conspect.write_text(clean + BROKEN, encoding="utf-8")
    broken = run_cli("check", cwd=course)
    assert broken.exit_code == 1
    assert "link target does not exist: missing.md" in broken.stdout
    conspect.write_text(clean, encoding="utf-8")
    fixed = run_cli("check", cwd=course)
    assert fixed.exit_code == 0
    assert "missing.md" not in fixed.stdout
    # the link target appears: the finding goes although the linking file did not change
    conspect.write_text(clean + BROKEN, encoding="utf-8")
    assert run_cli("check", cwd=course).exit_code == 1
    (course / "lessons/lesson_01/missing.md").write_text("# Notes\n", encoding="utf-8")
    assert "missing.md" not in run_cli("check", cwd=course).stdout


def test_a_new_folder_and_a_changed_course_yaml_are_seen(
    course: Path, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("check", cwd=course).exit_code == 0
    (course / "lessons/lesson_07").mkdir()
    (course / "lessons/lesson_07/README.md").write_text("x\n", encoding="utf-8")
    orphan = run_cli("check", cwd=course)
    assert "C001" in orphan.stdout and "lessons/lesson_07" in orphan.stdout
    yaml = course / "course.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    bad = run_cli("check", cwd=course)
    assert bad.exit_code == 2
    assert bad.stdout == ""
    assert "course.yaml:13: colour: unknown key 'colour'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_link_target_outside_the_course_is_watched(
    course: Path, run_cli: Callable[..., Result]
) -> None:
    _append(course / "lessons/lesson_01/conspect.md", "See [shared](../../../shared.md).\n")
    outside = course.parent / "shared.md"
    missing = run_cli("check", cwd=course)
    assert "link target does not exist: ../../../shared.md" in missing.stdout
    outside.write_text("# Shared\n", encoding="utf-8")
    found = run_cli("check", cwd=course)
    assert "shared.md" not in found.stdout
    outside.unlink()
    assert "link target does not exist: ../../../shared.md" in run_cli("check", cwd=course).stdout


def test_a_corrupt_cache_is_ignored_and_rewritten(
    course: Path, run_cli: Callable[..., Result]
) -> None:
    _append(course / "lessons/lesson_02/README.md", "\n![](nope.png)\n")
    first = run_cli("check", "--format", "json", cwd=course)
    cache = course / "build/.cache/check.json"
    for garbage in ("{not json", "[]", '{"version": 1, "key": 3}', ""):
        cache.write_text(garbage, encoding="utf-8")
        again = run_cli("check", "--format", "json", cwd=course)
        assert (again.exit_code, again.stdout, again.stderr) == (
            first.exit_code,
            first.stdout,
            first.stderr,
        )
        assert json.loads(cache.read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize(
    "args",
    [("check",), ("check", "--strict"), ("check", "--format", "json"), ("check", "2"),
     ("check", "--format", "github", "--strict")],
)  # fmt: skip
def test_cached_and_uncached_outputs_are_identical(
    course: Path, run_cli: Callable[..., Result], args: tuple[str, ...]
) -> None:
    _append(course / "lessons/lesson_02/README.md", "\nTODO <!-- TODO(course): fill -->\n")
    _append(course / "lessons/lesson_02/conspect.md", BROKEN)
    cache = course / "build/.cache/check.json"
    cache.unlink(missing_ok=True)
    uncached = run_cli(*args, cwd=course)
    assert cache.is_file()
    cached = run_cli(*args, cwd=course)
    assert (cached.exit_code, cached.stdout, cached.stderr) == (
        uncached.exit_code,
        uncached.stdout,
        uncached.stderr,
    )
    assert uncached.exit_code == 1


# ---- the entry point: replays in a new process -------------------------------------------


def _course_cmd(
    args: list[str], cwd: Path, cache_home: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "XDG_CACHE_HOME": str(cache_home),
        "COLUMNS": "90",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "course_cli", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _without_importtime(stderr: str) -> str:
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("import time:"))


def _imported(stderr: str) -> set[str]:
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["build", "-h"], []])
def test_help_is_replayed_byte_for_byte_without_typer(tmp_path: Path, args: list[str]) -> None:
    first = _course_cmd(args, tmp_path, tmp_path / "cache")
    assert "Usage: python -m course_cli" in first.stdout
    assert "typer" in _imported(first.stderr)
    again = _course_cmd(args, tmp_path, tmp_path / "cache")
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert _without_importtime(again.stderr) == _without_importtime(first.stderr)
    assert not {"typer", "rich"} & _imported(again.stderr)


def test_help_rendering_follows_the_terminal_width(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    narrow = _course_cmd(["check", "--help"], tmp_path, cache, COLUMNS="60")
    wide = _course_cmd(["check", "--help"], tmp_path, cache, COLUMNS="120")
    assert max(len(x) for x in narrow.stdout.splitlines()) == 60
    assert max(len(x) for x in wide.stdout.splitlines()) == 120
    assert _course_cmd(["check", "--help"], tmp_path, cache, COLUMNS="60").stdout == narrow.stdout
    assert _course_cmd(["check", "--help"], tmp_path, cache, COLUMNS="120").stdout == wide.stdout


def test_check_output_is_replayed_until_a_file_changes(course: Path, tmp_path: Path) -> None:
    _append(course / "lessons/lesson_01/conspect.md", BROKEN)
    cache = tmp_path / "cache"
    first = _course_cmd(["check"], course, cache)
    assert first.returncode == 1
    assert "error: course check: 1 error, 0 warnings" in first.stderr
    second = _course_cmd(["check"], course, cache)  # the report is replayed, output recorded
    third = _course_cmd(["check"], course, cache)  # the output is replayed
    for run in (second, third):
        assert (run.returncode, run.stdout) == (first.returncode, first.stdout)
        assert _without_importtime(run.stderr) == _without_importtime(first.stderr)
    assert not {"typer", "rich", "markdown_it"} & _imported(third.stderr)
    conspect = course / "lessons/lesson_01/conspect.md"
    conspect.write_text(conspect.read_text(encoding="utf-8").replace(BROKEN, ""), "utf-8")
    fixed = _course_cmd(["check"], course, cache)
    assert fixed.returncode == 0
    assert "missing.md" not in fixed.stdout


def test_check_with_junit_is_never_replayed(course: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for _ in range(2):
        _course_cmd(["check"], course, cache)
    report = tmp_path / "junit.xml"
    run = _course_cmd(["check", "--junit", str(report)], course, cache)
    assert run.returncode == 0
    assert "<testsuite" in report.read_text(encoding="utf-8")


_ENV_READ = re.compile(
    r"""(?:getenv|environ\.get|environ\[)\(?\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"""
)
#: read by these libraries but irrelevant to what a command prints
_NOT_RENDERING = {
    "PYDANTIC_DISABLE_PLUGINS",  # typer sets it while building parameter types
    "XDG_CONFIG_HOME",  # click's app folder (completion scripts)
    "COMP_WORDS",
    "COMP_CWORD",
}


def test_the_render_key_covers_every_variable_rich_and_typer_read() -> None:
    from course_cli.launch import _COMPLETION_PREFIXES, RENDER_ENV

    read: set[str] = set()
    for package in ("rich", "typer"):
        spec = __import__(package).__file__
        assert spec is not None
        for path in Path(spec).parent.rglob("*.py"):
            read |= set(_ENV_READ.findall(path.read_text(encoding="utf-8", errors="replace")))
    read |= set(
        _ENV_READ.findall((REPO / "course_cli/core/console.py").read_text(encoding="utf-8"))
    )
    uncovered = {
        name
        for name in read - set(RENDER_ENV) - _NOT_RENDERING
        if not name.startswith(_COMPLETION_PREFIXES)
    }
    assert uncovered == set()


def test_a_run_that_crashes_is_never_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from course_cli import launch

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "argv", ["course", "--help"])

    def crash() -> None:
        print("half a help screen")
        raise RuntimeError("a bug")

    monkeypatch.setattr("course_cli.cli.main", crash)
    with pytest.raises(RuntimeError):
        launch.main()
    assert sorted(p.name for p in tmp_path.rglob("*.json")) == []
