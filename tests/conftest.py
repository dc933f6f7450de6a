"""Shared fixtures: a small course tree built from a dict, and a CLI runner that captures output."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"

MINI_COURSE_YAML = """\
# A small course for tests.
title: Test Course
deliverables:
  required: [readme, slides, conspect]
  optional: [exercises, notebooks, reading]
lessons:
  - number: 1
    title: First steps
    summary: The first lesson.
  - number: 2
    title: Second steps
    summary: The second lesson.
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (relative path -> text or bytes) under ``root``; return root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def make_course(tmp_path: Path) -> Callable[..., Path]:
    """Return a factory: make_course(files=None, yaml=MINI_COURSE_YAML, templates=True) -> root.

    The course gets the toolkit's default templates/ (lesson, marp, site, as ``course init``
    copies them) and the repository's materials/macros.tex unless ``templates=False``.
    """

    def factory(
        files: dict[str, str | bytes] | None = None,
        yaml: str | None = MINI_COURSE_YAML,
        templates: bool = True,
        name: str = "course",
    ) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        if yaml is not None:
            (root / "course.yaml").write_text(yaml, encoding="utf-8")
        if templates:
            from course_cli.core.templating import DEFAULTS

            shutil.copytree(DEFAULTS, root / "templates", dirs_exist_ok=True)
            macros = REPO / "materials" / "macros.tex"
            if macros.is_file():
                (root / "materials").mkdir(exist_ok=True)
                shutil.copy(macros, root / "materials" / "macros.tex")
        write_tree(root, files or {})
        return root

    return factory


@pytest.fixture
def two_lesson_course(make_course: Callable[..., Path]) -> Path:
    """A clean two-lesson course: the good lesson fixture twice, its README roadmap in sync."""
    from tests.test_check_course import lesson_files, roadmap_readme

    tree: dict[str, str | bytes] = {}
    for n in (1, 2):
        tree.update(lesson_files(n))
    root = make_course(tree)
    roadmap_readme(root)
    return root


@dataclass
class Result:
    """What a user sees from one ``course`` invocation."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Return run(*args, cwd=None) -> Result: ``course`` run in-process like the console script."""
    from course_cli.cli import main

    def run(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["course", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run
