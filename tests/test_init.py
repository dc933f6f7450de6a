"""``course init``: a new, working course from the toolkit's package data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, Result

INIT_DATA = REPO / "course_cli" / "data" / "init"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_unprivileged(argv: list[str]) -> list[str]:
    """``argv`` run as a user that file permissions apply to (root ignores them).

    Skips the test where that cannot be arranged: root without setpriv, or a toolkit/venv the
    unprivileged user cannot read (e.g. a checkout under a private home folder).
    """
    if os.geteuid() != 0:
        return argv
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot drop privileges")
    probe = subprocess.run(
        [*NOBODY, sys.executable, "-c", "import course_cli, typer"],
        capture_output=True,
        cwd="/",
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot read this checkout or its Python environment")
    return [*NOBODY, *argv]


def test_init_creates_a_course_that_checks_with_only_template_findings(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    target = tmp_path / "rl-course"
    done = run_cli("init", str(target), "--lessons", "2")
    assert done.exit_code == 0, done.stderr
    assert f"created the course in {target}" in done.stdout
    for rel in (
        "course.yaml",
        "README.md",
        ".gitignore",
        "requirements.txt",
        "package.json",
        "package-lock.json",
        "scripts/setup.sh",
        "scripts/test.sh",
        ".github/workflows/course.yml",
        "materials/macros.tex",
        "materials/book/src.tex",
        "materials/book/refs.bib",
        "materials/book/chapters/introduction.tex",
        "templates/lesson/README.md.j2",
        "templates/marp/course.css",
        "templates/marp/engine.mjs",
        "templates/site/base.html.j2",
        "lessons/lesson_01/README.md",
        "lessons/lesson_01/slides/slides.md",
        "lessons/lesson_02/conspect.md",
    ):
        assert (target / rel).is_file(), rel
    assert os.access(target / "scripts" / "setup.sh", os.X_OK)
    config = yaml.safe_load((target / "course.yaml").read_text())
    assert config["title"] == "Rl course"
    assert [x["number"] for x in config["lessons"]] == [1, 2]
    readme = (target / "README.md").read_text()
    assert readme.startswith("# Rl course\n")
    assert "| 2 | [Lesson 2](lessons/lesson_02/README.md) |" in readme
    assert "Lesson 1" in (target / "lessons/lesson_01/slides/slides.md").read_text()

    checked = run_cli("check", "--root", str(target), "--format", "json")
    assert checked.exit_code == 1
    report = json.loads(checked.stdout)
    codes = {(f["path"], f["code"]) for f in report["findings"]}
    assert codes == {
        (f"lessons/lesson_0{n}/{name}", "D006")
        for n in (1, 2)
        for name in ("README.md", "conspect.md", "slides/slides.md")
    }


def test_dry_run_prints_the_plan_and_writes_nothing(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    target = tmp_path / "new"
    done = run_cli("init", str(target), "--dry-run", "--title", "Optimal control")
    assert done.exit_code == 0
    lines = done.stdout.splitlines()
    assert lines[0] == f"course   {target} (Optimal control)"
    assert "create   course.yaml" in lines
    assert "create   lessons/lesson_01/README.md" in lines
    assert "create   .github/workflows/course.yml" in lines
    assert lines[-1] == "dry run: nothing written"
    assert not target.exists()


def test_a_non_empty_folder_is_refused_and_listed(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.md").write_text("mine\n")
    (target / "data").mkdir()
    done = run_cli("init", str(target))
    assert done.exit_code == 1
    first = done.stderr.splitlines()[0]
    assert first == f"error: {target}: the folder is not empty: data, notes.md"
    assert sorted(p.name for p in target.iterdir()) == ["data", "notes.md"]
    assert (target / "notes.md").read_text() == "mine\n"


def test_force_writes_into_a_non_empty_folder_and_keeps_other_files(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.md").write_text("mine\n")
    done = run_cli("init", str(target), "--force", "--lessons", "0")
    assert done.exit_code == 0, done.stderr
    assert (target / "notes.md").read_text() == "mine\n"
    assert yaml.safe_load((target / "course.yaml").read_text())["lessons"] == []
    assert not (target / "lessons").exists()


def test_an_empty_folder_is_used(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert run_cli("init", str(target)).exit_code == 0
    assert (target / "course.yaml").is_file()
    assert oct(target.stat().st_mode & 0o777) != oct(0o700)  # not left private by the staging


def test_a_file_is_refused(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    target = tmp_path / "course.txt"
    target.write_text("x")
    done = run_cli("init", str(target))
    assert done.exit_code == 2
    assert done.stderr.splitlines()[0] == f"error: {target}: is a file, not a folder"
    assert target.read_text() == "x"
    under = run_cli("init", str(target / "sub"))
    assert under.exit_code == 2
    first = under.stderr.splitlines()[0]
    assert first == f"error: {target / 'sub'}: {target} is a file, not a folder"


def _init_in_protected_folder(
    mode: int,
) -> tuple[Path, subprocess.CompletedProcess[str], list[Path]]:
    """Run ``course init <folder>/new`` as an unprivileged user, ``folder`` having ``mode``.

    Returns the folder, the finished process and what the folder held afterwards. The folder is
    not under tmp_path: pytest keeps that private (0700), and the user must reach it.
    """
    import tempfile

    prefix = as_unprivileged([])
    outer = Path(tempfile.mkdtemp(prefix="course-init-test-"))
    outer.chmod(0o755)
    folder = outer / "protected"
    folder.mkdir()
    folder.chmod(mode)
    argv = [*prefix, sys.executable, "-m", "course_cli", "init", str(folder / "new")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        done = subprocess.run(argv, capture_output=True, text=True, cwd="/", env=env, timeout=60)
    finally:
        folder.chmod(0o755)
        leftovers = list(folder.iterdir())
        shutil.rmtree(outer)
    return folder, done, leftovers


def test_an_unwritable_parent_is_refused_with_nothing_written() -> None:
    parent, done, leftovers = _init_in_protected_folder(0o555)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"error: {parent / 'new'}: cannot create it: {parent} is not writable"
    )
    assert leftovers == []


def test_a_folder_under_one_that_cannot_be_entered_is_a_one_line_error() -> None:
    closed, done, leftovers = _init_in_protected_folder(0o700)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"error: {closed / 'new'}: cannot access it: Permission denied"
    )
    assert leftovers == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lessons", "100"], "error: --lessons: must be between 0 and 99, got 100"),
        (["--lessons", "-1"], "error: --lessons: must be between 0 and 99, got -1"),
        (["--title", "  "], "error: --title: the title is empty"),
        (
            ["--title", "Two\nlines"],
            "error: --title: the title must be one line of text (it contains '\\n')",
        ),
    ],
)
def test_bad_options_are_one_line_errors(
    tmp_path: Path, run_cli: Callable[..., Result], args: list[str], message: str
) -> None:
    target = tmp_path / "c"
    done = run_cli("init", str(target), *args)
    assert done.exit_code == 2
    assert done.stderr.splitlines()[0] == message
    assert "Traceback" not in done.stderr
    assert not target.exists()


def test_a_title_with_yaml_and_latex_specials_round_trips(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    title = 'Intro: "RL" #1 & {more} - [draft] 50% @home'
    target = tmp_path / "c"
    assert run_cli("init", str(target), "--title", title).exit_code == 0
    assert yaml.safe_load((target / "course.yaml").read_text())["title"] == title
    assert (target / "README.md").read_text().splitlines()[0] == f"# {title}"
    book = (target / "materials/book/src.tex").read_text()
    assert (
        r"\title{Intro: \textquotedbl{}RL\textquotedbl{} \#1 \& \{more\} - [draft] 50\% @home}"
        in book
    )
    listed = run_cli("list", "--root", str(target), "--format", "json")
    assert listed.exit_code == 0


def test_package_data_copies_match_the_repository() -> None:
    """The files `course init` ships that this repository also uses must not drift apart."""
    for name in ("package.json", "package-lock.json", "scripts/setup.sh"):
        assert (INIT_DATA / name).read_bytes() == (REPO / name).read_bytes(), name
