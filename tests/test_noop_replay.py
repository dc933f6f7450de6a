"""A ``course build`` that found everything up to date is replayed (build/.cache/noop/) while
nothing it looked at has changed, and never once something has: real Marp builds through the
``course`` entry point, as a user runs them."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

MARP = REPO / "node_modules" / ".bin" / "marp"
SUMMARY = re.compile(r"^(\d+) built, (\d+) up to date, 0 failed in \d+\.\d\d s$", re.M)
#: what a replay never imports: the CLI libraries and the build engine (a build that runs,
#: even one that finds everything up to date, plans through the engine)
HEAVY = {"typer", "rich", "course_cli.engine.executor"}


@pytest.fixture
def course(two_lesson_course: Path) -> Path:
    """A clean two-lesson course (the good lesson fixture, roadmap in sync)."""
    return two_lesson_course


def _build(
    course: Path, tmp_path: Path, *args: str, target: str = "slides", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "COLUMNS": "90",
        "MARP_PATH": str(MARP),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "course_cli", "build", target, *args],
        cwd=course,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _counts(run: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    m = SUMMARY.search(run.stdout)
    assert m is not None, run.stdout + run.stderr
    return int(m.group(1)), int(m.group(2))


def _imported(run: subprocess.CompletedProcess[str]) -> set[str]:
    return {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def _user_stderr(run: subprocess.CompletedProcess[str]) -> str:
    return "".join(x for x in run.stderr.splitlines(True) if not x.startswith("import time:"))


def _replayed(run: subprocess.CompletedProcess[str]) -> bool:
    return not HEAVY & _imported(run)


def _settle(course: Path) -> None:
    """Wait until the newest file is older than the racy window (2 s), as a user's next command
    usually is, so that an unchanged file is taken by its metadata."""
    newest = max(p.stat().st_mtime for p in course.rglob("*") if p.is_file())
    time.sleep(max(0.0, newest + 2.1 - time.time()))


needs_marp = pytest.mark.skipif(not MARP.exists(), reason="Marp CLI not installed (run npm ci)")


@needs_marp
def test_a_noop_build_is_replayed_until_a_source_or_an_output_changes(
    course: Path, tmp_path: Path
) -> None:
    first = _build(course, tmp_path, "--format", "html")
    assert first.returncode == 0, first.stderr
    steps, _ = _counts(first)  # per lesson: the HTML, the speaker notes, the copied image
    assert steps == 6
    _settle(course)
    noop = _build(course, tmp_path, "--format", "html")  # runs the planner, keeps its output
    assert _counts(noop) == (0, steps)
    assert not _replayed(noop)
    replay = _build(course, tmp_path, "--format", "html")
    assert _replayed(replay)
    assert replay.returncode == 0
    assert SUMMARY.sub("", replay.stdout) == SUMMARY.sub("", noop.stdout)
    assert _counts(replay) == (0, steps)
    assert _user_stderr(replay) == _user_stderr(noop)

    # touched, not changed: still replayed
    deck = course / "lessons/lesson_01/slides/slides.md"
    os.utime(deck)
    _settle(course)
    assert _replayed(_build(course, tmp_path, "--format", "html"))

    # an edited deck is rebuilt, and its new text is in the output
    deck.write_text(deck.read_text(encoding="utf-8") + "\n---\n\n# Brand-new closing slide\n")
    edited = _build(course, tmp_path, "--format", "html")
    assert not _replayed(edited)
    assert _counts(edited) == (2, steps - 2)  # its HTML and notes
    html = course / "build/lesson_01/slides.html"
    assert "Brand-new closing slide" in html.read_text(encoding="utf-8")

    # a deleted output is built again
    _settle(course)
    _build(course, tmp_path, "--format", "html")  # keeps the no-op record again
    assert _replayed(_build(course, tmp_path, "--format", "html"))
    html.unlink()
    again = _build(course, tmp_path, "--format", "html")
    assert _counts(again) == (1, steps - 1)
    assert "Brand-new closing slide" in html.read_text(encoding="utf-8")

    # another command line is its own record; --force is never replayed
    forced = _build(course, tmp_path, "--format", "html", "--force")
    assert _counts(forced) == (steps, 0)


@needs_marp
def test_a_changed_environment_or_tool_folder_is_not_replayed(course: Path, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    path = f"{tools}{os.pathsep}{os.environ['PATH']}"
    _build(course, tmp_path, PATH=path)
    _settle(course)
    _build(course, tmp_path, PATH=path)
    assert _replayed(_build(course, tmp_path, PATH=path))
    # a variable the build might read
    assert not _replayed(_build(course, tmp_path, PATH=path, PANDOC_PATH="/nowhere/pandoc"))
    # a new program in a folder on PATH (it could shadow a tool the build found)
    _build(course, tmp_path, PATH=path)
    assert _replayed(_build(course, tmp_path, PATH=path))
    (tools / "node").write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    shadowed = _build(course, tmp_path, PATH=path)
    assert not _replayed(shadowed)
    # the Marp the build uses, as another file at the same path
    _build(course, tmp_path, PATH=path)
    marp = tmp_path / "marp"
    marp.symlink_to(MARP.resolve())
    assert not _replayed(_build(course, tmp_path, PATH=path, MARP_PATH=str(marp)))


@needs_marp
def test_a_replay_waits_for_nothing_while_another_command_holds_the_lock(
    course: Path, tmp_path: Path
) -> None:
    _build(course, tmp_path)
    _settle(course)
    _build(course, tmp_path)
    assert _replayed(_build(course, tmp_path))
    fd = os.open(course / "build/.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        busy = _build(course, tmp_path, "--no-wait")
    finally:
        os.close(fd)
    assert not _replayed(busy)
    assert busy.returncode == 2
    assert "is running in this course; not starting build" in busy.stderr


def test_nothing_is_kept_when_a_source_changes_while_the_build_runs(course: Path) -> None:
    from course_cli.engine import noop
    from course_cli.engine.steps import BuildReport, BuildStep, StepResult

    step = BuildStep("slides", course / "build/x.html", (course / "course.yaml",), lambda t: None)
    report = BuildReport(root=course, results=[StepResult(step, "fresh")])
    pending = noop.begin(course)
    noop.finish(pending, report)
    assert noop.LAST is not None
    pending = noop.begin(course)
    readme = course / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nAn edit during the build.\n")
    noop.finish(pending, report)
    assert noop.LAST is None
    pending = noop.begin(course)
    noop.finish(pending, BuildReport(root=course, results=[StepResult(step, "built")]))
    assert noop.LAST is None


def test_page_dates_from_git_watch_the_repository(tmp_path: Path) -> None:
    from course_cli.builders.site.meta import _watch_repository
    from course_cli.core.stamp import WATCHED

    repo = tmp_path / "repo"
    (repo / "course").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    WATCHED.clear()
    _watch_repository(repo / "course")
    git = repo / ".git"
    expected = {git, git / "HEAD", git / "index", git / "logs/HEAD", git / "refs/heads/main"}
    assert {Path(p) for p in WATCHED} >= expected


@needs_marp
def test_page_dates_from_file_times_and_a_new_repository_are_seen(
    course: Path, tmp_path: Path
) -> None:
    """With ``repository:`` a page shows its sources' last change: a touch (same bytes) or a
    ``git init`` above the course changes the page, so neither may be replayed."""
    yaml = course / "course.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "repository: https://github.com/o/r\n")
    (course / "node_modules").symlink_to(REPO / "node_modules")
    sources = [course / "lessons/lesson_01" / name for name in ("README.md", "conspect.md")]
    for source in sources:  # the page's date is the latest of its sources'
        os.utime(source, (1_600_000_000, 1_600_000_000))  # 13 September 2020
    page = course / "build/site/lesson_01/index.html"
    assert _build(course, tmp_path, target="site").returncode == 0
    assert "13 September 2020" in page.read_text(encoding="utf-8")
    _settle(course)
    _build(course, tmp_path, target="site")
    assert _replayed(_build(course, tmp_path, target="site"))
    os.utime(sources[0], (1_700_000_000, 1_700_000_000))  # 14 November 2023, same bytes
    touched = _build(course, tmp_path, target="site")
    assert not _replayed(touched)
    assert "14 November 2023" in page.read_text(encoding="utf-8")

    from course_cli.builders.site.meta import _watch_repository
    from course_cli.core.stamp import WATCHED

    WATCHED.clear()
    _watch_repository(course)
    assert course / ".git" in {Path(p) for p in WATCHED}  # watched before it exists
