"""The toolkit outside this repository: a wheel in a fresh venv starts and builds a new course;
the README's setup works with the distribution's own (externally managed) Python."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

needs_tools = pytest.mark.skipif(
    not (REPO / "node_modules" / ".bin" / "marp").exists() or not shutil.which("pdftotext"),
    reason="needs the setup's Marp CLI (npm ci) and poppler-utils",
)


def _run(
    argv: list[str | Path], cwd: Path, env: dict[str, str] | None = None, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
    }
    return {**env, **extra}


def build_wheel(dest: Path) -> Path:
    """Build the toolkit's wheel from a copy of its sources (never in the checkout's build/)."""
    src = dest / "src"
    shutil.copytree(
        REPO / "course_cli", src / "course_cli", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    done = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dest / "dist", src],
        cwd=dest,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = (dest / "dist").glob("course_cli-*.whl")
    return wheel


@pytest.mark.integration
@needs_tools
def test_wheel_starts_and_builds_a_course_outside_the_repository(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (
        "data/init/course.yaml.j2",
        "data/init/github/workflows/course.yml",
        "data/init/scripts/setup.sh",
        "data/templates/lesson/README.md.j2",
        "data/templates/marp/engine.mjs",
        "data/templates/site/base.html.j2",
        "data/pdf/course.lua",
    ):
        assert f"course_cli/{rel}" in names, rel

    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], cwd=tmp_path).returncode == 0
    installed = _run(
        [venv / "bin" / "python", "-m", "pip", "install", "-q", wheel],
        cwd=tmp_path,
        env=_clean_env(),
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    course = venv / "bin" / "course"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(CI="1")

    made = _run(
        [course, "init", "optics", "--lessons", "2", "--title", "Geometric optics"],
        cwd=elsewhere,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    root = elsewhere / "optics"
    checked = _run([course, "check"], cwd=root, env=env)
    assert checked.returncode == 1
    assert "✗ 6 errors, 0 warnings in 7 files (2 lessons)" in checked.stdout
    assert checked.stdout.count("D006 still the untouched template") == 6

    # What `npm ci` gives the new course (its package.json/lockfile are the repository's).
    (root / "node_modules").symlink_to(REPO / "node_modules")
    built = _run([course, "build", "all"], cwd=root, env=env, timeout=1200)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    out = root / "build"
    html = (out / "lesson_01" / "slides.html").read_text()
    assert "Lesson 1" in html and "Geometric optics" in html
    for lesson in ("lesson_01", "lesson_02"):
        pdf = out / lesson / "conspect.pdf"
        text = _run(["pdftotext", pdf, "-"], cwd=root).stdout
        assert f"Lesson {lesson[-1]}: Lesson {lesson[-1]}" in text
        slides = _run(
            ["pdftotext", "-f", "1", "-l", "1", out / lesson / "slides.pdf", "-"], cwd=root
        ).stdout
        assert f"Lesson {lesson[-1]}" in slides and "Geometric optics" in slides
    book = _run(["pdftotext", out / "book" / "book.pdf", "-"], cwd=root).stdout
    assert "Geometric optics" in book and "Chapter 1" in book and "Introduction" in book
    assert "Reinforcement Learning: An Introduction" in book  # the bibliography
    index = (out / "site" / "index.html").read_text()
    assert "Geometric optics" in index
    assert '<p class="lead">A 2-lesson course.</p>' in index  # no other course's description
    assert 'href="lesson_01/index.html"' in index and 'href="lesson_02/index.html"' in index
    assert (out / "site" / "lesson_02" / "slides.html").is_file()


def _is_debian_with_system_python() -> bool:
    return (
        Path("/etc/debian_version").is_file()
        and shutil.which("apt-get") is not None
        and Path("/usr/bin/python3").is_file()
    )


@pytest.mark.integration
@pytest.mark.skipif(
    not _is_debian_with_system_python(),
    reason="needs Debian/Ubuntu with apt-get and /usr/bin/python3",
)
@pytest.mark.skipif(not shutil.which("git"), reason="needs git to clone the repository")
def test_setup_works_with_the_distribution_python_first_on_path(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    cloned = _run(["git", "clone", "--quiet", REPO, clone], cwd=tmp_path)
    assert cloned.returncode == 0, cloned.stderr
    env = _clean_env(PATH="/usr/bin:/bin:/usr/sbin:/sbin")
    try:
        first = _run(["./scripts/setup.sh", "--no-build"], cwd=clone, env=env, timeout=2400)
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        assert "==> python3 -m venv .venv" in first.stdout
        assert "==> pip install -r requirements.txt (into .venv)" in first.stdout
        base = _run(
            [clone / ".venv/bin/python", "-c", "import sys; print(sys.base_prefix)"], cwd=clone
        ).stdout.strip()
        assert base == "/usr"  # the distribution's Python, not a pyenv or a runner's one

        doctor = _run([clone / ".venv/bin/course", "doctor"], cwd=clone, env=env)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert "marp                      4.5.1" in doctor.stdout
        assert str(clone / "node_modules/.bin/marp") in doctor.stdout

        second = _run(["./scripts/setup.sh", "--no-build"], cwd=clone, env=env, timeout=600)
        assert second.returncode == 0, second.stderr
        assert "==> Python packages up to date (.venv)" in second.stdout
        assert "==> node packages up to date (node_modules)" in second.stdout
        assert "pip install" not in second.stdout and "npm ci" not in second.stdout
    finally:
        shutil.rmtree(clone, ignore_errors=True)  # a venv with its packages is large
